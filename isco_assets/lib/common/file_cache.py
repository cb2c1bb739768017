"""Derived results kept on disk by a content key: built once, reused until what they depend on changes.

The index's normalized labels, its lexical matrix and trained group heads each take seconds to a minute to make and
are wanted by every command and run; a key is a digest of everything a result depends on, so a changed input makes
a new file, never a stale read. The ``keep`` most recently used files of a kind stay.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def digest(parts: Iterable[str | bytes]) -> str:
    """A short key over ``parts`` in order."""
    h = hashlib.sha1()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:20]


def file_version(path: Path) -> str:
    """What identifies a file's content cheaply: its path, size and modification time."""
    stat = path.stat()
    return f"{path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"


def source_version(*modules: str) -> str:
    """A digest of the source files of code whose output is cached, so a code change starts a new cache."""
    return digest(Path(m).read_bytes() for m in modules)


def cached(
    folder: Path | None, key: str, make: Callable[[], T], suffix: str = ".pkl", keep: int = 12,
    save: Callable[[T, Path], None] | None = None, load: Callable[[Path], T] | None = None,
) -> T:
    """The result under ``key`` in ``folder`` (made and written atomically the first time); None: just make it.
    ``save``/``load`` default to pickle. A file that cannot be read is made again."""
    if folder is None:
        return make()
    save = save or _pickle
    load = load or _unpickle
    path = folder / f"{key}{suffix}"
    if path.is_file():
        try:
            value = load(path)
            os.utime(path)  # recently used
            return value
        except Exception:  # a file cut short by a crash, or written by an older library version
            path.unlink(missing_ok=True)
    value = make()
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{uuid.uuid4().hex}{suffix}"
    save(value, partial)
    partial.replace(path)
    for stale in sorted(folder.glob(f"*{suffix}"), key=lambda f: f.stat().st_mtime, reverse=True)[keep:]:
        stale.unlink(missing_ok=True)
    return value


def _pickle(value: object, path: Path) -> None:
    with path.open("wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)


def _unpickle(path: Path) -> object:
    with path.open("rb") as handle:
        return pickle.load(handle)
