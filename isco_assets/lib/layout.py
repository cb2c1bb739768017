"""Where the platform keeps its state: everything under one data directory (ISCO_DATA_DIR)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = "data"


@dataclass(frozen=True)
class DataLayout:
    root: Path

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
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"
