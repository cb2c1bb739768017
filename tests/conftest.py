"""Shared fixtures: an isolated data directory and Dagster home per test, and the shared reference data."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ISCO_DATA_DIR (and DAGSTER_HOME inside it) for one test."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("ISCO_DATA_DIR", str(root))
    home = root / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv("ISCO_CONFIG", raising=False)
    return root


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared reference data not found at {SHARED_DATA}")
    return SHARED_DATA
