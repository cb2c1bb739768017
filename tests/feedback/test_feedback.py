"""The review workbook and the expert feedback it comes back as: export, reading, validation, applying."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import fill_workbook
from openpyxl.utils import get_column_letter

from isco_assets.lib.classify.expert_decisions import apply_recodes, with_feedback_labels
from isco_assets.lib.classify.index_sources import build_index_labels
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.feedback.export import export_candidates, review_posts
from isco_assets.lib.feedback.feedback import (
    FeedbackError,
    apply_candidate_feedback,
    decisions_in_force,
    read_feedback,
)
from isco_assets.resources.environment import layout_from_env

TAXONOMY = load_taxonomy()
RECEIVED = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def candidates(**n_posts: int) -> pd.DataFrame:
    frame = pd.DataFrame({
        "rank": [1, 2, 3], "cluster_id": [7, 8, 9], "name": ["Prompt Engineer", "Scrum Master", "Drone Pilot"],
        "novelty_score": [0.9, 0.8, 0.7], "n_posts": [40, 12, 30],
        "example_titles": [["prompt engineer", "ai prompt engineer"], ["scrum master", "agile scrum master"],
                           ["drone pilot"]],
        "nearest_groups": [[{"code": "2512", "share": 0.5}], [], []],
    })
    for name, n in n_posts.items():
        frame.loc[frame["name"].str.lower().str.replace(" ", "_") == name, "n_posts"] = n
    return frame


def codes() -> pd.DataFrame:
    return pd.DataFrame({
        "post_id": ["p1", "p2", "p3"], "job_title": ["Forklift Driver", "Nurse", "Cake Artist"],
        "language": ["en", "en", "en"], "company": ["A", "B", "C"], "isco_code": ["8332", "2221", "7512"],
        "isco_title": [TAXONOMY.title(c) for c in ("8332", "2221", "7512")], "isco_score": [0.41, 0.9, 0.45],
        "confidence": [0.30, 0.95, 0.20], "needs_review": [True, False, True], "nec_flag": [False, False, False],
        "top_codes": [["8332", "8344"], ["2221", "3221"], ["7512", "5120"]],
        "top_scores": [[0.41, 0.40], [0.9, 0.7], [0.45, 0.44]],
        "minor_group": ["833", "222", "751"], "minor_share": [0.5, 0.97, 0.3],
        "sub_major_group": ["83", "22", "75"], "sub_major_share": [0.6, 0.98, 0.4],
        "major_group": ["8", "2", "7"], "major_share": [0.7, 0.99, 0.5],
    })


def workbook(tmp_path: Path, fill: dict[str, list[dict[str, object]]]) -> bytes:
    """The exported review workbook with ``fill`` written into it: per sheet, {column: value} by row (from 2)."""
    paths = export_candidates(candidates(), tmp_path / "exports", review_posts(codes(), TAXONOMY, 10))
    return fill_workbook(paths["xlsx"], fill)


def read(data: bytes, name: str = "review.xlsx"):
    return read_feedback(data, name, f"feedback__{name}__0123456789", TAXONOMY, RECEIVED)


def test_export_writes_both_sheets_with_decision_columns_and_dropdowns(tmp_path: Path) -> None:
    paths = export_candidates(candidates(), tmp_path, review_posts(codes(), TAXONOMY, 10))
    book = openpyxl.load_workbook(paths["xlsx"])
    assert book.sheetnames == ["candidates", "posts_to_review", "guide"]
    header = [c.value for c in book["candidates"][1]]
    assert header[-6:] == ["decision", "isco_code", "title", "reviewer", "decided_at", "note"]
    examples = book["candidates"].cell(2, header.index("example_titles") + 1).value
    assert examples == "prompt engineer | ai prompt engineer"
    [dropdown] = book["candidates"].data_validations.dataValidation
    column = get_column_letter(header.index("decision") + 1)
    assert dropdown.formula1 == '"accept,merge,reject"' and str(dropdown.sqref) == f"{column}2:{column}4"
    posts = [c.value for c in book["posts_to_review"][1]]
    assert posts[-5:] == ["decision", "isco_code", "reviewer", "decided_at", "note"]
    assert book["posts_to_review"].data_validations.dataValidation[0].formula1 == '"recode"'
    assert book["posts_to_review"].cell(2, posts.index("isco_code") + 1).number_format == "@"
    assert "decision" in pd.read_csv(paths["csv"]).columns
    assert list(pd.read_csv(paths["posts_csv"])["post_id"]) == ["p3", "p1"]


def test_review_posts_are_the_flagged_ones_least_confident_first_with_top_codes_spelled_out() -> None:
    rows = review_posts(codes(), TAXONOMY, limit=1)
    assert list(rows["post_id"]) == ["p3"]
    assert rows.loc[0, "coded_as"] == "7512"
    assert rows.loc[0, "top_codes"] == f"7512 {TAXONOMY.title('7512')} (0.45) | 5120 {TAXONOMY.title('5120')} (0.44)"


def test_filled_workbook_becomes_decision_records_with_who_and_when(tmp_path: Path) -> None:
    data = workbook(tmp_path, {
        "candidates": [
            {"decision": "Accept", "isco_code": 2512, "reviewer": "ana", "decided_at": datetime(2026, 11, 20, 9)},
            {"decision": "reject", "reviewer": "ben", "note": "agile role, not new"},
            {"note": "not sure yet"},  # undecided
        ],
        "posts_to_review": [{"decision": "recode", "isco_code": "7512", "reviewer": "ana"}, {}],
    })
    result = read(data)
    assert result.errors == [] and result.undecided == 2  # a note alone decides nothing
    records = result.records.set_index("subject")
    accept = records.loc["candidate:7:prompt engineer"]
    assert (accept["decision"], accept["isco_code"], accept["title"], accept["reviewer"]) == (
        "accept", "2512", "Prompt Engineer", "ana")
    assert accept["decided_at"] == pd.Timestamp("2026-11-20 09:00", tz="UTC")
    assert (accept["sheet"], accept["row"], accept["n_posts"]) == ("candidates", 2, 40)
    assert list(accept["example_titles"]) == ["prompt engineer", "ai prompt engineer"]
    reject = records.loc["candidate:8:scrum master"]
    assert reject["decided_at"] == reject["received_at"] == pd.Timestamp(RECEIVED) and reject["note"]
    recode = records.loc["post:p3"]  # the least confident post is the first row of its sheet
    assert (recode["kind"], recode["isco_code"], recode["row"]) == ("post", "7512", 2)
    assert recode["title"] == "Cake Artist"  # the post's title as the sheet shows it
    assert set(result.records["file"]) == {"feedback__review.xlsx__0123456789"}


def test_a_file_with_any_invalid_row_applies_nothing_and_lists_every_reason(tmp_path: Path) -> None:
    data = workbook(tmp_path, {
        "candidates": [
            {"decision": "accept", "isco_code": "9999", "reviewer": "ana"},
            {"decision": "merge", "isco_code": "251", "reviewer": "ana"},
            {"decision": "approve", "reviewer": "ana"},
        ],
        "posts_to_review": [
            {"decision": "recode", "reviewer": "ana"},
            {"decision": "recode", "isco_code": "8332", "decided_at": "last tuesday"},
        ],
    })
    result = read(data)
    assert result.records.empty
    assert result.errors == [
        "candidates row 2 (cluster 7 'Prompt Engineer'): unknown ISCO-08 unit group '9999'",
        "candidates row 3 (cluster 8 'Scrum Master'): isco_code 251 is a minor group; decisions need a 4-digit "
        "unit group",
        "candidates row 4 (cluster 9 'Drone Pilot'): unknown decision 'approve' (expected accept, merge, reject)",
        "posts_to_review row 2 (post 'p3'): decision 'recode' needs isco_code (the target unit group)",
        "posts_to_review row 3 (post 'p1'): reviewer missing (who decided); decided_at 'last tuesday' is not a date",
    ]


def test_csv_feedback_rows_say_what_they_decide_on_and_malformed_rows_are_reasons() -> None:
    good = ("cluster_id,name,n_posts,example_titles,post_id,decision,isco_code,reviewer\n"
            "7,Prompt Engineer,40,prompt engineer,,merge,2512,ana\n"
            ",,,,p1,recode,0110,ben\n")
    result = read(good.encode(), "decisions.csv")
    assert result.errors == []
    assert list(result.records["kind"]) == ["candidate", "post"]
    assert list(result.records["isco_code"]) == ["2512", "0110"] and list(result.records["row"]) == [2, 3]
    bad = ("cluster_id,name,n_posts,post_id,decision,isco_code,reviewer\n"
           "seven,Prompt Engineer,many,,reject,,ana\n"
           "7,Prompt Engineer,40,,recode,2512,ana\n"
           ",,,p1,recode,8332,ana\n"
           ",,,p1,recode,8344,ana\n"
           ",,,p2,,8344,\n")
    errors = read(bad.encode(), "decisions.csv").errors
    assert errors == [
        "line 2 (cluster seven 'Prompt Engineer'): cluster_id 'seven' is not a whole number; n_posts 'many' is not "
        "a count (needed to judge later whether the evidence grew)",
        "line 3 (cluster 7 'Prompt Engineer'): decision 'recode' does not apply to a candidate (use accept or merge "
        "or reject)",
        "line 5 (post 'p1'): contradicts line 4 (recode 8332) on the same post",
        "line 6 (post 'p2'): isco_code filled but no decision",
    ]


def test_a_csv_cell_neutralised_on_export_comes_back_as_its_text() -> None:
    csv = ("cluster_id,name,n_posts,post_id,decision,isco_code,reviewer\n"
           "7,'=Prompt Engineer,40,,merge,2512,'@ana\n"
           "8,'not a formula,12,,reject,,ben\n")
    records = read(csv.encode(), "decisions.csv").records
    assert list(records["name"]) == ["=Prompt Engineer", "'not a formula"]
    assert list(records["reviewer"]) == ["@ana", "ben"]


def test_unreadable_files_and_missing_columns_are_reported() -> None:
    with pytest.raises(FeedbackError, match="expected the review workbook"):
        read(b"%PDF-1.4", "review.pdf")
    with pytest.raises(FeedbackError, match="not a readable XLSX"):
        read(b"PK\x03\x04 broken", "review.xlsx")
    book = openpyxl.Workbook()
    book.active.title = "notes"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(FeedbackError, match="no sheet named candidates or posts_to_review"):
        read(out.getvalue())
    result = read(b"post_id,decision,isco_code\np1,recode,8332\n", "decisions.csv")
    assert result.errors == ["decisions.csv: column reviewer missing"] and result.records.empty


def _decisions(*rows: dict[str, object]) -> pd.DataFrame:
    lines = ["cluster_id,name,n_posts,example_titles,post_id,job_title,decision,isco_code,title,reviewer,decided_at"]
    lines += [",".join(str(r.get(c, "")) for c in lines[0].split(",")) for r in rows]
    result = read(("\n".join(lines) + "\n").encode(), "decisions.csv")
    assert result.errors == []
    return result.records


def test_the_latest_decision_on_a_subject_is_in_force() -> None:
    log = pd.concat([
        _decisions({"post_id": "p1", "decision": "recode", "isco_code": "8344", "reviewer": "ana",
                    "decided_at": "2026-11-02"}),
        _decisions({"post_id": "p1", "decision": "recode", "isco_code": "8332", "reviewer": "ben",
                    "decided_at": "2026-11-01"},
                   {"post_id": "p2", "decision": "recode", "isco_code": "2221", "reviewer": "ben"}),
    ], ignore_index=True)
    force = decisions_in_force(log).set_index("post_id")
    assert force.loc["p1", "isco_code"] == "8344" and force.loc["p2", "isco_code"] == "2221"
    assert decisions_in_force(pd.DataFrame()).empty


def test_accepted_and_merged_titles_become_feedback_labels() -> None:
    decisions = _decisions(
        {"cluster_id": 7, "name": "Prompt Engineer", "n_posts": 40,
         "example_titles": "prompt engineer | prompt designer", "decision": "accept", "isco_code": "2512",
         "title": "Prompt Engineer (LLM)", "reviewer": "ana"},
        {"cluster_id": 8, "name": "Scrum Master", "n_posts": 12, "example_titles": "scrum master | agile coach",
         "decision": "merge", "isco_code": "2421", "reviewer": "ana"},
        {"cluster_id": 9, "name": "Drone Pilot", "n_posts": 30, "decision": "reject", "reviewer": "ana"},
        {"post_id": "p1", "job_title": "Sr. Cake Artist - Ipoh", "decision": "recode", "isco_code": "7512",
         "reviewer": "ana"},
        {"post_id": "p2", "decision": "recode", "isco_code": "8344", "reviewer": "ana"},  # no title: no label
    )
    index = build_index_labels(TAXONOMY)
    labels = with_feedback_labels(index, decisions)
    added = labels.iloc[len(index):]
    assert sorted(zip(added["code"], added["label_norm"], added["kind"], strict=True)) == [
        ("2421", "agile coach", "feedback"), ("2421", "scrum master", "feedback"),
        ("2512", "prompt engineer", "feedback"), ("7512", "cake artist ipoh", "coded_post")]
    assert set(added["source"]) == {"feedback"}
    assert set(added["version"]) == {"feedback__decisions.csv__0123456789"}
    assert list(labels.columns) == list(index.columns)
    assert with_feedback_labels(index, decisions.iloc[:0]).equals(index)


def test_recodes_override_the_posts_code() -> None:
    decisions = _decisions({"post_id": "p1", "decision": "recode", "isco_code": "8344", "reviewer": "ana"})
    out = apply_recodes(codes(), decisions, TAXONOMY).set_index("post_id")
    assert (out.loc["p1", "isco_code"], out.loc["p1", "isco_title"]) == ("8344", TAXONOMY.title("8344"))
    assert out.loc["p1", "code_source"] == "expert" and not out.loc["p1", "needs_review"]
    assert list(out.loc["p1", "top_codes"]) == ["8332", "8344"], "the model's own top-k stay"
    assert out.loc["p1", ["minor_group", "minor_share", "major_group"]].tolist() == ["834", 1.0, "8"]
    assert (out.loc["p3", "isco_code"], out.loc["p3", "code_source"], out.loc["p3", "needs_review"]) == (
        "7512", "model", True)


def test_settled_candidates_leave_and_a_rejected_one_returns_when_its_evidence_grows() -> None:
    decisions = _decisions(
        {"cluster_id": 7, "name": "Prompt Engineer", "n_posts": 40, "example_titles": "prompt engineer",
         "decision": "accept", "isco_code": "2512", "reviewer": "ana"},
        {"cluster_id": 8, "name": "Scrum Master", "n_posts": 12, "example_titles": "scrum master",
         "decision": "reject", "reviewer": "ben", "decided_at": "2026-11-20"},
    )
    same = apply_candidate_feedback(candidates(scrum_master=23), decisions)
    assert list(same["name"]) == ["Drone Pilot"] and list(same["rank"]) == [1]
    grown = apply_candidate_feedback(candidates(scrum_master=24), decisions)
    assert list(grown["name"]) == ["Scrum Master", "Drone Pilot"] and list(grown["rank"]) == [1, 2]
    assert grown.loc[0, "previous_decision"] == "rejected by ben on 2026-11-20 at 12 posts; now 24"
    assert grown.loc[1, "previous_decision"] == ""
    assert len(apply_candidate_feedback(candidates(scrum_master=24), decisions, evidence_growth=3)) == 1
    none = apply_candidate_feedback(candidates().iloc[:0], decisions)
    assert none.empty and "previous_decision" in none.columns and "name" in none.columns
    assert apply_candidate_feedback(candidates(), decisions.iloc[:0])["previous_decision"].eq("").all()


def test_a_decision_follows_its_candidate_by_name_or_id_and_titles_but_not_an_id_reused() -> None:
    decisions = _decisions(
        {"cluster_id": 70, "name": "Prompt Engineer", "n_posts": 40, "decision": "reject", "reviewer": "ana"},
        {"cluster_id": 8, "name": "Agile Lead", "n_posts": 12, "example_titles": "agile scrum master",
         "decision": "reject", "reviewer": "ana"},
        {"cluster_id": 9, "name": "Crop Sprayer", "n_posts": 30, "example_titles": "crop sprayer",
         "decision": "reject", "reviewer": "ana"},
    )
    left = apply_candidate_feedback(candidates(), decisions)
    assert list(left["name"]) == ["Drone Pilot"], "cluster 9 now holds other work: its old rejection does not apply"


def test_the_commands_index_includes_titles_experts_accepted(tmp_path: Path) -> None:
    from isco_assets.lib.classify.coding import index_labels
    from isco_assets.lib.config import PlatformConfig

    layout = layout_from_env(tmp_path)
    before = index_labels(PlatformConfig(), layout, TAXONOMY)
    layout.tables.mkdir(parents=True)
    _decisions({"cluster_id": 7, "name": "Prompt Engineer", "n_posts": 40, "decision": "accept",
                "isco_code": "2512", "reviewer": "ana"}).to_parquet(layout.tables / "expert_decisions.parquet")
    after = index_labels(PlatformConfig(), layout, TAXONOMY)
    assert len(after) == len(before) + 1
    assert after.iloc[-1][["code", "label_norm", "source"]].tolist() == ["2512", "prompt engineer", "feedback"]
