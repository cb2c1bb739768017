"""Calibrated confidence: the chance that a post's first code is right, from the coder's vote share.

The vote share of the first group ranks posts well but is not a probability (on JobBERT dev, posts with a
share of 0.4 are right 58% of the time). A monotone map fitted by isotonic regression on a labelled
leave-out run turns it into one; it is kept as a small JSON file of breakpoints, named in the config
(``coder.calibration``), so the confidence a statistician reads means what it says and a review threshold
on it is a precision target.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression

BINS = 10


@dataclass(frozen=True)
class Calibration:
    """Piecewise-linear map from vote share to probability of a correct first code."""

    shares: tuple[float, ...]
    probabilities: tuple[float, ...]
    fitted_on: str  # what the map was fitted on (file, model, index), for provenance
    rows: int

    @classmethod
    def fit(cls, share: np.ndarray, correct: np.ndarray, fitted_on: str) -> Calibration:
        if len(share) != len(correct) or len(share) == 0:
            raise ValueError(f"need as many outcomes as shares, at least one; got {len(share)} and {len(correct)}")
        model = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        model.fit(np.asarray(share, dtype=np.float64), np.asarray(correct, dtype=np.float64))
        return cls(tuple(round(float(x), 5) for x in model.X_thresholds_),
                   tuple(round(float(y), 5) for y in model.y_thresholds_), fitted_on, len(share))

    def __call__(self, share: np.ndarray) -> np.ndarray:
        return np.interp(share, self.shares, self.probabilities).astype(np.float32)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Calibration:
        if not path.is_file():
            raise FileNotFoundError(f"calibration file not found: {path}")
        raw = json.loads(path.read_text(encoding="utf-8"))
        shares, probabilities = tuple(raw["shares"]), tuple(raw["probabilities"])
        if not shares or len(shares) != len(probabilities) or list(shares) != sorted(shares):
            raise ValueError(f"{path}: 'shares' must be increasing and as long as 'probabilities'")
        return cls(shares, probabilities, str(raw.get("fitted_on", "")), int(raw.get("rows", 0)))


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error: the row-weighted gap between confidence and accuracy over equal-width bins."""
    confidence, correct = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=np.float64)
    which = np.clip((confidence * bins).astype(int), 0, bins - 1)
    gap = 0.0
    for b in np.unique(which):
        members = which == b
        gap += members.sum() * abs(confidence[members].mean() - correct[members].mean())
    return float(gap / len(confidence)) if len(confidence) else 0.0
