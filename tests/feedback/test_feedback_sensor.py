"""Expert feedback through Dagster, on both landing backends (a local folder; Azure Blob Storage on Azurite):
a reviewed workbook dropped into feedback/ is found by the sensor, validated and logged, or rejected whole.

Ticks are evaluated as the daemon evaluates them; what the daemon then does (register the partitions, launch
the runs) is done here in-process. The slow test at the end runs the whole graph around one review round.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import dagster as dg
import openpyxl
import pandas as pd
import pytest
from conftest import fill_workbook

from isco_assets.definitions import build_definitions
from isco_assets.defs.feedback.assets import feedback_files
from isco_assets.defs.feedback.sensors import feedback_sensor
from isco_assets.lib.feedback.export import export_candidates
from isco_assets.lib.ingest.drops import parse_drop_id
from isco_assets.lib.prepare.text import coding_text
from isco_assets.resources.environment import layout_from_env
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.parquet_io import read_table
from isco_assets.resources.settings import PlatformSettings
from isco_assets.runner import failure_message, run_pipeline

LOG = dg.AssetKey("expert_feedback")
CANDIDATES = pd.DataFrame({
    "rank": [1, 2], "cluster_id": [3, 4], "name": ["Prompt Engineer", "Scrum Master"], "n_posts": [8, 6],
    "example_titles": [["prompt engineer"], ["scrum master"]],
})
POSTS = pd.DataFrame({
    "post_id": ["p1"], "job_title": ["Forklift Driver"], "language": ["en"], "company": ["A"], "coded_as": ["8332"],
    "coded_title": ["Heavy truck and lorry drivers"], "isco_score": [0.4], "confidence": [0.2], "top_codes": ["8332"],
})


class Feedback:
    """One Dagster instance, the code location, and the moves of the sensor daemon for the feedback folder."""

    def __init__(self, instance: dg.DagsterInstance, data_dir: Path, landing: LandingZoneResource, config: str):
        self.instance, self.data_dir, self.landing = instance, data_dir, landing
        self.settings = PlatformSettings(data_dir=str(data_dir), config_file=config)
        self.defs = build_definitions(str(data_dir), config, landing)
        self.cursor: str | None = None

    def put(self, key: str, data: bytes) -> datetime:
        with self.landing.open() as zone:
            return zone.write(key, data).modified

    def tick(self) -> list[str]:
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor,
            resources={"settings": self.settings, "landing_zone": self.landing},
        ) as context:
            result = feedback_sensor(context)
        requested = [r.partition_key for r in result.run_requests]
        added = [k for r in result.dynamic_partitions_requests or [] for k in r.partition_keys]
        assert requested == added and all(r.run_key == r.partition_key for r in result.run_requests)
        self.instance.add_dynamic_partitions(feedback_files.name, added)
        self.cursor = result.cursor
        return requested

    def apply(self, file_id: str) -> dg.ExecuteInProcessResult:
        return self.defs.resolve_job_def("apply_expert_feedback").execute_in_process(
            instance=self.instance, partition_key=file_id, raise_on_error=False)

    def decisions(self) -> pd.DataFrame:
        """Materialize the decisions in force, as automation does after each applied file."""
        assert self.defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=self.instance, asset_selection=[dg.AssetKey("expert_decisions")]).success
        return read_table(self.data_dir / "tables" / "expert_decisions.parquet")


@pytest.fixture
def feedback(data_dir: Path, landing: LandingZoneResource, tmp_path: Path) -> Iterator[Feedback]:
    (tmp_path / "instance").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "instance")) as instance:
        yield Feedback(instance, data_dir, landing, "")


def test_dropped_workbook_is_logged_once_with_reviewer_and_time(feedback: Feedback, tmp_path: Path) -> None:
    export = export_candidates(CANDIDATES, tmp_path / "exports", POSTS)["xlsx"]
    workbook = fill_workbook(export, {
        "candidates": [{"decision": "accept", "isco_code": "2512", "reviewer": "ana",
                        "decided_at": datetime(2026, 11, 20, 9, 30)},
                       {"decision": "reject", "reviewer": "ben"}],
        "posts_to_review": [{"decision": "recode", "isco_code": "8344", "reviewer": "ana"}],
    })
    arrived = feedback.put("feedback/review-2026-11.xlsx", workbook)
    feedback.put("feedback/~$review-2026-11.xlsx", b"Excel's lock file")  # hidden name: ignored
    feedback.put("generic/posts.csv", b"job_title\nNurse\n")  # a partner drop is not feedback

    [file_id] = feedback.tick()
    assert parse_drop_id(file_id)[:2] == ("feedback", "review-2026-11.xlsx")
    assert feedback.tick() == [], "a second tick requests nothing new"
    feedback.put("feedback/review-copy.xlsx", workbook)  # the same file again under another name
    assert feedback.tick() == []

    assert feedback.apply(file_id).success
    log = read_table(feedback.data_dir / "tables" / "expert_feedback" / f"{file_id}.parquet")
    assert sorted(zip(log["decision"], log["reviewer"], strict=True)) == [
        ("accept", "ana"), ("recode", "ana"), ("reject", "ben")]
    by = log.set_index("decision")
    assert by.loc["accept", "decided_at"] == pd.Timestamp("2026-11-20 09:30", tz="UTC")
    assert by.loc["reject", "decided_at"] == by.loc["reject", "received_at"] == pd.Timestamp(arrived)
    assert (by.loc["recode", "post_id"], by.loc["recode", "isco_code"]) == ("p1", "8344")
    event = feedback.instance.get_latest_materialization_event(LOG).asset_materialization
    assert event.partition == file_id and event.metadata["reviewers"].value == ["ana", "ben"]
    assert event.metadata["source"].value.endswith("feedback/review-2026-11.xlsx")

    decisions = feedback.decisions()
    assert len(decisions) == 3 and set(decisions["file"]) == {file_id}


def test_invalid_workbook_is_rejected_with_every_reason_and_never_applied(feedback: Feedback, tmp_path: Path) -> None:
    export = export_candidates(CANDIDATES, tmp_path / "exports", POSTS)["xlsx"]
    valid_row = {"decision": "accept", "isco_code": "2512", "reviewer": "ana"}
    feedback.put("feedback/review.xlsx", fill_workbook(export, {
        "candidates": [valid_row, {"decision": "approve", "reviewer": "ana"}],
        "posts_to_review": [{"decision": "recode", "isco_code": "9999", "reviewer": "ana"}],
    }))
    feedback.put("feedback/notes.txt", b"accept them all")
    files = {parse_drop_id(f)[1]: f for f in feedback.tick()}
    unreadable = feedback.apply(files["notes.txt"])
    assert not unreadable.success and "notes.txt: expected the review workbook (.xlsx) or a .csv file" in (
        failure_message(unreadable))
    bad = files["review.xlsx"]
    result = feedback.apply(bad)
    assert not result.success
    message = failure_message(result)
    assert f"feedback file {bad} rejected, nothing of it applied (2 problems)" in message
    assert "candidates row 3 (cluster 4 'Scrum Master'): unknown decision 'approve'" in message
    assert "posts_to_review row 2 (post 'p1'): unknown ISCO-08 unit group '9999'" in message
    assert not (feedback.data_dir / "tables" / "expert_feedback" / f"{bad}.parquet").exists()
    assert feedback.instance.get_materialized_partitions(LOG) == set()
    observed = feedback.instance.fetch_observations(
        dg.AssetRecordsFilter(asset_key=LOG, asset_partitions=[bad]), limit=1).records[0].asset_observation
    assert observed.metadata["status"].value == "rejected" and len(observed.metadata["reasons"].value) == 2
    assert feedback.tick() == [], "a rejected file is not requested again"
    assert feedback.decisions().empty, "nothing of the rejected file is in force, not even its valid row"

    feedback.put("feedback/review.xlsx", fill_workbook(export, {"candidates": [valid_row]}))  # corrected: a new file
    [fixed] = feedback.tick()
    before = dg.evaluate_automation_conditions(defs=feedback.defs, instance=feedback.instance)
    assert fixed != bad and feedback.apply(fixed).success
    # the decisions in force follow the new file by automation, not held back by the rejected one
    after = dg.evaluate_automation_conditions(defs=feedback.defs, instance=feedback.instance, cursor=before.cursor)
    assert after.get_requested_partitions(dg.AssetKey("expert_decisions")) == {None}
    assert list(feedback.decisions()["decision"]) == ["accept"]


@pytest.mark.slow
def test_one_review_round_through_the_pipeline(data_dir: Path, tmp_path: Path) -> None:
    """Code and cluster a small drop, review the exported workbook, drop it into feedback/ and run again; then a
    second drop doubles the rejected candidate's posts and it comes back."""
    layout = layout_from_env(data_dir)
    config = tmp_path / "platform.yaml"
    config.write_text("clustering: {min_cluster_size: 3}\n")
    titles = {"pe": "Prompt Engineer", "sm": "Data Annotator", "rn": "Registered Nurse", "sd": "Software Developer",
              "fd": "Forklift Driver", "tm": "Team Member"}  # a title that names no work: its posts need review
    first_drop = _drop(tmp_path / "posts-1.csv", {prefix: (title, range(6)) for prefix, title in titles.items()})
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        first = run_pipeline(layout, [first_drop], str(config), instance)
        assert first.candidates is not None, first.failed_drops
        assert {"prompt engineer", "data annotator"} <= set(first.candidates["name"].str.lower())
        codes = read_table(layout.tables / "isco_codes.parquet").set_index("post_id")
        assert codes.loc["pe0", "isco_code"] != "2512"

        book = openpyxl.load_workbook(layout.exports / "novel_occupation_candidates.xlsx")
        decisions = {"prompt engineer": ("accept", "2512"), "data annotator": ("reject", None)}
        _decide(book["candidates"], lambda cells: decisions.get(str(cells["name"]).lower()), "ana")
        listed = [c.value for c in book["posts_to_review"]["A"][1:] if c.value]  # post_id, the first column
        recoded = next(post for post in listed if post.startswith("tm"))
        _decide(book["posts_to_review"], lambda cells: ("recode", "2421") if cells["post_id"] == recoded else None,
                "ben")
        out = io.BytesIO()
        book.save(out)
        review = Feedback(instance, data_dir, LandingZoneResource(local_dir=str(layout.landing)), str(config))
        review.put("feedback/round-1.xlsx", out.getvalue())
        [file_id] = review.tick()
        assert review.apply(file_id).success

        second = run_pipeline(layout, [], str(config), instance)
        assert second.candidates is not None, second.failed_drops
        codes = read_table(layout.tables / "isco_codes.parquet").set_index("post_id")
        assert set(codes.loc[[f"pe{i}" for i in range(6)], "isco_code"]) == {"2512"}, "the accepted title codes"
        assert (codes.loc[recoded, "isco_code"], codes.loc[recoded, "code_source"]) == ("2421", "expert")
        assert not set(second.candidates["name"].str.lower()) & set(decisions), "settled candidates leave the list"
        index = read_table(layout.tables / "isco_index.parquet")
        added = index[index["source"] == "feedback"]
        assert ("2512", "prompt engineer", "feedback", file_id) in set(
            zip(added["code"], added["label_norm"], added["kind"], added["version"], strict=True))
        # the recoded post's title is a label of its code
        assert ("2421", coding_text("Team Member"), "coded_post", file_id) in set(
            zip(added["code"], added["label_norm"], added["kind"], added["version"], strict=True))

        more = _drop(tmp_path / "posts-2.csv", {"sm": ("Data Annotator", range(6, 14))})  # 14 posts, 6 at rejection
        third = run_pipeline(layout, [more], str(config), instance)
        assert third.candidates is not None, third.failed_drops
        back = third.candidates[third.candidates["name"].str.lower() == "data annotator"]
        assert len(back) == 1 and back["previous_decision"].iloc[0].startswith("rejected by ana on ")
        assert "prompt engineer" not in set(third.candidates["name"].str.lower())


def _drop(path: Path, posts: dict[str, tuple[str, range]]) -> Path:
    rows = ["post_id,job_title,company"]
    rows += [f"{prefix}{i},{title},Employer {prefix}{i}" for prefix, (title, numbers) in posts.items() for i in numbers]
    path.write_text("\n".join(rows) + "\n")
    return path


def _decide(sheet, decide, reviewer: str) -> None:
    """Fill the decision cells of each row ``decide(cells)`` returns (decision, isco_code) for."""
    header = {c.value: c.column for c in sheet[1]}
    for row in range(2, sheet.max_row + 1):
        decision = decide({name: sheet.cell(row, column).value for name, column in header.items()})
        if decision:
            sheet.cell(row, header["decision"], decision[0])
            sheet.cell(row, header["isco_code"], decision[1])
            sheet.cell(row, header["reviewer"], reviewer)
