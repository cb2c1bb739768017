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

    def table(self, name: str) -> Path:
        """An asset's table, as the Parquet IO manager writes it."""
        return self.tables / f"{name}.parquet"

    @property
    def language_cache(self) -> Path:
        """Language detections by text (``LanguageDetector``)."""
        return self.cache / "languages"

    @property
    def cleaning_cache(self) -> Path:
        """Cleaned titles and descriptions by text (``clean_posts``)."""
        return self.cache / "cleaning"

    @property
    def coded_titles(self) -> Path:
        """Titles coded against an index, model and settings (``code_posts``)."""
        return self.cache / "codes"

    @property
    def coded_readings(self) -> Path:
        """Titles read with their post's description, coded (``code_posts``)."""
        return self.cache / "codes_described"

    @property
    def scrape_cache(self) -> Path:
        """Scrapy's HTTP cache and job state."""
        return self.cache / "scrapy"

    @property
    def demo_drops(self) -> Path:
        return self.root / "demo"

    @property
    def models(self) -> Path:
        """Fine-tuned embedding models, by version (``isco-finetune``)."""
        return self.root / "models"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"
