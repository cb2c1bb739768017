"""Platform settings as a resource: the data directory and the YAML config file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import dagster as dg

from isco_assets.lib.classify.taxonomy import IscoTaxonomy, load_taxonomy
from isco_assets.lib.common.layout import DataLayout
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

