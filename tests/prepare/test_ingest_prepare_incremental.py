"""Through Dagster: each drop partition is stored masked, and a new drop on top cleans only its new texts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from isco_assets.definitions import build_definitions
from isco_assets.defs.partitions import drops_partitions
from isco_assets.lib.ingest.drops import content_hash, make_drop_id
from isco_assets.lib.prepare.posts import clean_posts
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.parquet_io import read_table

UNION = ["job_posts", "translated_posts", "clean_posts"]
FIRST = ("job_title,job_desc,company\nNurse,Care for patients; mail ana@example.com,Clinic\n"
         "Cook,Cook meals for the canteen,Diner\n")
SECOND = "job_title,job_desc,company\nCook,Cook meals for the canteen,Diner\nWelder,Weld steel frames,Works\n"


def ingest(defs: dg.Definitions, instance: dg.DagsterInstance, landing: Path, name: str, text: str) -> str:
    (landing / "generic").mkdir(parents=True, exist_ok=True)
    (landing / "generic" / name).write_text(text)
    drop_id = make_drop_id("generic", name, content_hash(text.encode()))
    instance.add_dynamic_partitions(drops_partitions.name, [drop_id])
    assert defs.resolve_job_def("ingest_drop").execute_in_process(instance=instance, partition_key=drop_id).success
    return drop_id


def prepare(defs: dg.Definitions, instance: dg.DagsterInstance) -> int:
    """Materialize the union and its cleaning; how many texts the cleaning computed."""
    job = defs.resolve_implicit_global_asset_job_def()
    assert job.execute_in_process(instance=instance, asset_selection=[dg.AssetKey(a) for a in UNION]).success
    event = instance.get_latest_materialization_event(dg.AssetKey("clean_posts"))
    return event.asset_materialization.metadata["texts_cleaned"].value


def test_drops_stored_masked_and_a_new_drop_cleans_only_its_texts(data_dir: Path) -> None:
    landing = data_dir / "landing"
    defs = build_definitions(str(data_dir), "", LandingZoneResource(local_dir=str(landing)))
    tables = data_dir / "tables"
    with dg.instance_for_test() as instance:
        first = ingest(defs, instance, landing, "a.csv", FIRST)
        stored = read_table(tables / "raw_job_posts" / f"{first}.parquet")
        assert stored["job_desc"][0] == "Care for patients; mail [EMAIL]" and stored["content_hash"].notna().all()
        # 2 titles and 2 descriptions, and 2 titles' normalized forms
        assert prepare(defs, instance) == 4
        ingest(defs, instance, landing, "b.csv", SECOND)
        assert prepare(defs, instance) == 2, "only the welder's description and title forms are new"
        cleaned = read_table(tables / "clean_posts.parquet")
        assert cleaned["title_norm"].tolist() == ["nurse", "cook", "welder"]
        translated = read_table(tables / "translated_posts.parquet")
        pd.testing.assert_frame_equal(cleaned, clean_posts(translated)[0])
