"""Issue 17, reading drops: every record physically in a file is accepted, typed and intact, or quarantined
with a reason; files that cannot be read whole are rejected with a message that says what to do."""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
import zlib

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from isco_assets.lib.common.privacy import EMAIL_MASK
from isco_assets.lib.ingest.drops import DropError, DropReadResult, PartnerSpec, read_drop

GENERIC = PartnerSpec("generic")
CVS = PartnerSpec("portal_cvs", kind="cvs", columns={"job_desc": "experience"})
TITLES = [f"Carpenter {i}" for i in range(1, 21)]


def _read(data: bytes | str, filename: str, partner: PartnerSpec = GENERIC) -> DropReadResult:
    """Read, and check the counts against what the test put in the file."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if filename.endswith(".gz"):
        data = gzip.compress(data)
    result = read_drop(data, filename, partner, "d1")
    assert len(result.accepted) + len(result.quarantined) == result.rows_read == result.records_in_file
    assert result.reconciles
    return result


def _reasons(result: DropReadResult) -> list[str]:
    return result.quarantined["reason"].tolist()


def _delimited(rows: list[list[str]], delimiter: str) -> str:
    return "\n".join(delimiter.join(r) for r in rows) + "\n"


# --- 1. an unclosed quote swallows no row --------------------------------------------------------------------

@pytest.mark.parametrize("filename", ["posts.csv", "posts.tsv", "posts.csv.gz"])
@pytest.mark.parametrize("partner", [GENERIC, CVS], ids=["posts", "cvs"])
def test_unclosed_quote_quarantines_the_lines_it_swallows(filename: str, partner: PartnerSpec) -> None:
    d = "\t" if ".tsv" in filename else ","
    desc = "experience" if partner.is_cv else "job_desc"
    rows = [["job_title", desc, "country"]] + [[t, '"Saws, planes"' if d == "," else "Saws", "GB"] for t in TITLES]
    rows[5][1] = '"Broken quote'  # line 6 of the file (record 5)
    result = _read(_delimited(rows, d), filename, partner)
    assert result.records_in_file == 20 and result.lines_in_file == 20
    accepted = result.accepted["job_title"].tolist()
    assert set(accepted) < set(TITLES) and "Carpenter 5" not in accepted
    assert len(result.quarantined) >= 1
    assert all(r.startswith("unclosed quote") for r in _reasons(result))
    assert "opened on line 6" in _reasons(result)[0]
    if not partner.is_cv:
        assert result.quarantined["raw"].iloc[0].startswith("Carpenter 5")


def test_unclosed_quote_to_the_end_of_the_file() -> None:
    data = "job_title,company\nCook,Diner\nBaker,\"Bakery\nButcher,Shop\nChef,Hotel\n"
    result = _read(data, "p.csv")
    assert result.accepted["job_title"].tolist() == ["Cook"]
    assert result.quarantined["row_number"].tolist() == [2, 3, 4]
    assert result.quarantined["raw"].tolist() == ['Baker,"Bakery', "Butcher,Shop", "Chef,Hotel"]
    assert "runs to line 5" in _reasons(result)[0] and "inside the quote opened on line 3" in _reasons(result)[1]


def test_one_column_unclosed_quote_is_not_one_title() -> None:
    result = _read('job_title\n"unclosed,x\nBaker\nButcher\n', "p.csv")
    assert result.accepted.empty and result.records_in_file == 3
    assert result.quarantined["raw"].tolist() == ['"unclosed,x', "Baker", "Butcher"]
    # a quoted title over three lines is suspect too
    result = _read('job_title\n"Chef\nBaker\nButcher"\nCook\n', "p.csv")
    assert result.accepted["job_title"].tolist() == ["Cook"] and len(result.quarantined) == 3


def test_quote_closed_lines_later_by_rows_that_read_alone() -> None:
    result = _read('job_title,job_desc\nCook,"x\nBaker,y\nChef,z"\nNurse,w\n', "p.csv")
    assert result.accepted["job_title"].tolist() == ["Nurse"]
    assert len(result.quarantined) == 3


def test_multi_line_description_is_one_record() -> None:
    data = 'job_title,job_desc\nNurse,"Day shifts.\n\nNights: sometimes, weekends"\nChef,Grill\n'
    result = _read(data, "p.csv")
    assert result.accepted["job_desc"].tolist() == ["Day shifts.\n\nNights: sometimes, weekends", "Grill"]
    assert (result.records_in_file, result.lines_in_file) == (2, 3)


def test_jsonl_title_with_a_line_break_is_quarantined() -> None:
    data = json.dumps({"job_title": "Chef\nBaker"}) + "\n" + json.dumps({"job_title": "Cook"}) + "\n"
    result = _read(data, "p.jsonl.gz")
    assert result.accepted["job_title"].tolist() == ["Cook"]
    assert _reasons(result) == ["line break in job_title (a broken quote?)"]


def test_repeated_header_of_joined_files_is_quarantined() -> None:
    result = _read("job_title,company\nCook,Diner\n\ufeffjob_title,company\nChef,Hotel\n", "p.csv")
    assert result.accepted["job_title"].tolist() == ["Cook", "Chef"]
    assert _reasons(result) == ["repeated header: line 3 repeats the header"]


# --- 2. JSON arrays are posts ----------------------------------------------------------------------------------

POSTS = [{"job_title": t, "company": "Acme"} for t in TITLES[:5]]


@pytest.mark.parametrize("filename", ["posts.json", "posts.jsonl", "posts.jsonl.gz"])
@pytest.mark.parametrize("indent", [None, 2], ids=["one-line", "pretty"])
def test_json_array_of_posts_is_five_posts(filename: str, indent: int | None) -> None:
    result = _read(json.dumps(POSTS, indent=indent), filename)
    assert result.accepted["job_title"].tolist() == TITLES[:5]
    assert result.accepted["row_number"].tolist() == [1, 2, 3, 4, 5]


def test_lines_that_are_arrays_and_objects_mix() -> None:
    data = json.dumps(POSTS[:2]) + "\n" + json.dumps(POSTS[2]) + "\n" + json.dumps([POSTS[3], "x"]) + "\n[]\n"
    result = _read(data, "p.jsonl")
    assert result.accepted["job_title"].tolist() == TITLES[:4]
    assert _reasons(result) == ["not a JSON object (str)", "not a JSON object (empty list)"]
    assert (result.records_in_file, result.lines_in_file) == (6, 4)


def test_json_object_wrapping_the_posts_is_rejected_clearly() -> None:
    with pytest.raises(DropError, match="key 'data' holds a list of objects"):
        read_drop(json.dumps({"data": POSTS}, indent=2).encode(), "p.json", GENERIC, "d")


# --- 3. duplicated columns -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "filename"), [
    ("job_title,job_title\nCook,Chef\n", "p.csv"), ("job_title\tcompany\tcompany\nCook\tA\tB\n", "p.tsv"),
    ("job_title,job_title\nCook,Chef\n", "p.csv.gz"),
])
def test_duplicated_header_is_rejected(data: str, filename: str) -> None:
    raw = gzip.compress(data.encode()) if filename.endswith(".gz") else data.encode()
    with pytest.raises(DropError, match="appears more than once in the header"):
        read_drop(raw, filename, GENERIC, "d")


def test_duplicate_columns_we_do_not_read_are_harmless() -> None:
    assert _read("job_title,,\nCook,,\n", "p.csv").accepted["job_title"].tolist() == ["Cook"]


def test_duplicated_parquet_column_is_rejected() -> None:
    table = pa.Table.from_arrays([pa.array(["Cook"]), pa.array(["Chef"])], names=["job_title", "job_title"])
    buf = io.BytesIO()
    pq.write_table(table, buf)
    with pytest.raises(DropError, match="'job_title' appears more than once"):
        read_drop(buf.getvalue(), "p.parquet", GENERIC, "d")


def test_jsonl_duplicate_key_is_quarantined() -> None:
    result = _read('{"job_title": "Cook", "job_title": "Chef"}\n{"job_title": "Nurse", "x": 1, "x": 2}\n', "p.jsonl")
    assert result.accepted["job_title"].tolist() == ["Nurse"]
    assert _reasons(result) == ["duplicate key: 'job_title' given twice"]


# --- 4. NULs, control characters, byte-order marks --------------------------------------------------------------

@pytest.mark.parametrize("filename", ["p.csv", "p.tsv", "p.csv.gz", "p.jsonl.gz"])
def test_nul_after_the_first_64_kib_is_quarantined_not_stored(filename: str) -> None:
    titles = [f"Welder {i}" for i in range(8000)] + ["Tree Sur\x00geon", "Cook\x1b[31m", "Caf\x85e", "Cook"]
    if "jsonl" in filename:
        data = "".join(json.dumps({"job_title": t}) + "\n" for t in titles)
    else:
        data = "job_title\n" + "\n".join(titles) + "\n"
    assert data.index("Tree Sur") > 65536
    result = _read(data, filename)
    assert len(result.accepted) == 8001
    assert not result.accepted["job_title"].str.contains("[\x00-\x1f\x7f-\x9f]").any()
    assert _reasons(result) == ["control character: U+0000 in job_title", "control character: U+001B in job_title",
                                "control character: U+0085 in job_title"]
    assert result.quarantined["raw"].iloc[0].replace("\\u0000", "\\x00").count("Tree Sur\\x00geon") == 1
    assert not result.quarantined["raw"].str.contains("[\x00-\x08\x1b]").any()


def test_stray_nul_in_a_small_file_is_a_row_problem_not_a_binary_file() -> None:
    result = _read("job_title\nTree Sur\x00geon\nCook\n", "p.csv")
    assert result.accepted["job_title"].tolist() == ["Cook"] and len(result.quarantined) == 1


def test_zero_filled_file_is_binary_not_utf16() -> None:
    with pytest.raises(DropError, match="binary"):
        read_drop(b"job_title\nCook\n" + b"\x00" * 5000, "p.csv", GENERIC, "d")


def test_header_in_another_delimiter_names_the_setting() -> None:
    with pytest.raises(DropError, match="holds ';': set the partner's 'delimiter'"):
        read_drop(b"job_title;company\nCook;Diner\n", "p.csv", GENERIC, "d")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"])
def test_byte_order_mark_names_the_encoding(codec: str) -> None:
    text = "job_title\tcompany\nNurse\tClínica\nCook\tDiner\n"
    bom = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}.get(codec, b"")
    result = _read(bom + text.encode(codec), "excel.tsv")
    assert result.accepted["job_title"].tolist() == ["Nurse", "Cook"]
    assert result.accepted["company"].tolist() == ["Clínica", "Diner"]


def test_utf16_with_a_pinned_other_encoding_says_set_encoding() -> None:
    data = "job_title\nNurse\n".encode("utf-16")
    with pytest.raises(DropError, match=r"UTF-16.*set encoding: utf-16"):
        read_drop(data, "p.csv", PartnerSpec("acme", encoding="latin-1"), "d")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_says_set_encoding(codec: str) -> None:
    with pytest.raises(DropError, match=rf"{codec.upper()}.*set encoding: {codec}"):
        read_drop("job_title\nNurse\nCook\n".encode(codec), "p.csv", GENERIC, "d")


# --- 5. values of the wrong type --------------------------------------------------------------------------------

def test_jsonl_values_of_the_wrong_type_are_quarantined() -> None:
    lines = [{"job_title": ["Roofer", "Tiler"]}, {"job_title": {"en": "Cook"}}, {"job_title": 42},
             {"job_title": True}, {"job_title": "Chef", "company": ["A", "B"]},
             {"job_title": "Nurse", "post_id": 7.0, "company": 3}]
    result = _read("".join(json.dumps(x) + "\n" for x in lines), "p.jsonl")
    assert _reasons(result) == ["wrong type: job_title is a list", "wrong type: job_title is a dict",
                                "wrong type: job_title is a int, not text", "wrong type: job_title is a bool, not text",
                                "wrong type: company is a list"]
    row = result.accepted.iloc[0]
    assert (row["job_title"], row["post_id"], row["company"]) == ("Nurse", "7", "3")


def test_parquet_lists_structs_and_bytes() -> None:
    table = pa.table({
        "job_title": pa.array([b"Software Engineer", b"\xff\xfe", b"Roofer"], pa.binary()),
        "tags": pa.array([["a"], ["b"], ["c"]]),
        "company": pa.array([{"name": "Acme"}, None, None], pa.struct([("name", pa.string())])),
    })
    buf = io.BytesIO()
    pq.write_table(table, buf)
    result = _read(buf.getvalue(), "p.parquet")
    assert result.accepted["job_title"].tolist() == ["Roofer"]
    assert _reasons(result) == ["wrong type: company is a dict",
                                "wrong type: job_title is bytes that are not UTF-8 text"]
    assert json.loads(result.quarantined["raw"].iloc[0])["job_title"] == "Software Engineer"
    assert not result.quarantined["raw"].str.contains("b'").any()


def test_cv_parquet_reads_only_the_cv_columns() -> None:
    table = pa.table({"job_title": ["Nurse", "NULL"], "experience": ["Wards", "x"],
                      "email": ["ana@example.com", "bo@example.com"], "address": [["1 High St"], ["2 Low Rd"]]})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    result = _read(buf.getvalue(), "cvs.parquet", CVS)
    assert result.accepted["job_desc"].tolist() == ["Wards"]
    assert _reasons(result) == ["missing job_title"]
    assert "example.com" not in result.quarantined["raw"].iloc[0]


# --- 6. words for "no value" ------------------------------------------------------------------------------------

@pytest.mark.parametrize("filename", ["p.csv", "p.tsv", "p.csv.gz"])
def test_missing_value_words_are_missing(filename: str) -> None:
    words = ["NULL", "None", "nan", "NaN", "N/A", "null", "-", "#N/A", "nil"]
    d = "\t" if ".tsv" in filename else ","
    rows = [["job_title", "company", "country"]] + [[w, "Acme", "GB"] for w in words] + [["Cook", "NULL", "NA"]]
    result = _read(_delimited(rows, d), filename)
    assert _reasons(result) == ["missing job_title"] * len(words)
    row = result.accepted.iloc[0]
    assert (row["job_title"], row["company"], row["country"]) == ("Cook", "", "NA")


def test_missing_value_words_in_cv_jsonl() -> None:
    data = '{"job_title": "None", "experience": "x"}\n{"job_title": "Nurse", "experience": "N/A"}\n'
    result = _read(data, "cvs.jsonl.gz", CVS)
    assert _reasons(result) == ["missing job_title"]
    assert result.accepted["job_desc"].tolist() == [""]


# --- 7. compression bombs ---------------------------------------------------------------------------------------

def test_gzip_bomb_stops_at_the_limit() -> None:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)
    line = b"Chef\n" * 200_000  # 1 MB
    bomb = squeeze.compress(b"job_title\n") + b"".join(squeeze.compress(line) for _ in range(256)) + squeeze.flush()
    limit = 5_000_000
    assert len(bomb) < limit
    tracemalloc.start()
    try:
        with pytest.raises(DropError, match="over 5,000,000 bytes once decompressed"):
            read_drop(bomb, "bomb.csv.gz", PartnerSpec("small", max_bytes=limit), "d")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit + 4 * 1024 * 1024


def test_parquet_over_the_limit_once_decompressed() -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"job_title": [f"Chef {i} " + "x" * 5000 for i in range(2000)]}), buf, compression="zstd")
    assert len(buf.getvalue()) < 1_000_000
    with pytest.raises(DropError, match="once decompressed, over the limit"):
        read_drop(buf.getvalue(), "p.parquet", PartnerSpec("small", max_bytes=1_000_000), "d")


# --- quarantine keeps what fixes the file, masked ---------------------------------------------------------------

def test_quarantined_raw_is_masked() -> None:
    data = "job_title,company\n,ana.lima@example.com +44 20 7946 0958 linkedin.com/in/ana\n"
    raw = _read(data, "p.csv").quarantined["raw"].iloc[0]
    assert EMAIL_MASK in raw and "ana.lima" not in raw and "7946" not in raw and "linkedin" not in raw
