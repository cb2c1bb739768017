"""Calibrated confidence: a monotone map from vote share to the chance the first code is right."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isco_assets.lib.classify.calibration import Calibration, Calibrations, calibration_error
from isco_assets.lib.classify.coder import IscoCoder, MultilingualVote
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import CoderSettings, load_config


def _outcomes(seed: int, n: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Vote shares whose first code is right with probability sqrt(share): the share is underconfident."""
    rng = np.random.default_rng(seed)
    share = rng.uniform(0, 1, n)
    return share, rng.uniform(0, 1, n) < np.sqrt(share)


def test_fitted_map_is_calibrated_on_fresh_outcomes(tmp_path: Path) -> None:
    share, correct = _outcomes(0)
    calibration = Calibration.fit(share, correct, "synthetic")
    fresh_share, fresh_correct = _outcomes(1)
    assert calibration_error(fresh_share, fresh_correct) > 0.1
    assert calibration_error(calibration(fresh_share), fresh_correct) < 0.02
    assert calibration(np.array([0.25]))[0] == pytest.approx(0.5, abs=0.05)
    assert np.all(np.diff(calibration(np.linspace(0, 1, 50))) >= 0), "monotone"
    path = tmp_path / "cal.json"
    Calibrations({"main": calibration}).save(path)
    assert Calibrations.load(path).maps == {"main": calibration}


def test_each_kind_of_vote_has_its_map_and_a_missing_kind_uses_the_other(tmp_path: Path) -> None:
    main, blended = Calibration((0.0, 1.0), (0.0, 0.5), "en", 2), Calibration((0.0, 1.0), (0.5, 1.0), "es", 2)
    share, rows = np.array([0.2, 0.2, 0.6]), np.array([False, True, False])
    both = Calibrations({"main": main, "blended": blended})
    np.testing.assert_allclose(both(share, rows), [0.1, 0.6, 0.3], rtol=1e-6)
    np.testing.assert_allclose(Calibrations({"main": main})(share, rows), [0.1, 0.1, 0.3], rtol=1e-6)
    np.testing.assert_allclose(Calibrations({"blended": blended})(share, rows), [0.6, 0.6, 0.8], rtol=1e-6)
    path = tmp_path / "cal.json"
    both.save(path)
    assert Calibrations.load(path) == both
    # a file of one map, as saved before kinds, serves every post
    path.write_text('{"shares": [0.0, 1.0], "probabilities": [0.0, 0.5], "fitted_on": "en", "rows": 2}')
    assert Calibrations.load(path).maps == {"main": main}


def test_a_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    path.write_text('{"shares": [0.5, 0.1], "probabilities": [0.2, 0.3]}')
    with pytest.raises(ValueError, match="increasing"):
        Calibrations.load(path)
    path.write_text('{"main": {"shares": [0.1], "probabilities": [0.2, 0.3]}}')
    with pytest.raises(ValueError, match=r"\[main\]: 'shares' must be increasing and as long"):
        Calibrations.load(path)
    path.write_text('{"spanish": {"shares": [0.1], "probabilities": [0.2]}}')
    with pytest.raises(ValueError, match="unknown kinds of vote"):
        Calibrations.load(path)
    path.write_text('{"main": [0.1, 0.2]}')
    with pytest.raises(ValueError, match=r"\[main\]: a map needs 'shares' and 'probabilities'"):
        Calibrations.load(path)
    for text in ("shares: [0.1]", "[0.1, 0.2]"):
        path.write_text(text)
        with pytest.raises(ValueError, match="not a calibration file"):
            Calibrations.load(path)
    path.write_text("{}")
    with pytest.raises(ValueError, match="at least one kind"):
        Calibrations.load(path)
    with pytest.raises(FileNotFoundError, match="calibration file not found"):
        Calibrations.load(tmp_path / "none.json")


def test_coder_reports_calibrated_confidence_and_keeps_vote_shares(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    Calibrations({"main": Calibration((0.0, 1.0), (0.1, 0.6), "test", 2),
                  "blended": Calibration((0.0, 1.0), (0.0, 1.0), "test", 2)}).save(path)
    labels = pd.DataFrame({"code": ["2512", "2221"], "label_norm": ["software developer", "nurse"]})
    vectors = np.eye(2, 8, dtype=np.float32)
    query = np.eye(2, 8, dtype=np.float32)
    plain = IscoCoder(labels, vectors, load_taxonomy()).code(["software developer", "nurse"], query)
    settings = dataclasses.replace(CoderSettings(), calibration=str(path))
    calibrated = IscoCoder(labels, vectors, load_taxonomy(), settings).code(["software developer", "nurse"], query)
    # each coder trains its own group head: float32 training on several threads agrees to about 1e-7, not bitwise
    np.testing.assert_allclose(calibrated.votes, plain.votes, rtol=1e-5)
    np.testing.assert_allclose(calibrated.confidence, 0.1 + 0.5 * plain.votes[:, 0], rtol=1e-5)
    coder = IscoCoder(labels, vectors, load_taxonomy(), settings)
    seconded = coder.code(["software developer", "nurse"], query,
                          second=MultilingualVote(coder, query, np.array([False, True]), 0.5))
    np.testing.assert_allclose(seconded.confidence, [0.1 + 0.5 * plain.votes[0, 0], plain.votes[1, 0]], rtol=1e-5)


def test_config_resolves_the_calibration_path(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("coder: {calibration: cal/minilm.json}\n")
    assert load_config(cfg).coder.calibration == str(tmp_path / "cal" / "minilm.json")
