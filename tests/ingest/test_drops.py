"""Reading partner drops: bad input gets a clear error, and every row read is accepted or quarantined."""

from __future__ import annotations

import gzip
import io
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from isco_assets.lib.ingest.drops import (
    ACCEPTED_COLUMNS,
    CANONICAL_COLUMNS,
    MAX_TITLE_CHARS,
    QUARANTINE_COLUMNS,
    DropError,
    DropReadResult,
    PartnerSpec,
    content_hash,
    drop_name,
    make_drop_id,
    parse_drop_id,
    read_drop,
    safe_name,
)

GENERIC = PartnerSpec("generic")
GOOD_CSV = (
    "job_title,job_desc,company,country,language,posted_at,url\n"
    "Senior Java Developer,Build services,Acme,DE,EN,2024-05-01,https://acme.example/1\n"
    "Registered Nurse,Care for patients,Clinic,GB,en,2024-05-02T08:30:00Z,\n"
    "Truck Driver,\"Long haul, nights\",Haulage,US,,,\n"
)


def _read(data: bytes | str, filename: str = "posts.csv", partner: PartnerSpec = GENERIC,
          drop_id: str = "drop1") -> DropReadResult:
    if isinstance(data, str):
        data = data.encode("utf-8")
    result = read_drop(data, filename, partner, drop_id)
    assert len(result.accepted) + len(result.quarantined) == result.rows_read
    assert result.reconciles
    assert list(result.accepted.columns) == list(ACCEPTED_COLUMNS)
    assert list(result.quarantined.columns) == list(QUARANTINE_COLUMNS)
    return result


def _reasons(result: DropReadResult) -> dict[int, str]:
    return dict(zip(result.quarantined["row_number"], result.quarantined["reason"], strict=True))


# --- good files -------------------------------------------------------------------------------------------------


def test_good_csv_is_accepted_with_canonical_columns() -> None:
    result = _read(GOOD_CSV)
    assert result.rows_read == 3
    assert result.quarantined.empty
    acc = result.accepted
    assert acc["job_title"].tolist() == ["Senior Java Developer", "Registered Nurse", "Truck Driver"]
    assert acc["row_number"].tolist() == [1, 2, 3]
    assert str(acc["row_number"].dtype) == "int64"
    assert set(CANONICAL_COLUMNS) <= set(acc.columns)
    assert (acc["drop_id"] == "drop1").all()
    assert (acc["partner"] == "generic").all()
    # a quoted field keeps its comma
    assert acc.loc[2, "job_desc"] == "Long haul, nights"
    # dates normalised to ISO dates, language lower-cased, blanks stay blank
    assert acc["posted_at"].tolist() == ["2024-05-01", "2024-05-02", ""]
    assert acc["language"].tolist() == ["en", "en", ""]


def test_post_id_is_generated_when_absent_and_kept_when_present() -> None:
    generated = _read(GOOD_CSV).accepted["post_id"].tolist()
    assert generated == ["drop1:1", "drop1:2", "drop1:3"]
    assert len(set(generated)) == 3

    given = _read("post_id,job_title\nP-17,Chef\n,Baker\n").accepted
    assert given["post_id"].tolist() == ["P-17", "drop1:2"]


def test_partner_language_hint_fills_missing_language() -> None:
    partner = PartnerSpec("malay_board", language="ms")
    acc = _read("job_title,language\nKerani Akaun,\nCashier,EN\n", partner=partner).accepted
    assert acc["language"].tolist() == ["ms", "en"]


def test_utf8_bom_and_padded_header_are_handled() -> None:
    acc = _read("\ufeff job_title , company\nChef,Hotel\n").accepted
    assert acc["job_title"].tolist() == ["Chef"]
    assert acc["company"].tolist() == ["Hotel"]


def test_jsonl_drop() -> None:
    lines = [
        {"job_title": "Data Engineer", "company": "Acme", "posted_at": "2024-01-31"},
        {"job_title": "Enfermera", "language": "es", "extra": [1, 2]},
    ]
    data = "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"
    result = _read(data, "posts.jsonl")
    assert result.rows_read == 2
    assert result.accepted["job_title"].tolist() == ["Data Engineer", "Enfermera"]
    assert result.accepted["posted_at"].tolist() == ["2024-01-31", ""]
    assert result.accepted["language"].tolist() == ["", "es"]
    assert _read(data, "posts.ndjson").rows_read == 2


def test_parquet_drop() -> None:
    table = pa.table({
        "post_id": [101, 102, 103],
        "job_title": ["Welder", None, "Electrician"],
        "company": ["Forge", "Forge", None],
        "posted_at": ["2024-03-01", "2024-03-02", "not a date"],
    })
    buf = io.BytesIO()
    pq.write_table(table, buf)
    result = _read(buf.getvalue(), "posts.parquet")
    assert result.rows_read == 3
    assert result.accepted["job_title"].tolist() == ["Welder"]
    assert result.accepted["post_id"].tolist() == ["101"]
    assert result.accepted["company"].tolist() == ["Forge"]
    reasons = _reasons(result)
    assert reasons[2] == "missing job_title"
    assert "posted_at" in reasons[3]
    # raw keeps the row as JSON so nothing is lost
    assert json.loads(result.quarantined["raw"].iloc[0])["post_id"] == 102


def test_parquet_is_recognised_by_magic_bytes_whatever_the_name() -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"job_title": ["Plumber"]}), buf)
    assert _read(buf.getvalue(), "export.csv").accepted["job_title"].tolist() == ["Plumber"]


def test_empty_parquet_has_no_data_rows() -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"job_title": pa.array([], pa.string())}), buf)
    with pytest.raises(DropError, match="no data rows"):
        read_drop(buf.getvalue(), "posts.parquet", GENERIC, "d")


def test_gzipped_csv() -> None:
    result = _read(gzip.compress(GOOD_CSV.encode()), "posts.csv.gz")
    assert result.rows_read == 3
    assert result.accepted["job_title"].tolist()[0] == "Senior Java Developer"


def test_gzipped_parquet() -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"job_title": ["Plumber", "Roofer"]}), buf)
    assert _read(gzip.compress(buf.getvalue()), "posts.parquet.gz").rows_read == 2


def test_tsv_drop() -> None:
    data = "job_title\tcompany\tjob_desc\nCook\tDiner, Inc\tGrill, fry\nWaiter\tDiner\tServe\n"
    acc = _read(data, "posts.tsv").accepted
    assert acc["company"].tolist() == ["Diner, Inc", "Diner"]
    assert acc["job_desc"].tolist() == ["Grill, fry", "Serve"]


def test_partner_delimiter_and_format_override() -> None:
    partner = PartnerSpec("semi", format="csv", delimiter=";")
    acc = _read("job_title;company\nCook;Diner\n", "export.txt", partner=partner).accepted
    assert acc["job_title"].tolist() == ["Cook"]
    assert acc["company"].tolist() == ["Diner"]


def test_partner_column_mapping() -> None:
    partner = PartnerSpec(
        "acme",
        columns={"job_title": "Titel", "job_desc": "Beschreibung", "company": "Firma", "post_id": "ID",
                 "posted_at": "Datum"},
    )
    data = "ID,Titel,Beschreibung,Firma,Datum,job_title\nA1,Koch,Kochen,Gasthaus,2024-02-03,ignored\n"
    result = _read(data, "acme.csv", partner=partner)
    row = result.accepted.iloc[0]
    assert row["post_id"] == "A1"
    assert row["job_title"] == "Koch"
    assert row["job_desc"] == "Kochen"
    assert row["company"] == "Gasthaus"
    assert row["posted_at"] == "2024-02-03"
    assert row["partner"] == "acme"


def test_mapped_required_column_missing_names_the_partner_column() -> None:
    partner = PartnerSpec("acme", columns={"job_title": "Titel"})
    with pytest.raises(DropError, match="'Titel'") as err:
        read_drop(b"job_title,company\nCook,Diner\n", "acme.csv", partner, "d")
    assert "job_title" in str(err.value)  # the columns found are listed


# --- files that cannot be read ----------------------------------------------------------------------------------

LATIN1 = "job_title,company\nCook,Diner\nCamarero,Café Ñandú\n".encode("latin-1")


def test_latin1_file_gives_encoding_error_with_line() -> None:
    with pytest.raises(DropError) as err:
        read_drop(LATIN1, "latin.csv", PartnerSpec("acme"), "d")
    message = str(err.value)
    assert "utf-8" in message
    assert "line 3" in message
    assert "encoding" in message and "acme" in message
    assert "latin.csv" in message


def test_latin1_file_reads_with_partner_encoding() -> None:
    acc = _read(LATIN1, "latin.csv", partner=PartnerSpec("acme", encoding="latin-1")).accepted
    assert acc["company"].tolist() == ["Diner", "Café Ñandú"]


def test_unknown_encoding_is_a_drop_error() -> None:
    with pytest.raises(DropError, match="unknown encoding"):
        read_drop(b"job_title\nCook\n", "x.csv", PartnerSpec("acme", encoding="no-such-codec"), "d")


@pytest.mark.parametrize("data", [b"", b"   \n\n \r\n", b"\n"])
def test_empty_file(data: bytes) -> None:
    with pytest.raises(DropError, match="empty"):
        read_drop(data, "posts.csv", GENERIC, "d")


def test_empty_after_decompression() -> None:
    with pytest.raises(DropError, match="empty"):
        read_drop(gzip.compress(b"\n\n"), "posts.csv.gz", GENERIC, "d")


@pytest.mark.parametrize(
    ("data", "filename"),
    [("job_title,company\n", "p.csv"), ("job_title,company\n\n\n", "p.csv"), ("job_title\tcompany\n", "p.tsv")],
)
def test_header_only(data: str, filename: str) -> None:
    with pytest.raises(DropError, match="no data rows"):
        read_drop(data.encode(), filename, GENERIC, "d")


def test_missing_required_column_is_named() -> None:
    with pytest.raises(DropError, match="'job_title'") as err:
        read_drop(b"title,company\nCook,Diner\n", "posts.csv", GENERIC, "d")
    assert "missing" in str(err.value)
    assert "title" in str(err.value)


def test_jsonl_without_the_required_key() -> None:
    with pytest.raises(DropError, match="'job_title'"):
        read_drop(b'{"title": "Cook"}\n{"title": "Baker"}\n', "posts.jsonl", GENERIC, "d")


def test_binary_png_is_rejected() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"
    with pytest.raises(DropError, match="binary"):
        read_drop(png, "posts.csv", GENERIC, "d")


def test_random_bytes_with_nuls_are_rejected_as_binary() -> None:
    data = bytes(range(256)) + os.urandom(512)
    with pytest.raises(DropError, match="binary"):
        read_drop(data, "posts.jsonl", GENERIC, "d")


def test_unknown_extension() -> None:
    with pytest.raises(DropError, match="unknown file type"):
        read_drop(b"job_title\nCook\n", "posts.xlsx", GENERIC, "d")


def test_over_max_bytes() -> None:
    data = GOOD_CSV.encode()
    with pytest.raises(DropError, match="over the limit"):
        read_drop(data, "posts.csv", PartnerSpec("small", max_bytes=len(data) - 1), "d")
    assert _read(data, partner=PartnerSpec("small", max_bytes=len(data))).rows_read == 3


@pytest.mark.parametrize("data", [b"\x1f\x8b" + b"not really gzip at all", gzip.compress(GOOD_CSV.encode())[:25]])
def test_corrupt_gzip(data: bytes) -> None:
    with pytest.raises(DropError, match="gzip"):
        read_drop(data, "posts.csv.gz", GENERIC, "d")


def test_corrupt_parquet() -> None:
    with pytest.raises(DropError, match="Parquet"):
        read_drop(b"PAR1" + b"garbage" * 10, "posts.parquet", GENERIC, "d")


# --- rows that are quarantined ----------------------------------------------------------------------------------


def test_csv_rows_with_wrong_field_count_are_quarantined() -> None:
    data = "job_title,company\nCook,Diner\nBaker,Bakery,extra\nWaiter\nChef,Hotel\n"
    result = _read(data)
    assert result.rows_read == 4
    assert result.accepted["job_title"].tolist() == ["Cook", "Chef"]
    assert result.accepted["row_number"].tolist() == [1, 4]
    reasons = _reasons(result)
    assert reasons[2] == "malformed CSV row: 3 fields, header has 2"
    assert reasons[3] == "malformed CSV row: 1 fields, header has 2"
    raws = dict(zip(result.quarantined["row_number"], result.quarantined["raw"], strict=True))
    assert raws[2] == "Baker,Bakery,extra"


def test_blank_lines_are_not_rows() -> None:
    data = "job_title,company\n\nCook,Diner\n\n\r\n\nBaker,Bakery\n\n"
    result = _read(data)
    assert result.rows_read == 2
    assert result.accepted["row_number"].tolist() == [1, 2]
    jsonl = '\n{"job_title": "Cook"}\n   \n\n{"job_title": "Baker"}\n'
    assert _read(jsonl, "p.jsonl").rows_read == 2


def test_malformed_jsonl_lines_are_quarantined() -> None:
    data = '{"job_title": "Cook"}\n{"job_title": "Baker"\n[1, 2]\n"just a string"\n{"job_title": "Chef"}\n'
    result = _read(data, "p.jsonl")
    assert result.rows_read == 5
    assert result.accepted["job_title"].tolist() == ["Cook", "Chef"]
    reasons = _reasons(result)
    assert reasons[2].startswith("malformed JSON")
    assert reasons[3] == "not a JSON object (list)"
    assert reasons[4] == "not a JSON object (str)"
    raws = dict(zip(result.quarantined["row_number"], result.quarantined["raw"], strict=True))
    assert raws[2] == '{"job_title": "Baker"'


def test_only_malformed_jsonl_lines_are_all_quarantined() -> None:
    result = _read("not json\n{broken\n", "p.jsonl")
    assert result.rows_read == 2
    assert result.accepted.empty
    assert len(result.quarantined) == 2


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("", "missing job_title"),
        ("   ", "missing job_title"),
        ("12345 - ###", "job_title has no letters"),
        ("x" * (MAX_TITLE_CHARS + 1), f"job_title too long ({MAX_TITLE_CHARS + 1} characters"),
    ],
)
def test_bad_titles_are_quarantined(title: str, reason: str) -> None:
    data = f'job_title,company\nCook,Diner\n"{title}",Acme\n'
    result = _read(data)
    assert result.rows_read == 2
    assert result.accepted["job_title"].tolist() == ["Cook"]
    assert _reasons(result)[2].startswith(reason)
    assert result.quarantined["drop_id"].tolist() == ["drop1"]
    assert result.quarantined["partner"].tolist() == ["generic"]


def test_title_at_the_limit_is_accepted() -> None:
    title = "Developer " + "x" * (MAX_TITLE_CHARS - 10)
    assert len(title) == MAX_TITLE_CHARS
    assert _read(f"job_title\n{title}\n").accepted["job_title"].tolist() == [title]


@pytest.mark.parametrize("posted_at", ["yesterday", "31/12/2024", "2024-13-01", "2024-02-30"])
def test_invalid_posted_at_is_quarantined(posted_at: str) -> None:
    result = _read(f"job_title,posted_at\nCook,2024-01-05\nBaker,{posted_at}\n")
    assert result.accepted["posted_at"].tolist() == ["2024-01-05"]
    reason = _reasons(result)[2]
    assert "invalid posted_at" in reason and posted_at in reason


def test_mixed_drop_reconciles() -> None:
    rows = ["job_title,company,posted_at", "Cook,Diner,2024-01-01", ",Nobody,", "Chef,Hotel,bad-date",
            "Baker,Bakery", "!!!,Acme,", "Nurse,Clinic,2024-01-02T10:00:00+02:00", ""]
    result = _read("\n".join(rows))
    assert result.rows_read == 6
    assert len(result.accepted) == 2
    assert len(result.quarantined) == 4
    assert sorted(result.accepted["row_number"].tolist() + result.quarantined["row_number"].tolist()) == [
        1, 2, 3, 4, 5, 6]


def test_long_csv_field_is_accepted() -> None:
    data = "job_title,job_desc\nNurse," + "x" * 200_000 + "\nChef,ok\nCook,ok\n"
    result = _read(data)
    assert result.rows_read == 3
    assert result.accepted["job_title"].tolist() == ["Nurse", "Chef", "Cook"]
    assert len(result.accepted["job_desc"][0]) == 200_000


# --- drop ids ---------------------------------------------------------------------------------------------------


def test_drop_id_round_trip() -> None:
    data = GOOD_CSV.encode()
    digest = content_hash(data)
    drop_id = make_drop_id("acme", "exports/May 2024 (final).csv", digest)
    partner, name, short = parse_drop_id(drop_id)
    assert partner == "acme"
    assert name == drop_name("exports/May 2024 (final).csv") == "May_2024_final_.csv~" + content_hash(
        b"May 2024 (final).csv")[:8]  # the exact name's hash: "May_2024_final_.csv" is another file
    assert safe_name("exports/May 2024 (final).csv") == "May_2024_final_.csv"
    assert short == digest[:10]
    assert make_drop_id("acme", "exports/May 2024 (final).csv", digest) == drop_id


def test_drop_id_round_trip_with_double_underscore_in_name() -> None:
    drop_id = make_drop_id("acme", "jobs__2024__05.csv", content_hash(b"x"))
    assert parse_drop_id(drop_id) == ("acme", "jobs__2024__05.csv", content_hash(b"x")[:10])


def test_changed_content_gives_a_new_drop_id() -> None:
    one = make_drop_id("acme", "posts.csv", content_hash(GOOD_CSV.encode()))
    two = make_drop_id("acme", "posts.csv", content_hash((GOOD_CSV + "Chef,,,,,,\n").encode()))
    assert one != two
    assert parse_drop_id(one)[:2] == parse_drop_id(two)[:2]


# --- known bugs -------------------------------------------------------------------------------------------------


def test_jsonl_value_with_unicode_line_separator_is_one_row() -> None:
    lines = [json.dumps({"job_title": "Nurse", "job_desc": "day\u2028night"}, ensure_ascii=False),
             json.dumps({"job_title": "Chef"})]
    result = _read("\n".join(lines) + "\n", "p.jsonl")
    assert result.rows_read == 2
    assert result.accepted["job_title"].tolist() == ["Nurse", "Chef"]


def test_utf16_file_reads_with_partner_encoding() -> None:
    data = "job_title\tcompany\nNurse\tClinic\n".encode("utf-16")
    acc = _read(data, "excel.tsv", partner=PartnerSpec("excel", encoding="utf-16")).accepted
    assert acc["job_title"].tolist() == ["Nurse"]
