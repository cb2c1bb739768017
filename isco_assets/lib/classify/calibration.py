"""Calibrated confidence: the chance that a post's first code is right, from the coder's vote share.

The vote share of the first group ranks posts well but is not a probability (on JobBERT dev, posts with a
share of 0.4 are right 58% of the time). A monotone map fitted by isotonic regression on a labelled
leave-out run turns it into one; it is kept as a small JSON file of breakpoints, named in the config
(``coder.calibration``), so the confidence a statistician reads means what it says and a review threshold
on it is a precision target.

Titles that get a second model's vote blended in (the multilingual vote for titles not in English) have vote
shares of another spread, so a file holds a map per kind of vote (``KINDS``): ``main`` for the main model's vote
alone, ``blended`` for the blended one. A kind without its own map uses the other's, so a file fitted on one kind
still calibrates every post as a single map did.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression

from isco_assets.lib.common.storage import atomic_write

BINS = 10
KINDS = ("main", "blended")  # the main model's vote alone; blended with a second model's


def rows_by_kind(blended: np.ndarray) -> dict[str, np.ndarray]:
    """Each kind of vote's rows, from the (n,) bool of rows whose vote was blended."""
    return {"main": ~blended, "blended": blended}


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

    @classmethod
    def from_dict(cls, raw: Mapping, where: str) -> Calibration:
        if not isinstance(raw, Mapping) or not {"shares", "probabilities"} <= set(raw):
            raise ValueError(f"{where}: a map needs 'shares' and 'probabilities'")
        shares, probabilities = tuple(raw["shares"]), tuple(raw["probabilities"])
        if not shares or len(shares) != len(probabilities) or list(shares) != sorted(shares):
            raise ValueError(f"{where}: 'shares' must be increasing and as long as 'probabilities'")
        return cls(shares, probabilities, str(raw.get("fitted_on", "")), int(raw.get("rows", 0)))


@dataclass(frozen=True)
class Calibrations:
    """The calibration file: a map per kind of vote (``KINDS``), at least one."""

    maps: Mapping[str, Calibration]

    def __post_init__(self) -> None:
        if not self.maps:
            raise ValueError(f"a calibration needs a map for at least one kind of vote {list(KINDS)}")
        if unknown := set(self.maps) - set(KINDS):
            raise ValueError(f"unknown kinds of vote {sorted(unknown)}; kinds are {list(KINDS)}")

    def __call__(self, share: np.ndarray, blended: np.ndarray) -> np.ndarray:
        """Calibrated confidence of each share; ``blended`` (n,) bool says which rows' votes were blended."""
        confidence = np.asarray(share, dtype=np.float32).copy()
        for kind, rows in rows_by_kind(blended).items():
            if rows.any():
                confidence[rows] = self.map_for(kind)(confidence[rows])
        return confidence

    def map_for(self, kind: str) -> Calibration:
        """The kind's own map, else the other kind's."""
        return self.maps.get(kind) or next(iter(self.maps.values()))

    def save(self, path: Path) -> None:
        raw = {kind: asdict(self.maps[kind]) for kind in KINDS if kind in self.maps}
        atomic_write(path, lambda partial: partial.write_text(json.dumps(raw, indent=1), encoding="utf-8"))

    @classmethod
    def load(cls, path: Path) -> Calibrations:
        """A file of maps per kind, or of one map (the format before kinds), which then serves every post."""
        if not path.is_file():
            raise FileNotFoundError(f"calibration file not found: {path}")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not a calibration file (not JSON: {error})") from error
        if not isinstance(raw, dict):
            raise ValueError(f"{path}: not a calibration file (a JSON object of maps per kind of vote expected)")
        if "shares" in raw:
            return cls({"main": Calibration.from_dict(raw, str(path))})
        return cls({kind: Calibration.from_dict(value, f"{path} [{kind}]") for kind, value in raw.items()})


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error: the row-weighted gap between confidence and accuracy over equal-width bins."""
    confidence, correct = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=np.float64)
    which = np.clip((confidence * bins).astype(int), 0, bins - 1)
    gap = 0.0
    for b in np.unique(which):
        members = which == b
        gap += members.sum() * abs(confidence[members].mean() - correct[members].mean())
    return float(gap / len(confidence)) if len(confidence) else 0.0
