"""The layering is checked, not just described: the import-linter contracts in pyproject.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def test_the_layering_contracts_hold() -> None:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    # lib/ imports no Dagster, nothing imports upward, and the domains of defs/ import none of each other
    assert {c["type"] for c in contracts} == {"forbidden", "layers", "independence"}
    forbidden = next(c for c in contracts if c["type"] == "forbidden")
    assert forbidden["source_modules"] == ["isco_assets.lib"] and "dagster" in forbidden["forbidden_modules"]
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0
