"""Coding outside Dagster: build the index once, then code any list of texts (used by the commands)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from isco_assets.lib.coder import CodeResult, IscoCoder
from isco_assets.lib.config import PlatformConfig
from isco_assets.lib.embedding import EmbeddingCache, Progress, SentenceTransformerEmbedder
from isco_assets.lib.index_sources import build_index_labels, embed_index
from isco_assets.lib.layout import DataLayout
from isco_assets.lib.taxonomy import load_taxonomy
from isco_assets.lib.text import normalize_title


@dataclass
class CodingService:
    coder: IscoCoder
    embedder: SentenceTransformerEmbedder
    cache: EmbeddingCache

    @classmethod
    def build(
        cls, config: PlatformConfig, layout: DataLayout, progress: Progress | None = None, model_path: str = "",
    ) -> CodingService:
        """``model_path``: a local sentence-transformers folder; default $ISCO_EMBEDDING_MODEL, else the
        packaged all-MiniLM-L6-v2."""
        embedder = SentenceTransformerEmbedder(model_path or os.environ.get("ISCO_EMBEDDING_MODEL") or None)
        cache = EmbeddingCache(layout.embedding_cache, embedder.model_id)
        taxonomy = load_taxonomy()
        labels = build_index_labels(taxonomy, config.index_sources, config.index_exclude)
        vectors, _ = embed_index(labels, embedder, cache, progress)
        return cls(IscoCoder(labels, vectors, taxonomy, config.coder), embedder, cache)

    def code(self, texts: Sequence[str], top_k: int | None = None, progress: Progress | None = None) -> CodeResult:
        """Normalize like the pipeline does, embed through the cache, and code."""
        normalized = [normalize_title(t) or t.strip().lower() for t in texts]
        vectors, _ = self.cache.embed(normalized, self.embedder, progress)
        return self.coder.code(normalized, vectors, top_k)
