"""Accuracy of coded texts against gold ISCO-08 codes: overall, per language and per source.

A gold entry is one code or several acceptable ones (a crosswalk that maps a title to many groups);
a prediction is a hit when it matches any of them. A gold code coarser than the digits compared (a
minor group "211") is a hit for every code inside it. Coverage and precision at the review threshold
are the share of texts coded without review and the top-1 accuracy on those; ``confidence_ece`` is how far
the confidence is from the accuracy it promises (expected calibration error).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd

from isco_assets.lib.classify.calibration import calibration_error
from isco_assets.lib.classify.coder import CodeResult
from isco_assets.lib.classify.taxonomy import IscoTaxonomy, normalize_unit_code
from isco_assets.lib.config import CoderSettings

Gold = str | Collection[str]
METRIC_COLUMNS = ("n", "top1_4digit", "top5_4digit", "top1_3digit", "top1_2digit", "top1_1digit",
                  "auto_coded_share", "auto_top1_4digit", "confidence_ece")
GOLD_SEPARATOR = "|"


def gold_codes(value: object, taxonomy: IscoTaxonomy) -> tuple[str, ...]:
    """The unit groups of a gold cell ("2512", "2512.0", "2512|2513"); empty when none is valid."""
    parts = (normalize_unit_code(p) for p in str(value or "").split(GOLD_SEPARATOR))
    return tuple(sorted({p for p in parts if p and taxonomy.is_unit_group(p)}))


def accuracy_report(
    gold: Sequence[Gold], result: CodeResult, languages: Sequence[str] | None = None,
    sources: Sequence[str] | None = None, settings: CoderSettings | None = None,
) -> dict[str, Any]:
    """Top-1/top-5 at 4 digits, top-1 at 3/2/1 digits, coverage and precision at the review threshold."""
    golds = _golds(gold, result)
    hits = {digits: _hits(golds, result.codes, digits) for digits in (4, 3, 2, 1)}
    review = np.asarray(result.needs_review, dtype=bool)
    confidence = np.asarray(result.confidence, dtype=np.float64)
    report: dict[str, Any] = {"overall": _metrics(hits, review, confidence, np.ones(len(golds), dtype=bool))}
    for key, values in (("by_language", languages), ("by_source", sources)):
        if values is not None:
            groups = np.asarray([str(v) for v in values], dtype=object)
            report[key] = {g: _metrics(hits, review, confidence, groups == g) for g in sorted(set(groups))}
    report["description_vote_rows"] = int(np.asarray(result.described, dtype=bool).sum())
    if settings is not None:
        report["review_threshold"] = {"min_score": settings.review_min_score, "min_margin": settings.review_min_margin}
    return report


def first_code_correct(gold: Sequence[Gold], result: CodeResult) -> np.ndarray:
    """(n,) bool: the first code is a gold unit group, what a calibration learns to predict."""
    return _hits(_golds(gold, result), result.codes[:, :1], 4)[:, 0]


def row_table(texts: Sequence[str], gold: Sequence[Gold], result: CodeResult, languages: Sequence[str] | None,
              taxonomy: IscoTaxonomy) -> pd.DataFrame:
    """One row per graded text, so a statistician can see where the coder fails: gold, the first code and
    whether it is right, the rank of the first gold code among the top codes (0: none), and the top codes."""
    golds = _golds(gold, result)
    hits = _hits(golds, result.codes, 4)
    first = result.codes[:, 0]
    return pd.DataFrame({
        "text": list(texts),
        "language": list(languages) if languages is not None else "",
        "gold": [GOLD_SEPARATOR.join(g) for g in golds],
        "gold_title": ["; ".join(taxonomy.title(c) for c in g) for g in golds],
        "isco_code": first,
        "isco_title": [taxonomy.title(c) for c in first],
        "right": hits[:, 0],
        "gold_rank": np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, 0),
        "confidence": np.round(np.asarray(result.confidence, dtype=np.float64), 3),
        "needs_review": np.asarray(result.needs_review, dtype=bool),
        "top_codes": ["; ".join(f"{c} ({v:.2f})" for c, v in zip(codes, votes, strict=True))
                      for codes, votes in zip(result.codes, result.votes, strict=True)],
    })


def _golds(gold: Sequence[Gold], result: CodeResult) -> list[tuple[str, ...]]:
    golds = [(g,) if isinstance(g, str) else tuple(g) for g in gold]
    if len(golds) != len(result.codes):
        raise ValueError(f"{len(golds)} gold entries but {len(result.codes)} coded texts")
    return golds


def _hits(golds: list[tuple[str, ...]], codes: np.ndarray, digits: int) -> np.ndarray:
    """(n, k) bool: the k-th code matches a gold code on ``digits`` digits (or on all of a coarser gold)."""
    out = np.zeros(codes.shape, dtype=bool)
    for i, (row, gold) in enumerate(zip(codes, golds, strict=True)):
        prefixes = {g[:digits] for g in gold}
        out[i] = [any(str(c).startswith(p) for p in prefixes) for c in row]
    return out


def _metrics(
    hits: dict[int, np.ndarray], review: np.ndarray, confidence: np.ndarray, mask: np.ndarray
) -> dict[str, Any]:
    n = int(mask.sum())
    if n == 0:
        return {"n": 0}
    out: dict[str, Any] = {"n": n, "top1_4digit": float(hits[4][mask, 0].mean()),
                           "top5_4digit": float(hits[4][mask, :5].any(axis=1).mean())}  # of k >= 5 codes
    for digits in (3, 2, 1):
        out[f"top1_{digits}digit"] = float(hits[digits][mask, 0].mean())
    auto = mask & ~review
    out["review_share"] = float(review[mask].mean())
    out["auto_coded_share"] = float(auto.sum() / n)  # coverage at the review threshold
    out["auto_top1_4digit"] = float(hits[4][auto, 0].mean()) if auto.any() else None  # precision there
    out["confidence_ece"] = calibration_error(confidence[mask], hits[4][mask, 0])
    return out


def report_table(report: dict[str, Any]) -> pd.DataFrame:
    """One row per group of the report (overall, then languages, then sources), the metric columns."""
    rows = {"overall": report["overall"]}
    rows.update({f"language={k}": v for k, v in report.get("by_language", {}).items()})
    rows.update({f"source={k}": v for k, v in report.get("by_source", {}).items()})
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(METRIC_COLUMNS))
