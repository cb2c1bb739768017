"""Reading a partner drop: decode, parse, map columns to the canonical schema, validate rows.

Every row read ends up either accepted or quarantined with a reason; a file that cannot be read
at all raises :class:`DropError` with a message that says what is wrong and how to fix it.

CV drops are personal data. Only the columns the pipeline needs are read from them (the job title,
the occupation and experience text, country and language); every other field (names, e-mails,
phone numbers, addresses, dates of birth, ...) is never read, and e-mails, phone numbers and
profile URLs inside the kept text are masked before any row, accepted or quarantined, is returned.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from isco_assets.lib.privacy import mask_personal_data

CANONICAL_COLUMNS: tuple[str, ...] = (
    "post_id", "job_title", "job_desc", "company", "country", "language", "posted_at", "url",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("job_title",)
# what the pipeline keeps of a CV; the other canonical columns stay empty for CV rows
CV_COLUMNS: tuple[str, ...] = ("job_title", "job_desc", "country", "language")
KINDS = ("posts", "cvs")
CHANGED_FILES = ("replace", "add")
FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
MAX_TITLE_CHARS = 250
MAX_RAW_CHARS = 2000
csv.field_size_limit(64 * 1024 * 1024)  # long descriptions are normal; the byte limit guards size

ACCEPTED_COLUMNS: tuple[str, ...] = ("drop_id", "partner", "row_number", *CANONICAL_COLUMNS)
QUARANTINE_COLUMNS: tuple[str, ...] = ("drop_id", "partner", "row_number", "reason", "raw")


class DropError(ValueError):
    """A drop file that cannot be read as a whole (empty, binary, wrong encoding, missing columns)."""


@dataclass(frozen=True)
class PartnerSpec:
    """How one partner delivers: where, what (posts or CVs), file format, encoding, column mapping."""

    name: str
    columns: Mapping[str, str] = field(default_factory=dict)  # canonical name -> partner's column
    format: str | None = None  # csv, tsv, jsonl, parquet; inferred from the file name when None
    encoding: str = "utf-8"
    delimiter: str | None = None
    language: str | None = None  # hint used when detection is unsure
    max_bytes: int = 2 * 1024**3
    prefix: str = ""  # folder (local) or blob name prefix (Azure) of the partner's drops; default: name
    kind: str = "posts"  # posts | cvs (personal data: only CV_COLUMNS are read)
    country_languages: Mapping[str, str] = field(default_factory=dict)  # country code -> language hint
    changed_files: str = "replace"  # a changed file replaces its earlier version, or adds to it

    @property
    def folder(self) -> str:
        return (self.prefix or self.name).strip("/")

    @property
    def is_cv(self) -> bool:
        return self.kind == "cvs"

    def source_column(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)

    def language_hint(self, country: str) -> str:
        return self.country_languages.get(country.upper(), "") or self.language or ""


@dataclass
class DropReadResult:
    drop_id: str
    rows_read: int
    accepted: pd.DataFrame
    quarantined: pd.DataFrame

    @property
    def reconciles(self) -> bool:
        return len(self.accepted) + len(self.quarantined) == self.rows_read


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DOTS = re.compile(r"\.{3,}")  # "..." is not allowed in a Dagster partition key
_MAX_NAME = 100  # a drop id names a Parquet file per drop: file names stop at 255 bytes


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_drop_id(partner: str, filename: str, data_hash: str) -> str:
    """Deterministic drop id: partner, file name and content hash (a changed file is a new drop)."""
    return f"{partner}__{drop_name(filename)}__{data_hash[:10]}"


def safe_name(filename: str) -> str:
    return _SAFE.sub("_", PurePosixPath(filename).name)


def drop_name(filename: str) -> str:
    """The file name as a drop id holds it: the name itself when it is safe (letters, digits, ``._-``, no
    ``...``, at most 100 characters), else a readable form, ``~`` and a hash of the exact name, so two file
    names never share one (``drop 1.csv`` is ``drop_1.csv~<hash>``, ``drop_1.csv`` stays itself)."""
    name = PurePosixPath(filename).name
    readable = _DOTS.sub(".", safe_name(name))[:_MAX_NAME]
    return name if readable == name else f"{readable}~{content_hash(name.encode())[:8]}"


def parse_drop_id(drop_id: str) -> tuple[str, str, str]:
    """Split a drop id into (partner, file name as in the id, short hash)."""
    partner, rest = drop_id.split("__", 1)
    name, short_hash = rest.rsplit("__", 1)
    return partner, name, short_hash


def check_size(filename: str, size: int, partner: PartnerSpec) -> None:
    if size > partner.max_bytes:
        raise DropError(f"{filename}: {size:,} bytes is over the limit of {partner.max_bytes:,} bytes "
                        f"(max_bytes of partner '{partner.name}')")


def read_drop(data: bytes, filename: str, partner: PartnerSpec, drop_id: str) -> DropReadResult:
    """Parse and validate one drop file held in memory."""
    check_size(filename, len(data), partner)
    if not data.strip():
        raise DropError(f"{filename}: the file is empty (no header, no rows)")
    name = filename
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise DropError(f"{filename}: corrupt gzip file ({exc})") from exc
        name = name.removesuffix(".gz")
        if len(data) > partner.max_bytes:
            raise DropError(f"{filename}: {len(data):,} bytes once decompressed, over the limit of "
                            f"{partner.max_bytes:,} bytes")
        if not data.strip():
            raise DropError(f"{filename}: the file is empty after decompression")
    fmt = partner.format or _format_of(name, data)
    records = _parquet_records(data, filename) if fmt == "parquet" else _text_records(data, filename, fmt, partner)
    return _validate(records, filename, partner, drop_id)


def _format_of(name: str, data: bytes) -> str:
    if data[:4] == b"PAR1":
        return "parquet"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in FORMATS:
        raise DropError(f"{name}: unknown file type {suffix or '(none)'}; expected one of "
                        f"{', '.join(sorted(FORMATS))}, optionally gzipped")
    return FORMATS[suffix]


# A record is (row number, fields or None, reason when the row could not be parsed, raw text).
Record = tuple[int, dict[str, Any] | None, str | None, str]


def _text_records(data: bytes, filename: str, fmt: str, partner: PartnerSpec) -> tuple[list[str], Iterator[Record]]:
    wide = partner.encoding.lower().replace("-", "").startswith(("utf16", "utf32"))
    if not wide and b"\x00" in data[:65536]:
        raise DropError(f"{filename}: looks like a binary file (NUL bytes), not {fmt.upper()} text")
    try:
        text = data.decode(partner.encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DropError(
            f"{filename}: not valid {partner.encoding} at byte {exc.start} (line {line}); "
            f"set 'encoding' for partner '{partner.name}' in the partners config (e.g. latin-1)"
        ) from exc
    except LookupError as exc:
        raise DropError(f"partner '{partner.name}': unknown encoding {partner.encoding!r}") from exc
    text = text.removeprefix("\ufeff")
    if fmt == "jsonl":
        return _jsonl_records(text, filename)
    delimiter = partner.delimiter or ("\t" if fmt == "tsv" else ",")
    return _csv_records(text, filename, delimiter)


def _csv_records(text: str, filename: str, delimiter: str) -> tuple[list[str], Iterator[Record]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise DropError(f"{filename}: no CSV header could be read ({exc})") from exc

    def rows() -> Iterator[Record]:
        number = 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield number, None, f"malformed CSV row: {exc}", ""
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line, not a row
            number += 1
            raw = delimiter.join(row)[:MAX_RAW_CHARS]
            if len(row) != len(header):
                yield number, None, f"malformed CSV row: {len(row)} fields, header has {len(header)}", raw
            else:
                yield number, dict(zip(header, row, strict=True)), None, raw

    return header, rows()


def _jsonl_records(text: str, filename: str) -> tuple[list[str], Iterator[Record]]:
    # only "\n" ends a record: str.splitlines() would also split on U+2028 inside a description
    lines = [line.removesuffix("\r") for line in text.split("\n") if line.strip()]
    keys: dict[str, None] = {}
    parsed: list[Record] = []
    for number, line in enumerate(lines, start=1):
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            parsed.append((number, None, f"malformed JSON: {exc.msg} at column {exc.colno}", line[:MAX_RAW_CHARS]))
            continue
        if not isinstance(value, dict):
            parsed.append((number, None, f"not a JSON object ({type(value).__name__})", line[:MAX_RAW_CHARS]))
            continue
        keys.update(dict.fromkeys(value))
        parsed.append((number, value, None, line[:MAX_RAW_CHARS]))
    return list(keys), iter(parsed)


def _parquet_records(data: bytes, filename: str) -> tuple[list[str], Iterator[Record]]:
    try:
        table = pq.read_table(io.BytesIO(data))
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DropError(f"{filename}: not a readable Parquet file ({exc})") from exc
    rows = table.to_pylist()
    return table.column_names, (
        (i, row, None, json.dumps(row, default=str)[:MAX_RAW_CHARS]) for i, row in enumerate(rows, start=1)
    )


def _validate(
    parsed: tuple[list[str], Iterator[Record]], filename: str, partner: PartnerSpec, drop_id: str
) -> DropReadResult:
    columns, records = parsed
    missing = [c for c in REQUIRED_COLUMNS if partner.source_column(c) not in columns]
    if missing and columns:
        wanted = ", ".join(f"{partner.source_column(c)!r}" for c in missing)
        raise DropError(
            f"{filename}: required column {wanted} missing; found columns {columns}. "
            f"Map the partner's columns in the partners config."
        )
    accepted: list[dict[str, Any]] = []
    quarantined: list[dict[str, Any]] = []
    rows_read = 0
    for number, fields, reason, raw in records:
        rows_read += 1
        row: dict[str, Any] | None = None
        if fields is not None:
            row, reason = _canonical_row(fields, partner)
        if row is None:
            if partner.is_cv:  # a CV's raw row holds personal fields: keep only what the pipeline reads
                raw = _cv_raw(fields, partner)
            quarantined.append(
                {"drop_id": drop_id, "partner": partner.name, "row_number": number, "reason": reason, "raw": raw}
            )
            continue
        row.update(drop_id=drop_id, partner=partner.name, row_number=number)
        row["post_id"] = row["post_id"] or f"{drop_id}:{number}"
        accepted.append(row)
    if rows_read == 0:
        raise DropError(f"{filename}: no data rows (only a header or blank lines)")
    return DropReadResult(
        drop_id=drop_id,
        rows_read=rows_read,
        accepted=pd.DataFrame(accepted, columns=list(ACCEPTED_COLUMNS)).astype({"row_number": "int64"}),
        quarantined=pd.DataFrame(quarantined, columns=list(QUARANTINE_COLUMNS)).astype({"row_number": "int64"}),
    )


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _cv_text(fields: Mapping[str, Any], partner: PartnerSpec, column: str) -> str:
    return mask_personal_data(_text(fields.get(partner.source_column(column))))


def _cv_raw(fields: Mapping[str, Any] | None, partner: PartnerSpec) -> str:
    """The kept part of a quarantined CV row; nothing of a row that could not be parsed."""
    if fields is None:
        return ""
    kept = {c: _cv_text(fields, partner, c) for c in CV_COLUMNS}
    return json.dumps(kept, ensure_ascii=False)[:MAX_RAW_CHARS]


def _canonical_row(fields: Mapping[str, Any], partner: PartnerSpec) -> tuple[dict[str, Any] | None, str | None]:
    if partner.is_cv:
        row = {c: _cv_text(fields, partner, c) if c in CV_COLUMNS else "" for c in CANONICAL_COLUMNS}
    else:
        row = {c: _text(fields.get(partner.source_column(c))) for c in CANONICAL_COLUMNS}
    title = row["job_title"]
    if not title:
        return None, "missing job_title"
    if len(title) > MAX_TITLE_CHARS:
        return None, f"job_title too long ({len(title)} characters, limit {MAX_TITLE_CHARS})"
    if not any(ch.isalpha() for ch in title):
        return None, "job_title has no letters"
    if row["posted_at"]:
        parsed = _parse_date(row["posted_at"])
        if parsed is None:
            return None, f"invalid posted_at {row['posted_at'][:40]!r} (expected an ISO date)"
        row["posted_at"] = parsed
    row["language"] = (row["language"] or partner.language_hint(row["country"])).lower()[:2]
    return row, None


def _parse_date(value: str) -> str | None:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None
