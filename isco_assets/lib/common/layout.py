"""Where the platform keeps its state: everything under one data directory (ISCO_DATA_DIR)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DATA_DIR = "data"


def _shared_cache() -> Path | None:
    value = os.environ.get("ISCO_CACHE_DIR")
    return Path(value).expanduser().resolve() if value else None


@dataclass(frozen=True)
class DataLayout:
    """``derived_root`` (``$ISCO_CACHE_DIR``, default ``<root>/cache``): where results that are pure functions of
    their inputs' content are kept (the index's normalized labels, lexical matrices, group heads), so several data
    folders, or the test suite's many, can share them."""

    root: Path
    derived_root: Path | None = field(default_factory=_shared_cache)

    @classmethod
    def from_env(cls) -> DataLayout:
        return cls(Path(os.environ.get("ISCO_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def tables(self) -> Path:
        return self.root / "tables"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def embedding_cache(self) -> Path:
        return self.cache / "embeddings"

    @property
    def derived(self) -> Path:
        return self.derived_root or self.cache

    @property
    def index_cache(self) -> Path:
        """The index's normalized labels, by source files and code version (``build_index_labels``)."""
        return self.derived / "index"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"
