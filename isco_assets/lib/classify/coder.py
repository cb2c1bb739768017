"""Retrieval coder: job titles to ISCO-08 unit groups by semantic and lexical similarity to index labels.

Labels are shortlisted by semantic cosine, scored on the shortlist by cosine plus character n-gram
overlap, then aggregated to unit groups by a soft vote of the nearest labels: each of the
``neighbours`` best labels votes for its group with weight exp(score / temperature). Votes rank the
groups and their share is the confidence; the best label score of a group is its ``score``, a
similarity a person can read. A text needs review when its best score is low or the vote margin
between the first two groups is small (as SOCcer does); the pilot's n.e.c. flag marks a 'not
elsewhere classified' group in the top k. With a calibration file in the settings the confidence is the
calibrated chance that the first code is right (``calibration.py``, a map for votes blended with a second
model's and one for the others); the vote shares stay in ``votes``.
With ``head_weight`` set, the vote is blended with the probabilities of a head trained on all the index's labels
(``group_head.py``). A ``MultilingualVote`` blends in, for some texts, the vote of a coder over the same labels in
another embedding model (a multilingual one for titles not in English); its label scores join this coder's on this
coder's scale (``_aligned_best``). A ``ReadingVote`` blends in, for some texts, this coder's vote for another
reading of them: a title's English gloss (``gloss``, for titles in a language the index names occupations in beside
English, blended before the multilingual vote: the main model's vote is then its vote for both readings), or a
title read with the start of its post's description (``context``, for titles that alone need review).
The labels people coded in a text's language (``CODED_KINDS``) count ``coded_weight`` times a reference label in
both votes for it (``coded_in``): people coding follow conventions the taxonomy's wording does not.
Votes also roll up the hierarchy: the minor, sub-major and major group with the most summed votes, and their
share, so a post too unsure for a unit group can still be used at the level it is sure of.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.feature_extraction.text import TfidfVectorizer

from isco_assets.lib.classify.calibration import Calibrations
from isco_assets.lib.classify.group_head import head_key, shipped_head, trained_head
from isco_assets.lib.classify.taxonomy import IscoTaxonomy
from isco_assets.lib.common.storage import cached, digest
from isco_assets.lib.config import CODED_KINDS, CoderSettings
from isco_assets.lib.embed.embedding import native_bf16

LOG = logging.getLogger(__name__)
BATCH = 512
SHORTLIST = 128  # labels per text that get the lexical score (256: same top-1 on JobBERT dev, +0.1 pt top-5)
EXACT_CHUNK = 64  # texts per exact rescoring step (64 x 128 label vectors at a time)
LEVELS = {3: "minor", 2: "sub_major", 1: "major"}  # digits -> the group level votes roll up to
LEXICAL_FORMAT = "char_wb 3-4 sublinear v1"  # a change to _lexical's settings changes this


@dataclass(frozen=True)
class CodeResult:
    """Top-k codes for a batch of texts, aligned with the input order."""

    codes: np.ndarray  # (n, k) str
    scores: np.ndarray  # (n, k) float32: best label similarity per group
    votes: np.ndarray  # (n, k) float32: share of the neighbours' vote per group
    confidence: np.ndarray  # (n,) float32: the first group's vote share, or its calibrated probability
    needs_review: np.ndarray  # (n,) bool
    nec_flag: np.ndarray  # (n,) bool
    level_codes: np.ndarray  # (n, 3) str: minor, sub-major and major group with the most summed votes
    level_shares: np.ndarray  # (n, 3) float32: their vote shares
    blended: np.ndarray  # (n,) bool: a second model's vote was blended in (``MultilingualVote``)
    described: np.ndarray  # (n,) bool: the vote for the text read with its description was blended in (``context``)


@dataclass(frozen=True)
class MultilingualVote:
    """The vote of ``coder`` (same labels, another model) for the texts in ``rows``, blended in at ``weight``."""

    coder: IscoCoder
    vectors: np.ndarray  # (n, d) in the other model; rows outside ``rows`` are ignored
    rows: np.ndarray  # (n,) bool
    weight: float

    def subset(self, rows: np.ndarray) -> MultilingualVote:
        """The same opinion for the texts at ``rows`` (integer positions), in that order."""
        return MultilingualVote(self.coder, self.vectors[rows], self.rows[rows], self.weight)


@dataclass(frozen=True)
class ReadingVote:
    """This coder's vote for another reading of each text in ``rows`` (``texts``, encoded as ``vectors`` by the same
    model), blended in at ``weight``. Its label scores join the text's on the text's scale (``_aligned_best``), so each
    row's best score stays the text's own; the vote shares, and so the margin and the confidence, take the blend."""

    texts: Sequence[str]  # (n,) the other reading; ignored outside rows
    vectors: np.ndarray  # (n, d)
    rows: np.ndarray  # (n,) bool
    weight: float

    def subset(self, rows: np.ndarray) -> ReadingVote:
        """The same readings for the texts at ``rows`` (integer positions), in that order."""
        return ReadingVote([self.texts[i] for i in rows], self.vectors[rows], self.rows[rows], self.weight)


def merge_results(parts: Sequence[tuple[np.ndarray, CodeResult]], n: int) -> CodeResult:
    """One result for ``n`` texts from results for subsets of rows (rows, result); a later part wins where the
    subsets overlap."""
    fields = {}
    for field in dataclasses.fields(CodeResult):
        first = getattr(parts[0][1], field.name)
        merged = np.empty((n, *first.shape[1:]), dtype=first.dtype)
        for rows, result in parts:
            merged[rows] = getattr(result, field.name)
        fields[field.name] = merged
    return CodeResult(**fields)


def _lexical(texts: list[str]) -> tuple[TfidfVectorizer, object]:
    """Character 3-4-gram TF-IDF over the labels: the fitted vectorizer and the labels' (CSR) matrix."""
    LOG.info("building the lexical matrix of %s labels (kept for the next run)", f"{len(texts):,}")
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), sublinear_tf=True, dtype=np.float32)
    return vectorizer, vectorizer.fit_transform(texts).tocsr()


def _search_matrix(vectors: np.ndarray) -> torch.Tensor:
    """Label vectors for the shortlist search: on the GPU when present, in half precision where the
    hardware multiplies it natively, else float32."""
    matrix = torch.from_numpy(vectors)
    if torch.cuda.is_available():
        return matrix.to("cuda", torch.float16)
    if native_bf16():
        return matrix.to(torch.bfloat16)
    return matrix


class IscoCoder:
    def __init__(
        self, labels: pd.DataFrame, label_vectors: np.ndarray, taxonomy: IscoTaxonomy,
        settings: CoderSettings | None = None, cache: Path | None = None, model_id: str = "",
    ):
        """``cache``: where trained group heads (``heads/``) and the labels' lexical matrices (``lexical/``) are
        kept; None makes them in memory. ``model_id``: the model of ``label_vectors``, whose shipped group head
        serves when it learned these labels (``group_head.shipped_head``)."""
        if len(labels) != len(label_vectors):
            raise ValueError(f"{len(labels)} labels but {len(label_vectors)} vectors")
        self.labels = labels.reset_index(drop=True)
        self.vectors = np.ascontiguousarray(label_vectors, dtype=np.float32)
        self.group_codes, self.label_group = np.unique(self.labels["code"].to_numpy(), return_inverse=True)
        # a source's weight scales its labels' votes (IndexSource.weight); frames from before the column: 1
        weight = self.labels["weight"] if "weight" in self.labels.columns else pd.Series(1.0, index=self.labels.index)
        self.label_weight = pd.to_numeric(weight, errors="coerce").fillna(1.0).to_numpy(np.float32)
        # each label's language if people coded it, else "": what coded_weight matches a text's language against;
        # None for an index without coded labels (the default), so the vote skips the comparison
        coded = (self.labels["kind"].isin(CODED_KINDS) if "kind" in self.labels.columns
                 else pd.Series(False, index=self.labels.index))
        self.coded_language = (self.labels["language"].astype(str).where(coded, "").to_numpy(object)
                               if coded.any() else None)
        self._search = _search_matrix(self.vectors)
        self._nec_group = np.array([taxonomy.is_nec(c) for c in self.group_codes], dtype=bool)
        self._levels = [_roll_up(self.group_codes, digits) for digits in LEVELS]
        self.settings = settings or CoderSettings()
        self._calibration = Calibrations.load(Path(self.settings.calibration)) if self.settings.calibration else None
        texts = self.labels["label_norm"].tolist()
        self._lexical, self._label_tfidf = cached(cache / "lexical" if cache else None,
                                                  digest([LEXICAL_FORMAT, *texts]), lambda: _lexical(texts), keep=8)
        self._head = None
        if self.settings.head_weight > 0:
            hidden, epochs = self.settings.head_hidden, self.settings.head_epochs
            codes, texts = self.labels["code"].tolist(), self.labels["label_norm"].tolist()
            key = head_key(codes, texts, self.vectors, hidden, epochs)
            self._head = trained_head(
                self.vectors, self.label_group, len(self.group_codes), hidden, epochs,
                cache / "heads" if cache else None, key,
                lambda: shipped_head(model_id, codes, texts, self.group_codes.tolist(), self.vectors.shape[1], hidden,
                                     epochs))

    def _shortlist(self, texts: Sequence[str], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The semantically nearest labels of each text with their combined score.

        The search runs in half precision where the hardware multiplies it natively (CUDA, CPUs with
        AMX or AVX512-BF16), which only decides the shortlist; cosines on the shortlist are exact.
        """
        w = self.settings.semantic_weight
        m = min(SHORTLIST, len(self.vectors))
        with torch.inference_mode():
            query = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))
            similarity = query.to(self._search.device, self._search.dtype) @ self._search.T
            shortlist = torch.topk(similarity, m, dim=1, sorted=False).indices.cpu().numpy()
        semantic = np.concatenate([
            np.einsum("nd,nkd->nk", vectors[i:i + EXACT_CHUNK], self.vectors[shortlist[i:i + EXACT_CHUNK]])
            for i in range(0, len(texts), EXACT_CHUNK)
        ])
        rows = np.repeat(np.arange(len(texts)), m)
        query_ngrams = self._lexical.transform(texts)[rows]
        lexical = self._label_tfidf[shortlist.ravel()].multiply(query_ngrams).sum(axis=1)
        scores = w * semantic + (1.0 - w) * np.asarray(lexical).reshape(len(texts), m)
        return shortlist, scores.astype(np.float32)

    def _aggregate(
        self, shortlist: np.ndarray, scores: np.ndarray, coded_in: Sequence[str] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per group: vote share of the nearest labels, and best label score on the shortlist (0 off it).
        ``coded_in``: per text, the language whose coded labels count ``coded_weight`` times ("": none)."""
        n = len(scores)
        k = max(1, min(self.settings.neighbours, scores.shape[1]))
        nearest = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < scores.shape[1] else np.tile(
            np.arange(k), (n, 1))
        near_scores = np.take_along_axis(scores, nearest, axis=1)
        near_labels = np.take_along_axis(shortlist, nearest, axis=1)
        near_groups = self.label_group[near_labels]
        weights = np.exp((near_scores - near_scores.max(axis=1, keepdims=True)) / self.settings.temperature)
        weights *= self.label_weight[near_labels]
        if coded_in is not None and self.coded_language is not None and self.settings.coded_weight != 1:
            wanted = np.asarray(coded_in, dtype=object)[:, None]
            same = (self.coded_language[near_labels] == wanted) & (wanted != "")
            weights *= np.where(same, self.settings.coded_weight, 1.0)
        votes = np.zeros((n, len(self.group_codes)), dtype=np.float32)
        np.add.at(votes, (np.repeat(np.arange(n), k), near_groups.ravel()), weights.ravel())
        votes /= votes.sum(axis=1, keepdims=True)
        best = np.zeros_like(votes)
        np.maximum.at(best, (np.repeat(np.arange(n), scores.shape[1]), self.label_group[shortlist].ravel()),
                      scores.ravel())
        return votes, best

    def vote(
        self, texts: Sequence[str], vectors: np.ndarray, coded_in: Sequence[str] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n, groups) vote shares, the head blended in, and (n, groups) best label scores; at most ``BATCH`` texts."""
        vote, best = self._aggregate(*self._shortlist(texts, vectors), coded_in)
        if self._head is not None:
            w = self.settings.head_weight
            vote = (1.0 - w) * vote + w * self._head.probabilities(vectors)
        return vote, best

    def _columns_of(self, other: IscoCoder) -> np.ndarray | None:
        """Where ``other``'s groups sit among this coder's (None: the same groups); a second opinion may read a
        subset of this coder's labels (``coder.multilingual_kinds``), so it may know fewer groups, never more."""
        if np.array_equal(other.group_codes, self.group_codes):
            return None
        columns = np.searchsorted(self.group_codes, other.group_codes)
        if (columns >= len(self.group_codes)).any() or not np.array_equal(self.group_codes[columns],
                                                                          other.group_codes):
            raise ValueError("a second opinion must come from a coder over a subset of this coder's groups")
        return columns

    def code(
        self, texts: Sequence[str], vectors: np.ndarray, top_k: int | None = None,
        second: MultilingualVote | None = None, context: ReadingVote | None = None, gloss: ReadingVote | None = None,
        coded_in: Sequence[str] | None = None,
    ) -> CodeResult:
        """``coded_in``: per text, the language whose coded labels count ``coded_weight`` times ("": none)."""
        columns = self._columns_of(second.coder) if second is not None else None
        k = min(top_k or self.settings.top_k, len(self.group_codes))
        n = len(texts)
        codes = np.empty((n, k), dtype=object)
        scores = np.zeros((n, k), dtype=np.float32)
        votes = np.zeros((n, k), dtype=np.float32)
        nec = np.zeros(n, dtype=bool)
        level_codes = np.empty((n, len(LEVELS)), dtype=object)
        level_shares = np.zeros((n, len(LEVELS)), dtype=np.float32)
        blended = np.zeros(n, dtype=bool)
        described = np.zeros(n, dtype=bool)
        for start in range(0, n, BATCH):
            stop = min(start + BATCH, n)
            batch_coded_in = coded_in[start:stop] if coded_in is not None else None
            vote, best = self.vote(texts[start:stop], vectors[start:stop], batch_coded_in)
            self._blend_reading(vote, best, gloss, start, stop)
            if second is not None and (rows := np.flatnonzero(second.rows[start:stop])).size:
                other, other_best = second.coder.vote(
                    [texts[start + i] for i in rows], second.vectors[start:stop][rows],
                    [batch_coded_in[i] for i in rows] if batch_coded_in is not None else None)
                if columns is not None:
                    other, other_best = _widen(other, columns, len(self.group_codes)), _widen(
                        other_best, columns, len(self.group_codes))
                _blend(vote, best, rows, other, other_best, second.weight)
                blended[start + rows] = True
            described[start:stop] = self._blend_reading(vote, best, context, start, stop)
            # votes rank the groups; the best label score orders the groups nobody voted for
            top = np.argsort(-(vote + 1e-3 * best), axis=1)[:, :k]
            codes[start:stop] = self.group_codes[top]
            scores[start:stop] = np.take_along_axis(best, top, axis=1)
            votes[start:stop] = np.take_along_axis(vote, top, axis=1)
            nec[start:stop] = self._nec_group[top].any(axis=1)
            for j, (parents, member) in enumerate(self._levels):
                summed = vote @ member
                best = summed.argmax(axis=1)
                level_codes[start:stop, j] = parents[best]
                level_shares[start:stop, j] = np.take_along_axis(summed, best[:, None], axis=1)[:, 0]
        margin = votes[:, 0] - (votes[:, 1] if k > 1 else 0.0)
        needs_review = (scores[:, 0] < self.settings.review_min_score) | (margin < self.settings.review_min_margin)
        confidence = self._calibration(votes[:, 0], blended) if self._calibration else votes[:, 0].copy()
        return CodeResult(codes, scores, votes, confidence, needs_review, nec, level_codes, level_shares, blended,
                          described)

    def _blend_reading(
        self, vote: np.ndarray, best: np.ndarray, reading: ReadingVote | None, start: int, stop: int,
    ) -> np.ndarray:
        """Blend this coder's vote for ``reading``'s texts among ``start:stop`` into that batch's ``vote`` and ``best``
        (in place); which of the batch's rows took it."""
        took = np.zeros(stop - start, dtype=bool)
        if reading is not None and (rows := np.flatnonzero(reading.rows[start:stop])).size:
            other, other_best = self.vote([reading.texts[start + i] for i in rows], reading.vectors[start:stop][rows])
            _blend(vote, best, rows, other, other_best, reading.weight)
            took[rows] = True
        return took


def _blend(
    vote: np.ndarray, best: np.ndarray, rows: np.ndarray, other: np.ndarray, other_best: np.ndarray, weight: float,
) -> None:
    """Blend another vote into ``vote`` at ``rows`` (in place), its label scores joining ``best`` on its scale."""
    vote[rows] = (1.0 - weight) * vote[rows] + weight * other
    best[rows] = _aligned_best(best[rows], other_best)


def _widen(values: np.ndarray, columns: np.ndarray, width: int) -> np.ndarray:
    """(n, groups of another coder) values as (n, width), at ``columns``; 0 for the groups it does not know."""
    out = np.zeros((len(values), width), dtype=values.dtype)
    out[:, columns] = values
    return out


def _aligned_best(best: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Per group, the higher of this model's best label score and the other model's, shifted so that the two
    models' best labels score alike in each row. A group the other model found close keeps a score on this
    model's scale, while the row's best score, and with it the review threshold, stays this model's."""
    shift = best.max(axis=1, keepdims=True) - other.max(axis=1, keepdims=True)
    return np.maximum(best, np.where(other > 0, other + shift, 0.0)).astype(best.dtype)


def _roll_up(group_codes: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """The parent groups at ``digits`` and the (groups x parents) 0/1 matrix that sums votes into them."""
    parents, parent_of = np.unique([str(c)[:digits] for c in group_codes], return_inverse=True)
    member = np.zeros((len(group_codes), len(parents)), dtype=np.float32)
    member[np.arange(len(group_codes)), parent_of] = 1.0
    return parents.astype(object), member


def result_frame(texts: Sequence[str], result: CodeResult, taxonomy: IscoTaxonomy) -> pd.DataFrame:
    """One row per text: the best code with its title and score, and the full top-k beside it."""
    top1 = result.codes[:, 0] if len(texts) else np.array([], dtype=object)
    frame = pd.DataFrame({
        "title_norm": list(texts),
        "isco_code": top1,
        "isco_title": [taxonomy.title(c) for c in top1],
        "isco_score": result.scores[:, 0] if len(texts) else np.array([], dtype=np.float32),
        "confidence": result.confidence,
        "multilingual_vote": result.blended,
        "description_vote": result.described,
        "needs_review": result.needs_review,
        "nec_flag": result.nec_flag,
        "top_codes": [list(row) for row in result.codes],
        "top_scores": [[round(float(s), 4) for s in row] for row in result.scores],
        "top_votes": [[round(float(v), 4) for v in row] for row in result.votes],
    })
    for j, level in enumerate(LEVELS.values()):
        frame[f"{level}_group"] = result.level_codes[:, j]
        frame[f"{level}_share"] = result.level_shares[:, j]
    return frame
