"""Knowledge loaders that keep what they loaded until its files change, so that a running process (the action
server, the web server) gives patrons what the staff just saved, without a restart."""
from __future__ import annotations

import inspect
import logging
import os
import time
from dataclasses import dataclass, replace
from functools import wraps
from pathlib import Path
from typing import Callable, Generic, Optional, Protocol, TypeVar, cast

log = logging.getLogger(__name__)
Loaded = TypeVar("Loaded")
Loaded_co = TypeVar("Loaded_co", covariant=True)
Stamp = tuple[tuple[str, int, int, int], ...]
FileStamp = tuple[int, int, int]  # inode, modification time (ns), size
LARGE = 1_000  # files from which a tree is checked file by file only every FULL_CHECK_SECONDS
FULL_CHECK_SECONDS = 2.0
clock = time.monotonic


@dataclass(frozen=True)
class Scan:
    """The stamps of the files under some paths, and those quick to check again: the folders read to find them
    (each taken before its entries were read: a file added, removed or renamed into it meanwhile changes it) and
    the paths that are single files."""

    files: Stamp
    watched: Stamp


def stamp(*paths: Path) -> Stamp:
    """What changes when one of the files changes: name, inode (a file replaced), modification time and size of
    each file, or of every file under a folder. Read with os.scandir: it runs at each call of a loader."""
    return scan(*paths).files


def scan(*paths: Path) -> Scan:
    found: list[tuple[str, int, int, int]] = []
    watched: list[tuple[str, int, int, int]] = []
    for path in paths:
        if path.is_dir():
            _stamp_folder(str(path), found, watched)
        elif path.is_file():
            found.append(_stamp_of(str(path), path.stat()))
            watched.append(found[-1])
    return Scan(tuple(sorted(found)), tuple(watched))


def _stamp_folder(folder: str, found: list[tuple[str, int, int, int]],
                  folders: list[tuple[str, int, int, int]]) -> None:
    """Every file under the folder but hidden ones (the console's temporary files: `.name.yml.*.tmp`), which can
    vanish while the folder is read, as any file can: a file gone is left out."""
    folders.append(_stamp_of(folder, os.stat(folder)))
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    _stamp_folder(entry.path, found, folders)
                elif entry.is_file():
                    found.append(_stamp_of(entry.path, entry.stat()))
            except FileNotFoundError:
                continue


def _stamp_of(file: str, found: os.stat_result) -> tuple[str, int, int, int]:
    return file, found.st_ino, found.st_mtime_ns, found.st_size


def file_stamp(entry: os.DirEntry[str]) -> Optional[FileStamp]:
    """What changes when the file changes (as in `stamp`); None when it is gone."""
    try:
        found = entry.stat()
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


def stamps_again(stamped: Stamp) -> Stamp:
    """The stamps of the same paths now (a path gone is left out)."""
    found = []
    for path, *_ in stamped:
        try:
            found.append(_stamp_of(path, os.stat(path)))
        except FileNotFoundError:
            continue
    return tuple(found)


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
    """A loader's result, the files it was read from (`source`: `stamp`, unless they changed into unusable ones),
    and for a large tree `watched`, the stamps of its folders and of the single files: they alone are checked at
    each call, every file only every FULL_CHECK_SECONDS."""

    stamp: Stamp  # the files when last looked at
    value: Loaded
    source: Stamp
    watched: Stamp = ()
    checked: float = 0.0

    def unchanged(self) -> bool:
        """True when the files need not be checked one by one: a large tree whose folders and single files are
        as they were, checked file by file less than FULL_CHECK_SECONDS ago."""
        return bool(self.watched) and clock() - self.checked < FULL_CHECK_SECONDS and \
            stamps_again(self.watched) == self.watched


def reloading(*siblings: str) -> Callable[[Callable[[Path], Loaded]], Loader[Loaded]]:
    """The decorated loader of one path, its result kept for each path until a file it reads changes: the file at
    the path, every file under it when it is a folder, and `siblings` (names beside it).

    A file changed into one that cannot be used leaves the last good version in use (and logs why): a file saved
    by hand while the assistant runs never stops it. The first load raises, as the loader does.

    A tree of more than LARGE files (the national data's places) is checked file by file at most every
    FULL_CHECK_SECONDS; in between, only its folders and the single files: a file added, removed or saved by
    renaming (as the console saves) is seen at once, a file rewritten in place within FULL_CHECK_SECONDS.
    """

    def decorate(load: Callable[[Path], Loaded]) -> Loader[Loaded]:
        kept: dict[Path, Kept[Loaded]] = {}
        default, = (parameter.default for parameter in inspect.signature(load).parameters.values())

        def current(path: Path) -> Kept[Loaded]:
            before: Optional[Kept[Loaded]] = kept.get(path)
            if before is not None and before.unchanged():
                return before
            checked, now = clock(), scan(path, *(path.parent / sibling for sibling in siblings))
            same = before is not None and before.stamp == now.files
            found = before if same and before is not None else _fresh(load, path, now.files, before)
            kept[path] = replace(found, watched=now.watched if len(now.files) > LARGE else (), checked=checked)
            return kept[path]

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
