"""Values planted in every column of a posts drop and a CV drop reach no table, cache, export or event log
after a full run on the embedded default."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import dagster as dg
import pytest

from isco_assets.lib.demo.drop import write_demo_drop
from isco_assets.resources.environment import layout_from_env
from isco_assets.runner import run_pipeline

pytestmark = pytest.mark.slow

PLANTED = ("ana.lima@example.net", "612 345 678", "linkedin.com/in/ana-lima-77", "talent.example.org/profile/ana")
CONTACT = "ana.lima@example.net +34 612 345 678 https://www.linkedin.com/in/ana-lima-77 " \
          "https://talent.example.org/profile/ana"
COLUMNS = ("post_id", "job_title", "job_desc", "company", "country", "language", "posted_at", "url")


def test_planted_personal_data_is_nowhere_after_a_full_run(tmp_path: Path) -> None:
    root = tmp_path / "data"
    layout = layout_from_env(root)
    posts = write_demo_drop(tmp_path / "incoming" / "posts.csv", 400, seed=7, bad_rows=0)
    with posts.open("a", newline="", encoding="utf-8") as fh:  # one planted row per column, and one in all
        writer = csv.writer(fh)
        for column in COLUMNS:
            row = {"post_id": f"plant-{column}", "job_title": "Baker", "job_desc": "Bake bread", "company": "Acme",
                   "country": "GB", "language": "en", "posted_at": "2026-01-01", "url": "https://jobs.example.com/1"}
            row[column] = f"{row[column]} {CONTACT}"
            writer.writerow([row[c] for c in COLUMNS])
    cvs = layout.landing / "cvs" / "cvs.jsonl"
    cvs.parent.mkdir(parents=True)
    cvs.write_text("\n".join(json.dumps({"job_title": f"Nurse {CONTACT}", "job_desc": f"Ward care {CONTACT}",
                                         "country": f"GB {CONTACT}", "language": "en", "email": CONTACT,
                                         "phone": CONTACT, "name": "Ana Lima"}) for _ in range(3)) + "\n")
    config = tmp_path / "config.yaml"
    config.write_text("partners: {cvs: {kind: cvs, format: jsonl}}\n")
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        outcome = run_pipeline(layout, [posts], str(config), instance=instance)
    assert outcome.candidates is not None and not outcome.failed_drops
    searched = [p for base in (root, tmp_path / "dagster_home") for p in base.rglob("*") if p.is_file()
                and layout.landing not in p.parents and tmp_path / "incoming" not in p.parents]
    assert any(p.suffix == ".parquet" for p in searched) and any(p.suffix == ".db" for p in searched)
    leaks = [f"{value!r} in {path.relative_to(tmp_path)}" for path in searched for value in PLANTED
             if value.encode() in path.read_bytes()]
    assert not leaks, "\n".join(leaks)
