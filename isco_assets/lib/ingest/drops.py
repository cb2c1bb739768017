"""Reading a partner drop: decode, parse, map columns to the canonical schema, validate rows.

Every row read ends up either accepted or quarantined with a reason; a file that cannot be read
at all raises :class:`DropError` with a message that says what is wrong and how to fix it.

CV drops are personal data. Only the columns the pipeline needs are read from them (the job title,
the occupation and experience text, country and language); every other field (names, e-mails,
phone numbers, addresses, dates of birth, ...) is never read, and e-mails, phone numbers and
profile URLs inside the kept text are masked before any row, accepted or quarantined, is returned.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import PurePosixPath
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from isco_assets.lib.common.privacy import mask_personal_data

CANONICAL_COLUMNS: tuple[str, ...] = (
    "post_id", "job_title", "job_desc", "company", "country", "language", "posted_at", "url",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("job_title",)
# what the pipeline keeps of a CV; the other canonical columns stay empty for CV rows
CV_COLUMNS: tuple[str, ...] = ("job_title", "job_desc", "country", "language")
KINDS = ("posts", "cvs")
CHANGED_FILES = ("replace", "add")
FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".parquet": "parquet",
}
MAX_TITLE_CHARS = 250
MAX_RAW_CHARS = 2000
csv.field_size_limit(64 * 1024 * 1024)  # long descriptions are normal; the byte limit guards size
# words partners write for "no value"; not "NA", which is Namibia's country code
MISSING_VALUES = frozenset({"null", "none", "nil", "nan", "n/a", "#n/a", "-", "--", "undefined", "(null)", "<null>"})
_CHUNK = 1024 * 1024
# UTF-32 first: its little-endian mark starts with UTF-16's
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"), (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
# C0 and C1 controls but tab, line feed and carriage return; stray byte-order marks
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ufffe\uffff]")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+")
_LINE_BREAK = re.compile("[\r\n\u2028\u2029]")

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
    """The rows of one drop, and what the file physically holds to reconcile them against.

    ``records_in_file``: CSV/TSV, the non-blank lines after the header less the continuation lines of
    well-formed multi-line values; JSON, the objects (array elements count one each); Parquet, the row
    count in the file's metadata. ``lines_in_file``: the non-blank lines after the header (Parquet: rows).
    """

    drop_id: str
    rows_read: int
    accepted: pd.DataFrame
    quarantined: pd.DataFrame
    records_in_file: int = -1
    lines_in_file: int = -1

    @property
    def reconciles(self) -> bool:
        return len(self.accepted) + len(self.quarantined) == self.rows_read == self.records_in_file


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
    if not data or data.isspace():
        raise DropError(f"{filename}: the file is empty (no header, no rows)")
    name = filename
    content: bytes | bytearray = data
    if data[:2] == b"\x1f\x8b":
        content = _gunzip(data, filename, partner)
        name = name.removesuffix(".gz")
        if not content or content.isspace():
            raise DropError(f"{filename}: the file is empty after decompression")
    fmt = partner.format or _format_of(name, content)
    if fmt == "parquet":
        parsed = _parquet_records(content, filename, partner)
    else:
        parsed = _text_records(content, filename, fmt, partner)
    return _validate(parsed, filename, partner, drop_id)


def _gunzip(data: bytes, filename: str, partner: PartnerSpec) -> bytearray:
    """Decompress in chunks and stop at the partner's limit: a gzip bomb never expands in memory."""
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(_CHUNK):
                out += chunk
                if len(out) > partner.max_bytes:
                    raise DropError(f"{filename}: over {partner.max_bytes:,} bytes once decompressed, the limit "
                                    f"(max_bytes of partner '{partner.name}'); decompression stopped there")
    except (OSError, EOFError, zlib.error) as exc:
        raise DropError(f"{filename}: corrupt gzip file ({exc})") from exc
    return out


def _format_of(name: str, data: bytes | bytearray) -> str:
    if data[:4] == b"PAR1":
        return "parquet"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in FORMATS:
        raise DropError(f"{name}: unknown file type {suffix or '(none)'}; expected one of "
                        f"{', '.join(sorted(FORMATS))}, optionally gzipped")
    return FORMATS[suffix]


# A record is (row number, fields or None, reason when the row could not be parsed, raw text).
Record = tuple[int, dict[str, Any] | None, str | None, str]


@dataclass
class _Parsed:
    columns: list[str]
    records: list[Record]
    lines_in_file: int  # non-blank lines after the header (Parquet: rows)
    records_in_file: int  # what the file physically holds, counted apart from the parsed records


def _read_columns(partner: PartnerSpec) -> tuple[str, ...]:
    return CV_COLUMNS if partner.is_cv else CANONICAL_COLUMNS


def _check_columns(columns: list[str], filename: str, partner: PartnerSpec) -> None:
    """A column we read that appears twice is ambiguous: which one holds the data?"""
    counts = Counter(columns)
    read = {partner.source_column(c) for c in _read_columns(partner)}
    twice = sorted(c for c, n in counts.items() if n > 1 and c in read)
    if twice:
        raise DropError(f"{filename}: column {', '.join(map(repr, twice))} appears more than once in the header "
                        f"({counts[twice[0]]} times); rename or remove the duplicate")


def _bom(data: bytes | bytearray) -> tuple[str, str] | None:
    for mark, codec, label in _BOMS:
        if data.startswith(mark):
            return codec, label
    return None


def _decode(data: bytes | bytearray, filename: str, fmt: str, partner: PartnerSpec) -> str:
    """Text of the file: a byte-order mark names the encoding, unless the partner pins a non-Unicode one."""
    encoding = partner.encoding
    unicode_config = encoding.lower().replace("-", "").replace("_", "").startswith("utf")
    bom = _bom(data)
    if bom and not unicode_config:
        raise DropError(f"{filename}: {bom[1]} (the file starts with its byte-order mark) but partner "
                        f"'{partner.name}' has encoding {encoding!r}: set encoding: {bom[1].lower()}")
    if bom:
        encoding = bom[0]
    elif not encoding.lower().replace("-", "").startswith(("utf16", "utf32")):
        _check_not_binary(data[:65536], filename, fmt, partner)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DropError(
            f"{filename}: not valid {encoding} at byte {exc.start} (line {line}); "
            f"set 'encoding' for partner '{partner.name}' in the partners config (e.g. latin-1)"
        ) from exc
    except LookupError as exc:
        raise DropError(f"partner '{partner.name}': unknown encoding {partner.encoding!r}") from exc
    return text.removeprefix("\ufeff")


def _check_not_binary(prefix: bytes | bytearray, filename: str, fmt: str, partner: PartnerSpec) -> None:
    """UTF-16 without a byte-order mark (NULs on every other byte) or a binary file; a stray NUL is a value's."""
    if b"\x00" not in prefix:
        return
    for label, nuls, text in (("UTF-16-LE", prefix[1::2], prefix[0::2]), ("UTF-16-BE", prefix[0::2], prefix[1::2])):
        if len(nuls) >= 4 and nuls.count(0) > 0.9 * len(nuls) and text.count(0) < 0.1 * len(text):
            raise DropError(f"{filename}: looks like {label} text without a byte-order mark; "
                            f"set encoding: {label.lower()} for partner '{partner.name}'")
    if sum(len(m) for m in _CONTROL_BYTES.findall(prefix)) > 0.05 * len(prefix):
        raise DropError(f"{filename}: looks like a binary file (NUL and control bytes), not {fmt.upper()} text")


def _text_records(data: bytes | bytearray, filename: str, fmt: str, partner: PartnerSpec) -> _Parsed:
    text = _decode(data, filename, fmt, partner)
    if fmt == "jsonl":
        return _json_records(text, filename, partner)
    return _csv_records(text, filename, partner.delimiter or ("\t" if fmt == "tsv" else ","), partner)


def _fields_alone(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _csv_records(text: str, filename: str, delimiter: str, partner: PartnerSpec) -> _Parsed:
    """Records with the physical lines each spans; a record a broken quote made of many lines is split back.

    The reader is strict, so a quote that is never closed, or closed by the opening quote of a later field,
    is an error; a multi-line record is also suspect when a column other than job_desc spans lines, when
    its field count is off, or when every line between its first and last reads as a row of its own.
    """
    lines = list(io.StringIO(text, newline=""))  # splits on \n, \r\n and \r, as the csv module does
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise DropError(f"{filename}: no CSV header could be read ({exc})") from exc
    _check_columns(header, filename, partner)
    body_start = end = reader.line_num
    one_line = {partner.source_column(c) for c in _read_columns(partner) if c != "job_desc"}
    records: list[Record] = []
    continuation = 0
    while True:
        start = end
        try:
            row: list[str] | None = next(reader)
            error = None
        except StopIteration:
            break
        except csv.Error as exc:
            row, error = None, str(exc)
        end = reader.line_num
        span = lines[start:end]
        if len(span) > 1 and (row is None or _broken_quote(row, span, header, one_line, delimiter)):
            records.extend(_broken_lines(span, start, len(records), error))
            continue
        if row is None:
            row = _fields_alone(span[0], delimiter)  # a stray quote on one line ('"ab"c'): read it leniently
        if len(span) == 1 and not "".join(row).strip():
            continue  # blank line, not a row
        continuation += sum(1 for line in span[1:] if line.strip())
        raw = "".join(span).rstrip("\r\n")
        number = len(records) + 1
        if len(row) != len(header):
            records.append((number, None, f"malformed CSV row: {len(row)} fields, header has {len(header)}", raw))
        elif row[0].strip().removeprefix("\ufeff") == header[0] and [
            v.strip().removeprefix("\ufeff") for v in row] == header:  # files joined, BOM and all
            records.append((number, None, f"repeated header: line {start + 1} repeats the header", raw))
        else:
            records.append((number, dict(zip(header, row, strict=True)), None, raw))
    lines_in_file = sum(1 for line in lines[body_start:] if line.strip())
    return _Parsed(header, records, lines_in_file, lines_in_file - continuation)


def _broken_quote(row: list[str], span: list[str], header: list[str], one_line: set[str], delimiter: str) -> bool:
    if len(row) != len(header):
        return True
    if any("\n" in v or "\r" in v for c, v in zip(header, row, strict=True) if c in one_line):
        return True
    inside = [line for line in span[1:-1] if line.strip()]  # the last line holds the closing quote
    return len(header) > 1 and bool(inside) and all(len(_fields_alone(line, delimiter)) == len(header)
                                                    for line in inside)


def _broken_lines(span: list[str], start: int, before: int, error: str | None) -> Iterator[Record]:
    """Each line a broken quote swallowed, quarantined on its own with the line that opened the quote."""
    opened, last = start + 1, start + len(span)
    what = f" ({error})" if error else ""
    for offset, line in enumerate(span):
        if not line.strip():
            continue
        before += 1
        if offset == 0:
            reason = f"unclosed quote: the quote opened on line {opened} runs to line {last}{what}"
        else:
            reason = f"unclosed quote: line {opened + offset} is inside the quote opened on line {opened}"
        yield before, None, reason, line.rstrip("\r\n")


class _JsonObject(dict[str, Any]):
    """A JSON object that remembers the keys it was given more than once."""

    duplicates: frozenset[str] = frozenset()


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    if len(obj) < len(pairs):
        obj.duplicates = frozenset(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return obj


def _json_records(text: str, filename: str, partner: PartnerSpec) -> _Parsed:
    """JSON lines, a line holding an array of objects, or one (pretty-printed) array of objects."""
    # only "\n" ends a record: str.splitlines() would also split on U+2028 inside a description
    lines = [line.removesuffix("\r") for line in text.split("\n") if line.strip()]
    values = _json_document(text, lines, filename)
    if values is None:
        values = []
        for line in lines:
            try:
                value = json.loads(line, object_pairs_hook=_json_object)
            except json.JSONDecodeError as exc:
                values.append((None, f"malformed JSON: {exc.msg} at column {exc.colno}", line))
                continue
            if isinstance(value, list) and any(isinstance(v, dict) for v in value):
                values.extend((v, None, json.dumps(v, ensure_ascii=False)) for v in value)
            else:
                values.append((value, None, line))
    read = {partner.source_column(c) for c in _read_columns(partner)}
    keys: dict[str, None] = {}
    records: list[Record] = []
    for number, (value, reason, raw) in enumerate(values, start=1):
        if reason is None and not isinstance(value, dict):
            reason = f"not a JSON object ({'empty ' if value == [] else ''}{type(value).__name__})"
        elif reason is None and isinstance(value, _JsonObject) and value.duplicates & read:
            reason = f"duplicate key: {', '.join(map(repr, sorted(value.duplicates & read)))} given twice"
        if reason is not None:
            records.append((number, None, reason, raw))
            continue
        keys.update(dict.fromkeys(value))
        records.append((number, value, None, raw))
    return _Parsed(list(keys), records, len(lines), len(values))


def _json_document(text: str, lines: list[str], filename: str) -> list[tuple[Any, str | None, str]] | None:
    """The records of a file that is one JSON value over several lines; None when it is JSON lines."""
    if len(lines) < 2:
        return None
    try:
        json.loads(lines[0])
        return None
    except json.JSONDecodeError:
        pass
    try:
        value = json.loads(text, object_pairs_hook=_json_object)
    except json.JSONDecodeError:
        return None
    if isinstance(value, dict):
        lists = [k for k, v in value.items() if isinstance(v, list) and any(isinstance(x, dict) for x in v)]
        if lists:
            raise DropError(f"{filename}: one JSON object whose key {lists[0]!r} holds a list of objects; send the "
                            f"list itself (an array of posts) or one JSON object per line")
        value = [value]
    if not isinstance(value, list):
        value = [value]
    return [(v, None, json.dumps(v, ensure_ascii=False)) for v in value]


def _parquet_records(data: bytes | bytearray, filename: str, partner: PartnerSpec) -> _Parsed:
    try:
        file = pq.ParquetFile(pa.BufferReader(data))
        expanded = sum(file.metadata.row_group(i).total_byte_size for i in range(file.metadata.num_row_groups))
        if expanded > partner.max_bytes:
            raise DropError(f"{filename}: {expanded:,} bytes once decompressed, over the limit of "
                            f"{partner.max_bytes:,} bytes (max_bytes of partner '{partner.name}')")
        names = file.schema_arrow.names
        _check_columns(names, filename, partner)
        read = {partner.source_column(c) for c in _read_columns(partner)}
        # a CV's other columns (names, e-mails, ...) are never read
        table = file.read(columns=[n for n in names if n in read] if partner.is_cv else None)
    except DropError:
        raise
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise DropError(f"{filename}: not a readable Parquet file ({exc})") from exc
    records: list[Record] = [
        (i, row, None, json.dumps(row, default=_json_default, ensure_ascii=False))
        for i, row in enumerate(table.to_pylist(), start=1)
    ]
    return _Parsed(names, records, file.metadata.num_rows, file.metadata.num_rows)


def _json_default(value: Any) -> Any:
    """Parquet values JSON lacks, for a quarantined row's raw text: never a Python repr."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _validate(parsed: _Parsed, filename: str, partner: PartnerSpec, drop_id: str) -> DropReadResult:
    missing = [c for c in REQUIRED_COLUMNS if partner.source_column(c) not in parsed.columns]
    if missing and parsed.columns:
        wanted = ", ".join(f"{partner.source_column(c)!r}" for c in missing)
        other = [d for d in ";\t|," if len(parsed.columns) == 1 and d in parsed.columns[0]]
        hint = f" The header holds {other[0]!r}: set the partner's 'delimiter'." if other else ""
        raise DropError(
            f"{filename}: required column {wanted} missing; found columns {parsed.columns}. "
            f"Map the partner's columns in the partners config.{hint}"
        )
    accepted: list[dict[str, Any]] = []
    quarantined: list[dict[str, Any]] = []
    for number, fields, reason, raw in parsed.records:
        row: dict[str, Any] | None = None
        if fields is not None:
            row, reason = _canonical_row(fields, partner)
        if row is None:
            # a CV's raw row holds personal fields: keep only what the pipeline reads; a reason may quote a value
            kept = _cv_raw(fields, partner) if partner.is_cv else _visible(mask_personal_data(raw))
            quarantined.append({"drop_id": drop_id, "partner": partner.name, "row_number": number,
                                "reason": _visible(mask_personal_data(reason)), "raw": kept[:MAX_RAW_CHARS]})
            continue
        row.update(drop_id=drop_id, partner=partner.name, row_number=number)
        row["post_id"] = row["post_id"] or f"{drop_id}:{number}"
        accepted.append(row)
    if not parsed.records:
        raise DropError(f"{filename}: no data rows (only a header or blank lines)")
    return DropReadResult(
        drop_id=drop_id,
        rows_read=len(parsed.records),
        accepted=pd.DataFrame(accepted, columns=list(ACCEPTED_COLUMNS)).astype({"row_number": "int64"}),
        quarantined=pd.DataFrame(quarantined, columns=list(QUARANTINE_COLUMNS)).astype({"row_number": "int64"}),
        records_in_file=parsed.records_in_file,
        lines_in_file=parsed.lines_in_file,
    )


def _visible(text: str) -> str:
    """Control characters written as escapes, so a quarantined raw row stores none."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def _field(value: Any, column: str) -> tuple[str, str | None]:
    """A value as text (missing-value words such as NULL or N/A are empty), or why it cannot be one."""
    if type(value) is str:
        text = value.strip()
    else:
        text, problem = _typed_text(value, column)
        if problem:
            return "", problem
    if not text or text.casefold() in MISSING_VALUES:
        return "", None
    if column == "job_title" and _LINE_BREAK.search(text):
        return "", "line break in job_title (a broken quote?)"
    control = _CONTROL.search(text)
    if control:
        return "", f"control character: U+{ord(control.group(0)):04X} in {column}"
    return text, None


def _typed_text(value: Any, column: str) -> tuple[str, str | None]:
    """Text of a JSON or Parquet value that is not a string: bytes decoded, dates in ISO form, never a repr."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8").strip(), None
        except UnicodeDecodeError:
            return "", f"wrong type: {column} is bytes that are not UTF-8 text"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "", None
    if isinstance(value, list | tuple | dict):
        return "", f"wrong type: {column} is a {'dict' if isinstance(value, dict) else 'list'}"
    if isinstance(value, bool) or (column == "job_title" and not isinstance(value, str)):
        return "", f"wrong type: {column} is a {type(value).__name__}, not text"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return (value.isoformat() if isinstance(value, date | time) else str(value)).strip(), None


def _cv_raw(fields: Mapping[str, Any] | None, partner: PartnerSpec) -> str:
    """The kept part of a quarantined CV row; nothing of a row that could not be parsed."""
    if fields is None:
        return ""
    kept = {c: mask_personal_data(_field(fields.get(partner.source_column(c)), c)[0]) for c in CV_COLUMNS}
    return json.dumps(kept, ensure_ascii=False)


def _canonical_row(fields: Mapping[str, Any], partner: PartnerSpec) -> tuple[dict[str, Any] | None, str | None]:
    row = dict.fromkeys(CANONICAL_COLUMNS, "")
    for column in _read_columns(partner):
        text, problem = _field(fields.get(partner.source_column(column)), column)
        if problem:
            return None, problem
        row[column] = mask_personal_data(text) if partner.is_cv else text
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
