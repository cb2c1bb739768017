"""isco-run's landing and ingestion: a run killed mid-ingestion loses nothing, and files that share a name stay two.

The kill is real: ``isco-run`` in a subprocess, SIGKILLed while its ingestion step runs; what it leaves in
``DAGSTER_HOME`` and the landing zone is what the sensor, ``job_posts`` and the next ``isco-run`` then meet.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from isco_assets.definitions import build_definitions
from isco_assets.defs.ingest.drop_states import drop_states
from isco_assets.defs.ingest.sensors import landing_zone_sensor
from isco_assets.defs.partitions import drops_partitions
from isco_assets.lib.config import load_config
from isco_assets.lib.ingest.landing import LocalLandingZone
from isco_assets.lib.ingest.partners import GENERIC
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.settings import PlatformSettings
from isco_assets.runner import failure_message, ingest_drops, land_files

RAW, POSTS = dg.AssetKey("raw_job_posts"), dg.AssetKey("job_posts")
ROWS = 400_000  # big enough that reading it takes seconds: the kill lands inside the ingestion step
TITLES = ["Nurse", "Cook", "Welder", "Baker", "Plumber"]


def _big_drop(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("job_title,post_id\n" + "".join(f"{TITLES[i % 5]},p{i}\n" for i in range(ROWS)))
    return path


def _kill_during_ingestion(instance: dg.DagsterInstance, drop: Path, log: Path) -> None:
    """Start isco-run on the drop and SIGKILL it once its ingestion step has started."""
    isco_run = Path(sys.executable).with_name("isco-run")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(isco_run), str(drop)], env=dict(os.environ), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not _ingestion_started(instance):
            assert proc.poll() is None, f"isco-run ended before it was killed:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"ingestion never started:\n{log.read_text()[-3000:]}"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)  # reaped: its pid is gone, as after a machine's crash


def _ingestion_started(instance: dg.DagsterInstance) -> bool:
    for run in instance.get_runs(dg.RunsFilter(job_name="ingest_drop")):
        if instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_START):
            return True
    return False


def test_a_drop_whose_ingestion_was_killed_is_ingested_again(data_dir: Path, tmp_path: Path) -> None:
    drop = _big_drop(tmp_path / "incoming" / "big.csv")
    with dg.DagsterInstance.get() as instance:
        _kill_during_ingestion(instance, drop, tmp_path / "isco-run.log")
        [drop_id] = instance.get_dynamic_partitions(drops_partitions.name)
        assert instance.get_materialized_partitions(RAW) == set(), "killed before it stored the drop"
        [killed] = instance.get_runs(dg.RunsFilter(job_name="ingest_drop"))
        assert killed.status == dg.DagsterRunStatus.STARTED, "nothing marked the killed run"
        assert drop_states(instance).lost == [drop_id]

        landing = LandingZoneResource(local_dir=str(data_dir / "landing"))
        defs = build_definitions(str(data_dir), "", landing)
        # job_posts fails naming the drop, and blocks the assets after it, rather than leave its rows out
        union = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[POSTS, dg.AssetKey("translated_posts")], raise_on_error=False)
        assert not union.success and drop_id in failure_message(union) and "never stored" in failure_message(union)
        assert instance.get_latest_materialization_event(dg.AssetKey("translated_posts")) is None

        # the landing sensor runs it again, under a new run key
        settings = PlatformSettings(data_dir=str(data_dir), config_file="")
        with dg.build_sensor_context(instance=instance, resources={"settings": settings, "landing_zone": landing},
                                     cursor=None) as context:
            result = landing_zone_sensor(context)
        assert [(r.partition_key, r.run_key) for r in result.run_requests] == [(drop_id, f"{drop_id}#run2")]

        # the next isco-run marks the dead run failed and ingests the drop again, with no file given
        zone = LocalLandingZone(data_dir / "landing")
        assert ingest_drops(defs, instance, zone, load_config(None).partners, []) == []
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.get_materialized_partitions(RAW) == {drop_id}
        assert defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[POSTS]).success
        metadata = instance.get_latest_materialization_event(POSTS).asset_materialization.metadata
        assert metadata["rows_in"].value == ROWS and metadata["drops"].value == 1


def test_files_with_one_name_from_two_folders_both_land(data_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "posts.csv", tmp_path / "b" / "posts.csv"
    for path, title in ((first, "Nurse"), (second, "Cook")):
        path.parent.mkdir()
        path.write_text(f"job_title\n{title}\n")
    zone = LocalLandingZone(data_dir / "landing")
    generic = load_config(None).partners[GENERIC]
    ids = land_files(zone, [first, second, first], generic)
    assert len(set(ids)) == 2 and ids[0] == ids[2], "the same file given twice is one drop"
    landed = {f.name: zone.read(f.key).decode() for f in zone.list_files(generic.folder)}
    assert landed == {"posts.csv": "job_title\nNurse\n", "posts (2).csv": "job_title\nCook\n"}
    assert land_files(zone, [first, second], generic) == ids[:2], "landing them again changes nothing"


def test_isco_run_ingests_both_of_two_names_that_normalise_alike(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "drop 1.csv").write_text("job_title\nNurse\n")
    (tmp_path / "drop_1.csv").write_text("job_title\nCook\n")
    zone = LocalLandingZone(data_dir / "landing")
    defs = build_definitions(str(data_dir), "", LandingZoneResource(local_dir=str(data_dir / "landing")))
    with dg.instance_for_test() as instance:
        partners = load_config(None).partners
        ids = land_files(zone, [tmp_path / "drop 1.csv", tmp_path / "drop_1.csv"], partners[GENERIC])
        assert ingest_drops(defs, instance, zone, partners, ids) == []
        assert instance.get_materialized_partitions(RAW) == set(ids) and len(set(ids)) == 2
        assert defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[POSTS]).success
        metadata = instance.get_latest_materialization_event(POSTS).asset_materialization.metadata
        assert metadata["drops"].value == 2 and metadata["superseded_drops"].value == []
