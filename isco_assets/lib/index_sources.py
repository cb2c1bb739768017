"""Labels for the ISCO-08 index: the project's own unit-group titles plus configured sources.

Each label keeps its provenance (source, language, kind), so a code can be traced back to the
file that taught it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator

import numpy as np
import pandas as pd

from isco_assets.lib.config import IndexSource
from isco_assets.lib.embedding import Embedder, EmbeddingCache, Progress
from isco_assets.lib.taxonomy import IscoTaxonomy, normalize_unit_code
from isco_assets.lib.text import normalize_title

INDEX_COLUMNS = ("code", "label", "label_norm", "source", "language", "kind", "concept")
# A label row before normalization: code, label, source, language, kind, concept (the occupation it
# names: an ESCO URI, or the unit group when the source has no finer concept).
Row = tuple[str, str, str, str, str, str]

_BULLET = re.compile(r"^\s*[-•*]\s*(.+?)\s*$")
_QUALIFIER = re.compile(r"\s*\([^)]*\)")


def builtin_labels(taxonomy: IscoTaxonomy) -> Iterator[Row]:
    for code in taxonomy.unit_codes:
        yield code, taxonomy.title(code), "isco08", "en", "unit_group_title", code


def _esco(source: IndexSource) -> Iterator[Row]:
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    kinds = [("preferred_label", "preferred"), ("alt_labels", "alternative")]
    if source.hidden_labels and "hidden_labels" in frame.columns:
        kinds.append(("hidden_labels", "hidden"))
    for row in frame.itertuples(index=False):
        code = normalize_unit_code(getattr(row, "isco_code", "") or getattr(row, "iscoGroup", ""))
        if code is None:
            continue
        for column, kind in kinds:
            for label in _split_labels(getattr(row, column, "")):
                yield code, label, source.label, source.language, kind, getattr(row, "esco_uri", "") or code


def _split_labels(value: str) -> list[str]:
    """ESCO joins labels with '|' or newlines, and gendered pairs with '/'."""
    out = []
    for part in re.split(r"[|\n]", value or ""):
        out.extend(p.strip() for p in re.split(r"\s*/\s*(?=\w)", part) if p.strip())
    return out


def _ilo_index(source: IndexSource) -> Iterator[Row]:
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    for title, raw_code in zip(frame["title"], frame["isco_code"], strict=True):
        code = normalize_unit_code(raw_code)
        if code is None or not title.strip():
            continue
        yield code, _uninvert(title), source.label, source.language, "index_title", code


def _uninvert(title: str) -> str:
    """The ILO index writes "Adjuster, claims"; people write "claims adjuster"."""
    head, sep, qualifier = title.partition(",")
    if sep and ":" not in title and "," not in qualifier:
        return f"{qualifier.strip()} {head.strip()}"
    return title


def _isco_structure(source: IndexSource) -> Iterator[Row]:
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    for row in frame.itertuples(index=False):
        code = normalize_unit_code(row.code) if str(row.level) == "4" else None
        if code is None:
            continue
        yield code, row.title_en, source.label, source.language, "unit_group_title", code
        for line in str(getattr(row, "included_occupations", "")).splitlines():
            match = _BULLET.match(line)
            if match:
                label = _QUALIFIER.sub("", match.group(1))
                yield code, label, source.label, source.language, "included_occupation", code


def _feedback(source: IndexSource) -> Iterator[Row]:
    frame = pd.read_csv(source.path, dtype=str, keep_default_na=False)
    for row in frame.itertuples(index=False):
        code = normalize_unit_code(row.isco_code)
        if code and row.title.strip():
            language = getattr(row, "language", "") or source.language
            yield code, row.title, source.label, language, "feedback", code


_READERS = {"esco": _esco, "ilo_index": _ilo_index, "isco_structure": _isco_structure, "feedback": _feedback}


def build_index_labels(
    taxonomy: IscoTaxonomy, sources: Iterable[IndexSource] = (), exclude: Collection[str] = ()
) -> pd.DataFrame:
    """All labels, normalized like job titles, deduplicated per (code, normalized label).

    ``exclude`` leaves out occupations (labels whose concept is one of the URIs) and ISCO groups (labels
    whose code starts with one of the codes), as leave-out evaluations need.
    """
    rows: list[Row] = list(builtin_labels(taxonomy))
    for source in sources:
        if not source.path.is_file():
            raise FileNotFoundError(f"index source {source.label}: file not found: {source.path}")
        rows.extend(r for r in _READERS[source.kind](source) if taxonomy.is_unit_group(r[0]))
    frame = pd.DataFrame(rows, columns=["code", "label", "source", "language", "kind", "concept"])
    if exclude:
        codes = tuple(e for e in exclude if e.isdigit())
        frame = frame[~frame["concept"].isin(set(exclude)) & ~frame["code"].str.startswith(codes or ("\0",))]
    frame["label_norm"] = [normalize_title(label) for label in frame["label"]]
    frame = frame[frame["label_norm"] != ""]
    frame = frame.drop_duplicates(subset=["code", "label_norm"]).reset_index(drop=True)
    return frame[list(INDEX_COLUMNS)]


def embed_index(
    labels: pd.DataFrame, embedder: Embedder, cache: EmbeddingCache, progress: Progress | None = None
) -> tuple[np.ndarray, int]:
    """Vectors for the normalized labels (cached), and how many had to be encoded now."""
    return cache.embed(labels["label_norm"].tolist(), embedder, progress)
