"""Exports for experts: the candidate list as CSV and XLSX (list columns flattened to text)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

EXPORT_NAME = "novel_occupation_candidates"


def _flatten(value: object) -> object:
    if isinstance(value, list | tuple):
        return json.dumps(value, ensure_ascii=False) if value and isinstance(value[0], dict) else " | ".join(
            map(str, value))
    if hasattr(value, "tolist") and not isinstance(value, str):
        return _flatten(value.tolist())
    return value


def export_candidates(candidates: pd.DataFrame, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    flat = candidates.map(_flatten)
    paths = {"csv": folder / f"{EXPORT_NAME}.csv", "xlsx": folder / f"{EXPORT_NAME}.xlsx"}
    flat.to_csv(paths["csv"], index=False)
    with pd.ExcelWriter(paths["xlsx"], engine="openpyxl") as writer:
        flat.to_excel(writer, sheet_name="candidates", index=False)
        sheet = writer.sheets["candidates"]
        for column in sheet.columns:
            width = min(60, max(len(str(c.value or "")) for c in column) + 2)
            sheet.column_dimensions[column[0].column_letter].width = width
        sheet.freeze_panes = "A2"
    return paths
