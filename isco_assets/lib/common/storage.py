"""Files the platform writes itself: atomically (``atomic_write``: a reader sees the old file or the new one,
never half of one), and derived results kept by a content key (``cached``): built once, reused until what they
depend on changes. Every cache, table and export goes through here.

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


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """``write(partial)`` to a hidden file beside ``path``, then rename it to ``path``; a failed write leaves
    nothing behind. The hidden name is short whatever ``path``'s is, and listings skip it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{uuid.uuid4().hex}.tmp")
    try:
        write(partial)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def new_shard(folder: Path, write: Callable[[Path], object]) -> Path:
    """A new uniquely named Parquet shard in ``folder``, written atomically (caches that grow by shards)."""
    return atomic_write(folder / f"{uuid.uuid4().hex}.parquet", write)


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
    atomic_write(path, lambda partial: save(value, partial))
    for stale in sorted(folder.glob(f"*{suffix}"), key=lambda f: f.stat().st_mtime, reverse=True)[keep:]:
        stale.unlink(missing_ok=True)
    return value


def _pickle(value: object, path: Path) -> None:
    with path.open("wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)


def _unpickle(path: Path) -> object:
    with path.open("rb") as handle:
        return pickle.load(handle)
