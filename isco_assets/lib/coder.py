"""Retrieval coder: job titles to ISCO-08 unit groups by semantic and lexical similarity to index labels.

Labels are scored one by one, then aggregated to unit groups (the best label of a group speaks for
it), so a group with many labels does not win by numbers alone. Each text gets top-k groups, a
confidence, a needs-review flag (score below a floor or a small margin between the first two, as
SOCcer does), and the pilot's n.e.c. flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from isco_assets.lib.config import CoderSettings
from isco_assets.lib.taxonomy import IscoTaxonomy

BATCH = 512
SOFTMAX_TEMPERATURE = 0.04


@dataclass(frozen=True)
class CodeResult:
    """Top-k codes for a batch of texts, aligned with the input order."""

    codes: np.ndarray  # (n, k) str
    scores: np.ndarray  # (n, k) float32
    confidence: np.ndarray  # (n,) float32
    needs_review: np.ndarray  # (n,) bool
    nec_flag: np.ndarray  # (n,) bool


class IscoCoder:
    def __init__(
        self, labels: pd.DataFrame, label_vectors: np.ndarray, taxonomy: IscoTaxonomy,
        settings: CoderSettings | None = None,
    ):
        if len(labels) != len(label_vectors):
            raise ValueError(f"{len(labels)} labels but {len(label_vectors)} vectors")
        order = np.argsort(labels["code"].to_numpy(), kind="stable")
        self.labels = labels.iloc[order].reset_index(drop=True)
        self.vectors = np.ascontiguousarray(label_vectors[order], dtype=np.float32)
        sorted_codes = self.labels["code"].to_numpy()
        self.group_codes, self.group_starts = np.unique(sorted_codes, return_index=True)
        self.taxonomy = taxonomy
        self.settings = settings or CoderSettings()
        self._lexical = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True, dtype=np.float32)
        self._label_tfidf = self._lexical.fit_transform(self.labels["label_norm"]).T.tocsr()

    def group_scores(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """(n, groups) combined similarity of each text to each unit group's best label."""
        w = self.settings.semantic_weight
        label_scores = w * (vectors @ self.vectors.T)
        label_scores += (1.0 - w) * (self._lexical.transform(texts) @ self._label_tfidf).toarray()
        return np.maximum.reduceat(label_scores, self.group_starts, axis=1)

    def code(self, texts: Sequence[str], vectors: np.ndarray, top_k: int | None = None) -> CodeResult:
        k = min(top_k or self.settings.top_k, len(self.group_codes))
        n = len(texts)
        codes = np.empty((n, k), dtype=object)
        scores = np.zeros((n, k), dtype=np.float32)
        for start in range(0, n, BATCH):
            stop = min(start + BATCH, n)
            group = self.group_scores(texts[start:stop], vectors[start:stop])
            top = np.argpartition(-group, k - 1, axis=1)[:, :k] if k < group.shape[1] else np.tile(
                np.arange(group.shape[1]), (stop - start, 1))
            top_scores = np.take_along_axis(group, top, axis=1)
            order = np.argsort(-top_scores, axis=1)
            top = np.take_along_axis(top, order, axis=1)
            scores[start:stop] = np.take_along_axis(top_scores, order, axis=1)
            codes[start:stop] = self.group_codes[top]
        confidence = _softmax_top1(scores)
        margin = scores[:, 0] - (scores[:, 1] if k > 1 else 0.0)
        needs_review = (scores[:, 0] < self.settings.review_min_score) | (margin < self.settings.review_min_margin)
        nec = np.array([any(self.taxonomy.is_nec(c) for c in row) for row in codes], dtype=bool)
        return CodeResult(codes, scores, confidence, needs_review, nec)


def _softmax_top1(scores: np.ndarray) -> np.ndarray:
    if scores.size == 0:
        return np.zeros(len(scores), dtype=np.float32)
    z = (scores - scores[:, :1]) / SOFTMAX_TEMPERATURE
    p = np.exp(z)
    return (p[:, 0] / p.sum(axis=1)).astype(np.float32)


def result_frame(texts: Sequence[str], result: CodeResult, taxonomy: IscoTaxonomy) -> pd.DataFrame:
    """One row per text: the best code with its title and score, and the full top-k beside it."""
    top1 = result.codes[:, 0] if len(texts) else np.array([], dtype=object)
    return pd.DataFrame({
        "title_norm": list(texts),
        "isco_code": top1,
        "isco_title": [taxonomy.title(c) for c in top1],
        "isco_score": result.scores[:, 0] if len(texts) else np.array([], dtype=np.float32),
        "confidence": result.confidence,
        "needs_review": result.needs_review,
        "nec_flag": result.nec_flag,
        "top_codes": [list(row) for row in result.codes],
        "top_scores": [[round(float(s), 4) for s in row] for row in result.scores],
    })
