"""Expert feedback: reading reviewed workbooks, validating every row, and applying the decisions in force.

Experts fill the decision columns of the review workbook (``lib/feedback/export.py``) and drop it into the landing
zone's feedback folder. A file is applied wholly or not at all: one invalid row rejects the whole file,
with the reason of every invalid row, so nothing is ever half-applied. Each decision is kept as a record
with who decided and when; of several decisions on one subject (a candidate, a post) the latest is in force.

Decisions on a candidate: ``accept`` (its title becomes a new label of unit group ``isco_code``), ``merge``
(it is an existing occupation: its name and example titles become labels of ``isco_code``), ``reject`` (it
leaves the candidate list until its evidence grows). On a post: ``recode`` (its code becomes ``isco_code``,
and its title, when the sheet shows it, a coded-post label of that group, so the same title codes right next time).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath
from typing import Any

import pandas as pd

from isco_assets.lib.classify.expert_decisions import FEEDBACK
from isco_assets.lib.classify.taxonomy import IscoTaxonomy, normalize_unit_code
from isco_assets.lib.config import FeedbackSettings
from isco_assets.lib.feedback.export_cells import TITLE_SEPARATOR, from_csv_cell
from isco_assets.lib.ingest.drops import PartnerSpec
from isco_assets.lib.prepare.text import normalize_title

SHEETS = {"candidates": "candidate", "posts_to_review": "post"}  # workbook sheet -> what its rows decide on
DECISIONS = {"candidate": ("accept", "merge", "reject"), "post": ("recode",)}
NEEDS_TARGET = frozenset({"accept", "merge", "recode"})
DECISION_COLUMNS = {
    "candidate": ("decision", "isco_code", "title", "reviewer", "decided_at", "note"),
    "post": ("decision", "isco_code", "reviewer", "decided_at", "note"),
}
REQUIRED_COLUMNS = {
    "candidate": ("cluster_id", "name", "n_posts", "decision", "isco_code", "reviewer"),
    "post": ("post_id", "decision", "isco_code", "reviewer"),
}
RECORD_COLUMNS = (
    "file", "file_name", "sheet", "row", "subject", "kind", "decision", "isco_code", "title", "name",
    "example_titles", "cluster_id", "n_posts", "post_id", "post_key", "reviewer", "note", "decided_at", "received_at",
)
_LEVELS = {1: "major", 2: "sub-major", 3: "minor"}


class FeedbackError(ValueError):
    """A feedback file that cannot be read as a whole (not a workbook or CSV, no decision sheet)."""


@dataclass
class FeedbackFile:
    records: pd.DataFrame  # RECORD_COLUMNS, one row per decision; empty when any row is invalid
    errors: list[str]  # one line per invalid row or missing column; empty when the file is valid
    undecided: int  # rows left without a decision (not reviewed yet)


def feedback_spec(settings: FeedbackSettings) -> PartnerSpec:
    """The feedback folder as the landing zone sees it: one more folder of files with deterministic ids."""
    return PartnerSpec(name=FEEDBACK, prefix=settings.folder, max_bytes=settings.max_bytes)


def read_feedback(
    data: bytes, filename: str, file_id: str, taxonomy: IscoTaxonomy, received_at: datetime
) -> FeedbackFile:
    """Every decision of a returned workbook (XLSX) or CSV, validated; all or none of them.

    ``received_at`` (when the file landed) is the decision time of rows that leave ``decided_at`` empty.
    In a CSV a row decides on a post when ``post_id`` is filled, else on the candidate ``cluster_id``.
    """
    received = _utc(pd.Timestamp(received_at))
    records: list[dict[str, Any]] = []
    errors: list[str] = []
    undecided = 0
    decided: dict[str, tuple[str, tuple[str, str]]] = {}  # subject -> (where, (decision, code))
    for sheet, kind, frame in _tables(data, filename):
        missing = _missing_columns(frame, kind)
        if missing:
            errors.append(f"{sheet or filename}: {missing}")
            continue
        for number, row in _rows(frame):
            place = f"{sheet} row {number}" if sheet else f"line {number}"
            record, reasons = _record(row, kind, taxonomy, received)
            if record is None and not reasons:
                undecided += 1
                continue
            where = f"{place} ({_what(row, kind)})"
            if record is not None:
                earlier = decided.setdefault(record["subject"], (place, (record["decision"], record["isco_code"])))
                if earlier[1] != (record["decision"], record["isco_code"]):
                    reasons.append(f"contradicts {earlier[0]} ({' '.join(filter(None, earlier[1]))}) on the same "
                                   f"{record['kind']}")
            if reasons:
                errors.append(f"{where}: {'; '.join(reasons)}")
            elif record is not None:
                records.append({**record, "file": file_id, "file_name": filename, "sheet": sheet, "row": number,
                                "received_at": received})
    return FeedbackFile(_frame([] if errors else records), errors, undecided)


def _tables(data: bytes, filename: str) -> Iterator[tuple[str, str | None, pd.DataFrame]]:
    """(sheet name, kind of its rows or None when each row says, table) per decision table in the file."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix == ".xlsx" or (suffix != ".csv" and data[:2] == b"PK"):
        try:
            sheets = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
            raise FeedbackError(f"{filename}: not a readable XLSX workbook ({exc})") from exc
        found = [(name, SHEETS[name], frame) for name, frame in sheets.items() if name in SHEETS]
        if not found:
            raise FeedbackError(f"{filename}: no sheet named {' or '.join(SHEETS)} (sheets: {', '.join(sheets)})")
        yield from found
        return
    if suffix != ".csv":
        raise FeedbackError(f"{filename}: expected the review workbook (.xlsx) or a .csv file")
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise FeedbackError(f"{filename}: not a readable UTF-8 CSV file ({exc})") from exc
    yield "", None, frame.map(from_csv_cell)


def _missing_columns(frame: pd.DataFrame, kind: str | None) -> str:
    columns = set(frame.columns)
    if kind is not None:
        required = set(REQUIRED_COLUMNS[kind])
    elif columns & {"post_id", "cluster_id"}:  # a CSV: what each row needs depends on its id column
        required = {c for k, key in (("post", "post_id"), ("candidate", "cluster_id")) if key in columns
                    for c in REQUIRED_COLUMNS[k]}
    else:
        return "needs a post_id or a cluster_id column"
    missing = sorted(required - columns)
    return f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)} missing" if missing else ""


def _rows(frame: pd.DataFrame) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number as the expert sees it, cells) for every row with any cell filled."""
    for i, row in enumerate(frame.to_dict("records")):
        if any(_text(v) for v in row.values()):
            yield i + 2, row


def _record(
    row: dict[str, Any], kind: str | None, taxonomy: IscoTaxonomy, received: pd.Timestamp
) -> tuple[dict[str, Any] | None, list[str]]:
    """The decision of one row and the reasons it is invalid; (None, []) for a row left undecided."""
    decision_text = _text(row.get("decision"))
    decision = decision_text.lower()
    if not decision:
        filled = [c for c in ("isco_code", "title") if _text(row.get(c))]
        return None, [f"{' and '.join(filled)} filled but no decision"] if filled else []
    reasons: list[str] = []
    if kind is None:
        kind = "post" if _text(row.get("post_id")) else "candidate"
    if decision not in DECISIONS[kind]:
        known = {d for options in DECISIONS.values() for d in options}
        reasons.append(f"decision {decision_text!r} does not apply to a {kind} (use {' or '.join(DECISIONS[kind])})"
                       if decision in known else
                       f"unknown decision {decision_text!r} (expected {', '.join(DECISIONS[kind])})")
    code = ""
    if decision in NEEDS_TARGET:
        code, reason = _target(row.get("isco_code"), decision, taxonomy)
        reasons += [reason] if reason else []
    reviewer = _text(row.get("reviewer"))
    if not reviewer:
        reasons.append("reviewer missing (who decided)")
    decided_at, reason = _when(row.get("decided_at"), received)
    reasons += [reason] if reason else []
    record: dict[str, Any] = {
        "kind": kind, "decision": decision, "isco_code": code, "reviewer": reviewer,
        "note": _text(row.get("note")), "decided_at": decided_at, "name": "", "title": "", "example_titles": [],
        "cluster_id": None, "n_posts": None, "post_id": "", "post_key": "",
    }
    if kind == "post":  # a workbook exported with post_key decides on that one post; an older one on its post_id
        record["post_id"], record["title"] = _text(row.get("post_id")), _text(row.get("job_title"))
        record["post_key"] = _text(row.get("post_key"))
        record["subject"] = f"post:{record['post_key'] or record['post_id']}"
    else:
        cluster_id, n_posts, name = _int(row.get("cluster_id")), _int(row.get("n_posts")), _text(row.get("name"))
        if cluster_id is None:
            reasons.append(f"cluster_id {_text(row.get('cluster_id'))!r} is not a whole number")
        if n_posts is None or n_posts < 0:
            reasons.append(f"n_posts {_text(row.get('n_posts'))!r} is not a count (needed to judge later whether "
                           "the evidence grew)")
        if not name:
            reasons.append("name missing")
        examples = [t.strip() for t in _text(row.get("example_titles")).split(TITLE_SEPARATOR.strip()) if t.strip()]
        record.update(cluster_id=cluster_id, n_posts=n_posts, name=name, title=_text(row.get("title")) or name,
                      example_titles=examples, subject=f"candidate:{cluster_id}:{normalize_title(name)}")
    return (None if reasons else record), reasons


def _target(value: object, decision: str, taxonomy: IscoTaxonomy) -> tuple[str, str]:
    """The unit group a decision points at, or why the cell does not name one."""
    text = _text(value)
    if not text:
        return "", f"decision {decision!r} needs isco_code (the target unit group)"
    code = normalize_unit_code(text)
    if code is not None and taxonomy.is_unit_group(code):
        return code, ""
    if text in taxonomy:
        level = taxonomy.groups[text].level
        return "", f"isco_code {text} is a {_LEVELS.get(level, 'higher')} group; decisions need a 4-digit unit group"
    return "", f"unknown ISCO-08 unit group {text!r}"


def _when(value: object, default: pd.Timestamp) -> tuple[pd.Timestamp | None, str]:
    text = _text(value)
    if not text:
        return default, ""
    try:
        stamp = pd.Timestamp(value if isinstance(value, date | datetime) else text)
    except (ValueError, TypeError):
        return None, f"decided_at {text!r} is not a date"
    return _utc(stamp), ""


def _utc(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _what(row: dict[str, Any], kind: str | None) -> str:
    if kind == "post" or (kind is None and _text(row.get("post_id"))):
        return f"post {_text(row.get('post_id'))!r}"
    return f"cluster {_text(row.get('cluster_id'))} {_text(row.get('name'))!r}"


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str | list | tuple) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _int(value: object) -> int | None:
    text = _text(value)
    return int(text) if re.fullmatch(r"-?\d+", text) else None


def _frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=list(RECORD_COLUMNS))
    for column in ("cluster_id", "n_posts", "row"):
        frame[column] = frame[column].astype("Int64")
    for column in ("decided_at", "received_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def decisions_in_force(log: pd.DataFrame) -> pd.DataFrame:
    """The latest decision per subject from the decision log of every applied file."""
    if log.empty:
        return _frame([])
    ordered = log.sort_values(["decided_at", "received_at", "file", "row"], kind="stable")
    if "post_key" not in ordered:  # decisions logged before posts had a platform key
        ordered = ordered.assign(post_key="")
    return ordered.drop_duplicates("subject", keep="last").reset_index(drop=True)[list(RECORD_COLUMNS)]


def apply_candidate_feedback(
    candidates: pd.DataFrame, decisions: pd.DataFrame, evidence_growth: float = 2.0
) -> pd.DataFrame:
    """The candidates experts have not settled, re-ranked.

    A decision concerns a candidate with the same normalized name, or with the same cluster id and a shared
    example title (ids stay stable across runs; titles guard against an id reused for other work). Accepted
    and merged candidates leave the list; rejected ones too, until their posts reach ``evidence_growth``
    times the count at rejection. Those come back with ``previous_decision`` saying so.
    """
    settled = decisions[decisions["kind"] == "candidate"].sort_values(["decided_at", "received_at"], kind="stable")
    by_name: dict[str, Any] = {}
    by_id: dict[int, list[Any]] = {}
    for d in settled.itertuples(index=False):
        by_name[normalize_title(d.name)] = d
        by_id.setdefault(int(d.cluster_id), []).append(d)
    keep, notes = [], []
    for c in candidates.itertuples(index=False):
        name, examples = normalize_title(c.name), {normalize_title(t) for t in c.example_titles}
        matches = [d for d in by_id.get(int(c.cluster_id), [])
                   if normalize_title(d.name) == name or examples & {normalize_title(t) for t in d.example_titles}]
        matches += [by_name[name]] if name in by_name else []
        latest = max(matches, key=lambda d: (d.decided_at, d.received_at), default=None)
        grew = latest is not None and c.n_posts >= evidence_growth * max(int(latest.n_posts), 1)
        keep.append(latest is None or (latest.decision == "reject" and grew))
        notes.append("" if latest is None else f"rejected by {latest.reviewer} on {latest.decided_at:%Y-%m-%d} at "
                     f"{latest.n_posts} posts; now {c.n_posts}")
    out = candidates.assign(previous_decision=notes)[pd.Series(keep, index=candidates.index, dtype=bool)]
    out = out.reset_index(drop=True)
    if "rank" in out.columns:
        out["rank"] = range(1, len(out) + 1)
    return out
