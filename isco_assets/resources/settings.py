"""Platform settings as a resource: the data directory and the settings file."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import dagster as dg

from isco_assets.lib.classify.taxonomy import IscoTaxonomy, load_taxonomy
from isco_assets.lib.common.layout import DataLayout
from isco_assets.lib.config import PlatformConfig
from isco_assets.resources.environment import config_from_env


class PlatformSettings(dg.ConfigurableResource):
    """Where state lives (``ISCO_DATA_DIR``) and which settings file to read (``ISCO_CONFIG``; the environment's
    overrides of its keys apply, as for the resources ``definitions.py`` builds from the same settings)."""

    data_dir: str
    config_file: str = ""
    cache_dir: str = ""  # ISCO_CACHE_DIR: derived results shared by several data folders; empty: <data_dir>/cache

    @cached_property
    def layout(self) -> DataLayout:
        return DataLayout(Path(self.data_dir).expanduser().resolve(),
                          Path(self.cache_dir).expanduser().resolve() if self.cache_dir else None)

    @cached_property
    def config(self) -> PlatformConfig:
        return config_from_env(self.config_file)

    @property
    def taxonomy(self) -> IscoTaxonomy:
        return load_taxonomy()
