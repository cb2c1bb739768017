"""How an export writes one cell: lists and records as readable text, numbers rounded, and never a formula.

A spreadsheet runs a text cell that starts with ``=``, ``+``, ``-``, ``@`` (or their full-width forms), a tab or a
carriage return as a formula (OWASP CSV injection), even after leading spaces. CSV cells that do get a leading
apostrophe (the text is shown, never run); XLSX cells are stored as text with Excel's quote prefix, so the
workbook keeps the value as written (the feedback import reads it back unchanged) and Excel never evaluates it,
not even after an edit. Numbers stay numbers: a negative number is written as a number, not as text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from isco_assets.lib.classify.taxonomy import load_taxonomy

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
CSV_ESCAPE = "'"
TITLE_SEPARATOR = " | "  # how the exports join example titles into one cell
DECIMALS = 3
RECORD_SEPARATOR = "; "  # between the records of one cell ("2512 Software developers (0.62); 2511 ...")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
_CODE_KEYS = ("code", "isco_code")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula (a plain number such as "-12" it reads as a number)."""
    first = text[:1]
    return bool(first) and (first in FORMULA_TRIGGERS or text.lstrip()[:1] in FORMULA_TRIGGERS) and not (
        _NUMBER.fullmatch(text.strip()))


def csv_cell(value: object) -> object:
    """A readable cell safe in a CSV file: formula-like text gets a leading apostrophe."""
    value = readable(value)
    return CSV_ESCAPE + value if isinstance(value, str) and is_formula_like(value) else value


def from_csv_cell(text: str) -> str:
    """The text a CSV cell stood for: the apostrophe ``csv_cell`` put before formula-like text comes off, so a
    workbook that goes out and comes back keeps its values."""
    return text[1:] if text.startswith(CSV_ESCAPE) and is_formula_like(text[1:]) else text


def readable(value: object) -> object:
    """Lists of titles joined with " | ", lists of records as "2512 Software developers (share 0.6, score 0.41); ...",
    floats rounded to ``DECIMALS``; other values unchanged."""
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):
        value = value.tolist()  # numpy arrays (lists read back from Parquet) and numpy scalars
    if isinstance(value, float):
        return value if math.isnan(value) or math.isinf(value) else round(value, DECIMALS)
    if isinstance(value, Mapping):
        return _record(value)
    if isinstance(value, list | tuple):
        if any(isinstance(v, Mapping) for v in value):
            return RECORD_SEPARATOR.join(_record(v) if isinstance(v, Mapping) else str(readable(v)) for v in value)
        return TITLE_SEPARATOR.join(str(readable(v)) for v in value)
    return value


def _record(record: Mapping[str, object]) -> str:
    """One record as its text fields (a unit group with its title) and its numbers in brackets: "US (30)",
    "2026-01 (5)", "2512 Software developers (share 0.6, score 0.41)"."""
    words, numbers = [], []
    for key, value in record.items():
        value = readable(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            text = str(value)
            if key in _CODE_KEYS and text in load_taxonomy():
                text = f"{text} {load_taxonomy().title(text)}"
            words.append(text)
        else:
            numbers.append((key, value))
    if len(numbers) == 1:
        shown = f"{numbers[0][1]:g}" if isinstance(numbers[0][1], float) else str(numbers[0][1])
    else:
        shown = ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in numbers)
    return " ".join(words) + (f" ({shown})" if numbers else "")
