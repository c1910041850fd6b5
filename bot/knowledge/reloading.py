"""Knowledge loaders that keep what they loaded until its files change, so that a running process (the action
server, the web server) gives patrons what the staff just saved, without a restart."""
from __future__ import annotations

import inspect
import logging
import os
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Callable, Generic, Optional, Protocol, TypeVar

log = logging.getLogger(__name__)
Loaded = TypeVar("Loaded")
Loaded_co = TypeVar("Loaded_co", covariant=True)
Stamp = tuple[tuple[str, int, int, int], ...]


def stamp(*paths: Path) -> Stamp:
    """What changes when one of the files changes: name, inode (a file replaced), modification time and size of
    each file, or of every file under a folder. Read with os.scandir: it runs at each call of a loader."""
    found: list[tuple[str, int, int, int]] = []
    for path in paths:
        if path.is_dir():
            _stamp_folder(str(path), found)
        elif path.is_file():
            found.append(_stamp_of(str(path), path.stat()))
    return tuple(sorted(found))


def _stamp_folder(folder: str, found: list[tuple[str, int, int, int]]) -> None:
    """Every file under the folder but hidden ones (the console's temporary files: `.name.yml.*.tmp`), which can
    vanish while the folder is read, as any file can: a file gone is left out."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    _stamp_folder(entry.path, found)
                elif entry.is_file():
                    found.append(_stamp_of(entry.path, entry.stat()))
            except FileNotFoundError:
                continue


def _stamp_of(file: str, found: os.stat_result) -> tuple[str, int, int, int]:
    return file, found.st_ino, found.st_mtime_ns, found.st_size


class Loader(Protocol[Loaded_co]):
    """A decorated loader: called without a path, it loads its default one."""

    def __call__(self, path: Path = ...) -> Loaded_co: ...

    @property
    def __wrapped__(self) -> Callable[[Path], Loaded_co]:
        """The loader itself, whose results are not kept."""


@dataclass(frozen=True)
class Kept(Generic[Loaded]):
    stamp: Stamp
    value: Loaded


def reloading(*siblings: str) -> Callable[[Callable[[Path], Loaded]], Loader[Loaded]]:
    """The decorated loader of one path, its result kept for each path until a file it reads changes: the file at
    the path, every file under it when it is a folder, and `siblings` (names beside it).

    A file changed into one that cannot be used leaves the last good version in use (and logs why): a file saved
    by hand while the assistant runs never stops it. The first load raises, as the loader does.
    """

    def decorate(load: Callable[[Path], Loaded]) -> Loader[Loaded]:
        kept: dict[Path, Kept[Loaded]] = {}
        default, = (parameter.default for parameter in inspect.signature(load).parameters.values())

        @wraps(load)
        def reload(path: Path = default) -> Loaded:
            now = stamp(path, *(path.parent / sibling for sibling in siblings))
            before: Optional[Kept[Loaded]] = kept.get(path)
            if before is None or before.stamp != now:
                kept[path] = Kept(now, _fresh(load, path, before))
            return kept[path].value

        return reload

    return decorate


def _fresh(load: Callable[[Path], Loaded], path: Path, before: Optional[Kept[Loaded]]) -> Loaded:
    """The loader's result; once one was good, whatever goes wrong leaves it in use (a patron's turn goes on)."""
    try:
        return load(path)
    except Exception as error:  # noqa: BLE001 - any error of a file saved by hand, not only KnowledgeError
        if before is None:
            raise
        log.error("%s changed but cannot be used, its last good version stays in use:\n%s", path, error)
        return before.value
