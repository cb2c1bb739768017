"""Exports for experts: the candidate list and the review workbook they return as feedback.

The workbook (XLSX) has a sheet of candidates and a sheet of low-confidence posts, each with decision
columns to fill (a dropdown of the decisions that apply, the target unit group, who, when, a note); the
same tables go out as CSV. A returned file is read by ``feedback.py``. Cells are readable and never formulas
(``export_cells.py``); a third sheet, ``guide``, explains every column and decision (``export_guide.py``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.styles import PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from isco_assets.lib.classify.taxonomy import IscoTaxonomy
from isco_assets.lib.common.storage import atomic_write
from isco_assets.lib.feedback.export_cells import TITLE_SEPARATOR, csv_cell, is_formula_like, readable
from isco_assets.lib.feedback.export_guide import GUIDE_SHEET, guide_rows
from isco_assets.lib.feedback.feedback import DECISION_COLUMNS, DECISIONS, SHEETS

EXPORT_NAME = "novel_occupation_candidates"
CANDIDATES_SHEET, POSTS_SHEET = SHEETS  # "candidates", "posts_to_review"
REVIEW_POST_COLUMNS = (
    "post_id", "post_key", "job_title", "language", "company", "coded_as", "coded_title", "isco_score", "confidence",
    "top_codes",
)
_DECISION_FILL = PatternFill("solid", fgColor="FFF2CC")


def review_posts(codes: pd.DataFrame, taxonomy: IscoTaxonomy, limit: int) -> pd.DataFrame:
    """The posts the coder flagged for review, least confident first, at most ``limit``, with their top codes
    spelled out ("2512 Software developers (0.61)"); ``post_key`` when the codes carry it."""
    flagged = codes[codes["needs_review"].astype(bool)].sort_values(["confidence", "isco_score"]).head(limit)
    columns = [c for c in REVIEW_POST_COLUMNS if c != "post_key" or "post_key" in codes]
    return pd.DataFrame({
        "post_id": flagged["post_id"], "post_key": flagged.get("post_key"), "job_title": flagged["job_title"],
        "language": flagged["language"],
        "company": flagged["company"], "coded_as": flagged["isco_code"], "coded_title": flagged["isco_title"],
        "isco_score": flagged["isco_score"].astype(float).round(4),
        "confidence": flagged["confidence"].astype(float).round(4),
        "top_codes": [TITLE_SEPARATOR.join(f"{c} {taxonomy.title(c)} ({s:.2f})" for c, s in zip(cs, ss, strict=True))
                      for cs, ss in zip(flagged["top_codes"], flagged["top_scores"], strict=True)],
    }, columns=columns).reset_index(drop=True)


def export_candidates(candidates: pd.DataFrame, folder: Path, posts: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write the candidates and the posts to review (``review_posts``), each with empty decision columns, as
    CSV files and as one workbook with a sheet each and the guide sheet."""
    folder.mkdir(parents=True, exist_ok=True)
    posts = pd.DataFrame(columns=[c for c in REVIEW_POST_COLUMNS if c != "post_key"]) if posts is None else posts
    sheets = {
        CANDIDATES_SHEET: candidates.assign(**dict.fromkeys(DECISION_COLUMNS["candidate"])),
        POSTS_SHEET: posts.assign(**dict.fromkeys(DECISION_COLUMNS["post"])),
    }
    paths = {"csv": folder / f"{EXPORT_NAME}.csv", "posts_csv": folder / f"{POSTS_SHEET}.csv",
             "xlsx": folder / f"{EXPORT_NAME}.xlsx"}
    for key, name in (("csv", CANDIDATES_SHEET), ("posts_csv", POSTS_SHEET)):
        cells = sheets[name].map(csv_cell)
        atomic_write(paths[key], lambda path, cells=cells: cells.to_csv(path, index=False))
    guide = pd.DataFrame(guide_rows({name: list(frame.columns) for name, frame in sheets.items()}),
                         columns=["sheet", "column", "what it holds"])
    atomic_write(paths["xlsx"], lambda path: _workbook(path, sheets, guide))
    return paths


def _workbook(path: Path, sheets: dict[str, pd.DataFrame], guide: pd.DataFrame) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in {**sheets, GUIDE_SHEET: guide}.items():
            frame.map(readable).to_excel(writer, sheet_name=name, index=False)
            _as_text(writer.sheets[name])
            _widths(writer.sheets[name])
            writer.sheets[name].freeze_panes = "A2"
            if name in SHEETS:
                _decision_columns(writer.sheets[name], list(frame.columns), len(frame), SHEETS[name])


def _as_text(sheet: Worksheet) -> None:
    """Every text cell stored as text, never as a formula; formula-like ones with Excel's quote prefix, so an edit
    keeps them text too."""
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if is_formula_like(cell.value):
                    cell.quotePrefix = True


def _widths(sheet: Worksheet) -> None:
    """Each column as wide as its longest cell (header included), between 8 and 60 characters."""
    for column in sheet.columns:
        width = max(len(str(c.value if c.value is not None else "")) for c in column) + 2
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width))


def _decision_columns(sheet: Worksheet, columns: list[str], rows: int, kind: str) -> None:
    """Highlighted decision columns with a dropdown of the decisions that apply, and a text-formatted isco_code
    column (so 0110 keeps its zero)."""
    last = max(rows, 1) + 1
    for name in DECISION_COLUMNS[kind]:
        cell = sheet.cell(row=1, column=columns.index(name) + 1)
        cell.fill = _DECISION_FILL
        if name == "isco_code":
            for (target,) in sheet.iter_rows(min_row=2, max_row=last, min_col=cell.column, max_col=cell.column):
                target.number_format = "@"
    choices = DataValidation(type="list", formula1=f'"{",".join(DECISIONS[kind])}"', allow_blank=True,
                             showErrorMessage=True, errorTitle="Unknown decision",
                             error=f"Choose one of: {', '.join(DECISIONS[kind])}")
    letter = sheet.cell(row=1, column=columns.index("decision") + 1).column_letter
    choices.add(f"{letter}2:{letter}{last}")
    sheet.add_data_validation(choices)
