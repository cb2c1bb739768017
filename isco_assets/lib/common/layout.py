"""Where the platform keeps its state: everything under one data directory. The entry points choose it (from
``ISCO_DATA_DIR`` and ``ISCO_CACHE_DIR``, ``resources/environment.py``); lib is handed a layout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "data"


@dataclass(frozen=True)
class DataLayout:
    """``derived_root`` (``$ISCO_CACHE_DIR``, default ``<root>/cache``): where results that are pure functions of
    their inputs' content are kept (the index's normalized labels, lexical matrices, group heads), so several data
    folders, or the test suite's many, can share them."""

    root: Path
    derived_root: Path | None = None

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
