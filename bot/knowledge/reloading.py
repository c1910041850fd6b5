"""Knowledge loaders that keep what they loaded until its files change, so that a running process (the action
server, the web server) gives patrons what the staff just saved, without a restart."""
from __future__ import annotations

import inspect
import logging
import os
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Callable, Generic, Optional, Protocol, TypeVar, cast

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

    def kept(self, path: Path = ...) -> tuple[Loaded_co, Stamp]:
        """What the call gives, with the stamp of the files it was loaded from: the files as they are now, unless
        some changed into ones that cannot be used (the last good version stays in use)."""

    @property
    def __wrapped__(self) -> Callable[[Path], Loaded_co]:
        """The loader itself, whose results are not kept."""


@dataclass(frozen=True)
class Kept(Generic[Loaded]):
    stamp: Stamp  # the files when last looked at
    value: Loaded
    source: Stamp  # the files the value was loaded from: `stamp`, unless they changed into unusable ones


def reloading(*siblings: str) -> Callable[[Callable[[Path], Loaded]], Loader[Loaded]]:
    """The decorated loader of one path, its result kept for each path until a file it reads changes: the file at
    the path, every file under it when it is a folder, and `siblings` (names beside it).

    A file changed into one that cannot be used leaves the last good version in use (and logs why): a file saved
    by hand while the assistant runs never stops it. The first load raises, as the loader does.
    """

    def decorate(load: Callable[[Path], Loaded]) -> Loader[Loaded]:
        kept: dict[Path, Kept[Loaded]] = {}
        default, = (parameter.default for parameter in inspect.signature(load).parameters.values())

        def current(path: Path) -> Kept[Loaded]:
            now = stamp(path, *(path.parent / sibling for sibling in siblings))
            found: Optional[Kept[Loaded]] = kept.get(path)
            if found is None or found.stamp != now:
                found = kept[path] = _fresh(load, path, now, found)
            return found

        @wraps(load)
        def reload(path: Path = default) -> Loaded:
            return current(path).value

        def kept_of(path: Path = default) -> tuple[Loaded, Stamp]:
            found = current(path)
            return found.value, found.source

        reload.kept = kept_of  # type: ignore[attr-defined]
        return cast(Loader[Loaded], reload)

    return decorate


def _fresh(load: Callable[[Path], Loaded], path: Path, now: Stamp, before: Optional[Kept[Loaded]]) -> Kept[Loaded]:
    """The loader's result; once one was good, whatever goes wrong leaves it in use (a patron's turn goes on)."""
    try:
        return Kept(now, load(path), now)
    except Exception as error:  # noqa: BLE001 - any error of a file saved by hand, not only KnowledgeError
        if before is None:
            raise
        log.error("%s changed but cannot be used, its last good version stays in use:\n%s", path, error)
        return Kept(now, before.value, before.source)
