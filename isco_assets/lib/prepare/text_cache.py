"""Values computed from texts, kept on disk by text hash, so that a new drop on top of a million posts computes
only its own new texts (language detections, cleaned text)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from isco_assets.lib.common.storage import new_shard

COMPACT_AFTER = 16  # shards: when there are this many, the next write merges them into one


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class TextCache:
    """Parquet shards of (``hash``, value columns) in one folder; each run that computes something adds a shard,
    written atomically. Without a folder nothing is kept, and each distinct text is still computed only once."""

    def __init__(self, folder: Path | None):
        self.folder = Path(folder) if folder is not None else None

    def get(self, texts: Sequence[str], compute: Callable[[list[str]], pd.DataFrame]) -> tuple[pd.DataFrame, int]:
        """One row per text, in order, with the columns ``compute`` returns, and how many texts were computed now.

        ``compute`` gets the distinct texts the cache does not hold and returns one row per text, in order."""
        hashes = pd.Index([text_key(t) for t in texts], dtype=object)
        distinct = pd.Series(list(texts), index=hashes, dtype=object)
        distinct = distinct[~hashes.duplicated()]
        shards = sorted(self.folder.glob("*.parquet")) if self.folder is not None and self.folder.is_dir() else []
        known = self._read(shards)
        todo = distinct if known is None else distinct[~distinct.index.isin(known.index)]
        if known is not None and not len(todo):
            return known.reindex(hashes).reset_index(drop=True), 0
        fresh = compute(todo.tolist()).set_axis(todo.index)
        merge = known is not None and len(shards) >= COMPACT_AFTER
        known = fresh if known is None else pd.concat([known, fresh])
        if len(fresh):
            self._write(known if merge else fresh, shards if merge else [])
        return known.reindex(hashes).reset_index(drop=True), len(todo)

    @staticmethod
    def _read(shards: list[Path]) -> pd.DataFrame | None:
        if not shards:
            return None
        frame = pd.concat([pd.read_parquet(s) for s in shards], ignore_index=True)
        # two runs at once may both have computed a text: the values are the same, keep one
        return frame.drop_duplicates("hash").set_index("hash")

    def _write(self, values: pd.DataFrame, replaces: list[Path]) -> None:
        """A new shard (readers never see half of one); ``replaces``: the shards it holds too, removed after."""
        if self.folder is None:
            return
        new_shard(self.folder, lambda path: values.rename_axis("hash").reset_index().to_parquet(path, index=False))
        for shard in replaces:
            shard.unlink(missing_ok=True)
