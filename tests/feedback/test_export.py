"""Exports an expert opens in Excel: no cell runs as a formula, cells are readable, every column is explained."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import openpyxl
import pandas as pd
from conftest import fill_workbook

from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.discover.novelty import CANDIDATE_COLUMNS
from isco_assets.lib.feedback.export import export_candidates
from isco_assets.lib.feedback.export_cells import FORMULA_TRIGGERS
from isco_assets.lib.feedback.export_guide import COLUMN_GUIDE, DECISION_GUIDE, GUIDE_SHEET, UNDESCRIBED
from isco_assets.lib.feedback.feedback import DECISIONS, read_feedback

PAYLOADS = ["=cmd|' /C notepad'!A1", '=HYPERLINK("http://evil.example/c","ACME")', "+1+1", "-2+3", "@SUM(A1)",
            "\tTAB", "\uff1d1+1"]
CANDIDATES = pd.DataFrame({
    "rank": [1, 2], "cluster_id": [3, 4], "name": [PAYLOADS[0], "Prompt Engineer"],
    "novelty_score": [0.9269311064718163, 0.5],
    "n_posts": [8, 6], "growth": [-1.5, 0.25], "example_titles": [[PAYLOADS[1], "b"], ["prompt engineer"]],
    "nearest_groups": [[{"code": "2512", "share": 0.6, "score": 0.41}], []],
    "by_country": [[{"key": "US", "n": 30}], []],
})
POSTS = pd.DataFrame({
    "post_id": PAYLOADS[2:4], "post_key": ["d:1", "d:2"], "job_title": PAYLOADS[4:6], "language": ["en", "en"],
    "company": [PAYLOADS[6], "A"], "coded_as": ["8332", "8332"], "coded_title": ["Lorry drivers"] * 2,
    "isco_score": [0.4, 0.5], "confidence": [0.2, 0.3], "top_codes": ["8332", "8332"],
})


def test_no_exported_cell_is_a_formula(tmp_path) -> None:
    paths = export_candidates(CANDIDATES, tmp_path, POSTS)
    book = openpyxl.load_workbook(paths["xlsx"])
    for sheet in book.worksheets:
        for row in sheet.iter_rows(min_row=2):
            assert all(cell.data_type != "f" for cell in row), (sheet.title, [c.value for c in row])
    assert book["candidates"]["D2"].data_type == "n"  # numbers stay numbers
    for name in ("csv", "posts_csv"):
        with paths[name].open(encoding="utf-8") as handle:
            cells = [cell for row in list(csv.reader(handle))[1:] for cell in row]
        for cell in cells:
            assert not cell or cell[0] not in FORMULA_TRIGGERS or _is_number(cell), (name, cell)


def test_cells_are_readable_and_rounded(tmp_path) -> None:
    book = openpyxl.load_workbook(export_candidates(CANDIDATES, tmp_path, POSTS)["xlsx"])
    header = [c.value for c in book["candidates"][1]]
    row = dict(zip(header, [c.value for c in book["candidates"][2]], strict=True))
    assert row["novelty_score"] == 0.927
    assert row["growth"] == -1.5  # a negative number is a number
    assert "2512" in row["nearest_groups"] and "{" not in row["nearest_groups"]
    assert "US" in row["by_country"] and "30" in row["by_country"] and "{" not in row["by_country"]
    assert book["posts_to_review"]["B1"].value == "post_key"


def test_the_workbook_round_trip_keeps_working(tmp_path) -> None:
    export = export_candidates(CANDIDATES, tmp_path, POSTS)["xlsx"]
    filled = fill_workbook(export, {"candidates": [{"decision": "reject", "reviewer": "ana"}]})
    read = read_feedback(filled, "review.xlsx", "f1", load_taxonomy(), datetime(2026, 12, 1, tzinfo=UTC))
    assert not read.errors
    assert read.records["decision"].tolist() == ["reject"]


def test_every_candidate_column_and_decision_is_explained(tmp_path) -> None:
    missing = [c for c in CANDIDATE_COLUMNS if COLUMN_GUIDE.get(c, UNDESCRIBED) == UNDESCRIBED]
    assert not missing, f"candidate columns without an explanation in export_guide.COLUMN_GUIDE: {missing}"
    assert {d for kinds in DECISIONS.values() for d in kinds} <= set(DECISION_GUIDE)
    guide = openpyxl.load_workbook(export_candidates(CANDIDATES, tmp_path, POSTS)["xlsx"])[GUIDE_SHEET]
    assert len(list(guide.iter_rows())) > len(CANDIDATES.columns)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
