"""Materialization metadata helpers: row counts, previews and timings in one shape for every asset."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import pandas as pd


def preview(frame: pd.DataFrame, columns: list[str] | None = None, rows: int = 10) -> dg.MetadataValue:
    shown = frame[columns] if columns else frame
    shown = shown.head(rows).map(lambda v: ", ".join(map(str, v))[:80] if isinstance(v, list | tuple) else v)
    return dg.MetadataValue.md(shown.to_markdown(index=False) if len(shown) else "_empty_")


def table_metadata(frame: pd.DataFrame, columns: list[str] | None = None, **extra: object) -> dict[str, object]:
    return {"dagster/row_count": len(frame), "preview": preview(frame, columns), **extra}


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    """``with timed() as t: ...`` then ``t['seconds']`` holds the elapsed wall time."""
    box: dict[str, float] = {}
    start = time.perf_counter()
    try:
        yield box
    finally:
        box["seconds"] = round(time.perf_counter() - start, 3)


def progress_logger(context: dg.AssetExecutionContext, what: str):
    """A (done, total) callback that writes progress lines to the run log."""

    def report(done: int, total: int) -> None:
        context.log.info(f"{what}: {done:,}/{total:,} ({100 * done / max(total, 1):.0f}%)")

    return report
