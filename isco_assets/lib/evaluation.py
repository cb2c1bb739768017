"""Accuracy of coded texts against gold ISCO-08 codes, overall and per language."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from isco_assets.lib.coder import CodeResult


def accuracy_report(gold: Sequence[str], result: CodeResult, languages: Sequence[str] | None = None) -> dict[str, Any]:
    """Top-1/top-5 at 4 digits, top-1 at 3/2/1 digits, review share and accuracy of the auto-coded rest."""
    report: dict[str, Any] = {"overall": _metrics(np.asarray(gold, dtype=object), result, np.ones(len(gold), bool))}
    if languages is not None:
        langs = np.asarray(languages, dtype=object)
        report["by_language"] = {
            str(lang): _metrics(np.asarray(gold, dtype=object), result, langs == lang) for lang in sorted(set(langs))
        }
    return report


def _metrics(gold: np.ndarray, result: CodeResult, mask: np.ndarray) -> dict[str, Any]:
    n = int(mask.sum())
    if n == 0:
        return {"n": 0}
    g = gold[mask]
    codes = result.codes[mask]
    top1 = codes[:, 0]
    out: dict[str, Any] = {"n": n}
    out["top1_4digit"] = float(np.mean(top1 == g))
    out["top5_4digit"] = float(np.mean([gc in row for gc, row in zip(g, codes, strict=True)]))
    for digits in (3, 2, 1):
        out[f"top1_{digits}digit"] = float(np.mean([a[:digits] == b[:digits] for a, b in zip(top1, g, strict=True)]))
    review = result.needs_review[mask]
    out["review_share"] = float(review.mean())
    auto = ~review
    out["auto_coded_share"] = float(auto.mean())
    out["auto_top1_4digit"] = float(np.mean(top1[auto] == g[auto])) if auto.any() else None
    return out
