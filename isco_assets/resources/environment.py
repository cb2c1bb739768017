"""The one place the environment is read for the entry points (the definitions, the commands, the benchmarks, the
Scrapy project) before it is handed to lib, which never reads it. No Dagster here: a crawl's process imports it too.
"""

from __future__ import annotations

import dataclasses
import os
from functools import lru_cache
from pathlib import Path

from isco_assets.lib.common.layout import DEFAULT_DATA_DIR, DataLayout
from isco_assets.lib.common.llm import LLMSettings
from isco_assets.lib.config import ENVIRONMENT, PlatformConfig, load_config


def layout_from_env(data_dir: str | os.PathLike[str] | None = None) -> DataLayout:
    """The data folder (``data_dir``, else ``ISCO_DATA_DIR``, else ``./data``) and the shared derived-results
    folder (``ISCO_CACHE_DIR``, else the data folder's own cache)."""
    root = Path(data_dir or os.environ.get("ISCO_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
    shared = os.environ.get("ISCO_CACHE_DIR")
    return DataLayout(root, Path(shared).expanduser().resolve() if shared else None)


def config_file_from_env(config_file: str | None = None) -> str:
    """The settings file: ``config_file`` when given ("" = none), else ``ISCO_CONFIG``."""
    return os.environ.get("ISCO_CONFIG", "") if config_file is None else config_file


def config_from_env(config_file: str | None = None) -> PlatformConfig:
    """The settings: the file (``config_file_from_env``) with the ``ENVIRONMENT`` variables overriding their keys;
    read once per process for the same file, variables and file version."""
    file = config_file_from_env(config_file)
    path = Path(file).expanduser()
    stamp = path.stat().st_mtime_ns if file and path.is_file() else 0
    overrides = tuple((name, os.environ[name]) for name in ENVIRONMENT if os.environ.get(name))
    return _load(file, stamp, overrides)


@lru_cache(maxsize=8)
def _load(file: str, stamp: int, overrides: tuple[tuple[str, str], ...]) -> PlatformConfig:
    return load_config(file or None, dict(overrides))


def llm_settings_from_env(config: PlatformConfig) -> LLMSettings | None:
    """The configured LLM with its secret key (``ISCO_LLM_API_KEY``), for a command; None when none is configured."""
    if config.llm is None:
        return None
    return dataclasses.replace(config.llm, api_key=os.environ.get("ISCO_LLM_API_KEY", ""))
