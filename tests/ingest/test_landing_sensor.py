"""The landing zone, end to end through the sensor, on both backends: the local folder and Azure Blob
Storage (Azurite on 127.0.0.1, through dagster-azure's AzureBlobStorageResource).

A tick is evaluated as the daemon evaluates it; what the daemon then does with the result (register the
partitions, launch the runs) is done here in-process, so the rows can be followed into ``job_posts``.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from isco_assets.definitions import build_definitions
from isco_assets.defs.ingest.sensors import landing_zone_sensor
from isco_assets.defs.partitions import drops_partitions
from isco_assets.lib.ingest.drops import content_hash, parse_drop_id
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.parquet_io import read_table
from isco_assets.resources.settings import PlatformSettings

RAW, QUARANTINE, POSTS = dg.AssetKey("raw_job_posts"), dg.AssetKey("quarantined_rows"), dg.AssetKey("job_posts")
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"

REGISTRY = """
partners:
  portal_cvs:
    kind: cvs
    prefix: portal/cvs
    format: jsonl
    columns: {job_title: current_title, job_desc: experience, country: market}
    country_languages: {MY: ms, BR: pt}
  strict:
    max_bytes: 200
"""


class Platform:
    """One Dagster instance, the code location's definitions, and the moves of the sensor daemon."""

    def __init__(self, instance: dg.DagsterInstance, data_dir: Path, landing: LandingZoneResource, config: str):
        self.instance, self.data_dir, self.landing = instance, data_dir, landing
        self.settings = PlatformSettings(data_dir=str(data_dir), config_file=config)
        self.defs = build_definitions(str(data_dir), config, landing)
        self.cursor: str | None = None

    def put(self, key: str, data: bytes | str) -> None:
        with self.landing.open() as zone:
            zone.write(key, data.encode() if isinstance(data, str) else data)

    def tick(self) -> list[str]:
        """Evaluate the sensor once, check its result, register its partitions; the requested drop ids."""
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor,
            resources={"settings": self.settings, "landing_zone": self.landing},
        ) as context:
            result = landing_zone_sensor(context)
        requested = [r.partition_key for r in result.run_requests]
        added = [k for r in result.dynamic_partitions_requests or [] for k in r.partition_keys]
        assert requested == added, "every new partition has its run, and every run its partition"
        assert all(r.run_key == r.partition_key for r in result.run_requests)
        self.instance.add_dynamic_partitions(drops_partitions.name, added)
        self.cursor = result.cursor
        return requested

    def ingest(self, *drop_ids: str) -> dg.ExecuteInProcessResult:
        """One run over the drops: a sensor run for one drop, a single-run backfill's run for several."""
        job = self.defs.resolve_job_def("ingest_drop")
        if len(drop_ids) == 1:
            return job.execute_in_process(instance=self.instance, partition_key=drop_ids[0], raise_on_error=False)
        keys = self.instance.get_dynamic_partitions(drops_partitions.name)
        assert [k for k in keys if k in drop_ids] == list(drop_ids) and keys.index(drop_ids[-1]) - keys.index(
            drop_ids[0]) == len(drop_ids) - 1, "a range of registered drops"
        return job.execute_in_process(
            instance=self.instance, tags={RANGE_START: drop_ids[0], RANGE_END: drop_ids[-1]}, raise_on_error=False
        )

    def job_posts(self) -> pd.DataFrame:
        result = self.defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=self.instance, asset_selection=[POSTS]
        )
        assert result.success
        return read_table(self.data_dir / "tables" / "job_posts.parquet")

    def materialized(self) -> set[str]:
        return set(self.instance.get_materialized_partitions(RAW))

    def drop_metadata(self, drop_id: str) -> dict:
        records = self.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=RAW, asset_partitions=[drop_id]), limit=1
        ).records
        assert records, f"{drop_id} not materialized"
        return {k: v.value for k, v in records[0].asset_materialization.metadata.items()}


@pytest.fixture
def platform(data_dir: Path, landing: LandingZoneResource, tmp_path: Path) -> Iterator[Platform]:
    (tmp_path / "platform.yaml").write_text("partners: partners.yaml\n")
    (tmp_path / "partners.yaml").write_text(REGISTRY)
    (tmp_path / "instance").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "instance")) as instance:
        yield Platform(instance, data_dir, landing, str(tmp_path / "platform.yaml"))


def test_new_drops_go_from_one_tick_to_job_posts(platform: Platform) -> None:
    platform.put("generic/a.csv", "job_title,company\nNurse,Clinic\n,Nobody\nCook,Diner\n")
    platform.put("generic/b.jsonl.gz", gzip.compress(b'{"job_title": "Welder", "country": "BR"}\n'))
    platform.put("generic/.partial.csv", "job_title\nIgnored\n")  # being written: hidden name
    platform.put("generic/archive/old.csv", "job_title\nIgnored\n")  # sub-folders are not drops
    platform.put("elsewhere/x.csv", "job_title\nIgnored\n")  # not a partner's folder

    new = platform.tick()
    assert len(new) == 2 and all(parse_drop_id(d)[0] == "generic" for d in new)
    assert {parse_drop_id(d)[1] for d in new} == {"a.csv", "b.jsonl.gz"}
    assert platform.tick() == [], "a second tick in a row finds nothing new"

    for drop_id in new:
        assert platform.ingest(drop_id).success
    assert platform.materialized() == set(new)
    a = next(d for d in new if "a.csv" in d)
    meta = platform.drop_metadata(a)
    assert (meta["rows_read"], meta["accepted"], meta["quarantined"]) == (3, 2, 1)
    assert meta["source"].endswith("generic/a.csv")
    check = platform.instance.get_latest_asset_check_evaluation_record(
        dg.AssetCheckKey(RAW, "rows_reconcile")
    )
    assert check is not None and check.event.asset_check_evaluation.passed

    posts = platform.job_posts()
    assert sorted(posts["job_title"]) == ["Cook", "Nurse", "Welder"]
    assert set(posts["drop_id"]) == set(new)


def test_redelivered_file_is_not_counted_twice_and_a_changed_file_is_a_new_version(platform: Platform) -> None:
    first = "job_title\nNurse\nCook\n"
    platform.put("generic/posts.csv", first)
    [v1] = platform.tick()
    assert platform.ingest(v1).success

    platform.put("generic/posts.csv", first)  # the same file again: new upload time, same content
    platform.put("generic/posts-resent.csv", first)  # the same content under another name
    assert platform.tick() == []

    platform.put("generic/posts.csv", first + "Midwife\n")  # changed under the same name
    [v2] = platform.tick()
    assert v2 != v1 and parse_drop_id(v2)[:2] == parse_drop_id(v1)[:2]
    assert platform.ingest(v2).success
    assert platform.materialized() == {v1, v2}

    posts = platform.job_posts()  # the latest version replaces the earlier one
    assert sorted(posts["job_title"]) == ["Cook", "Midwife", "Nurse"] and set(posts["drop_id"]) == {v2}
    event = platform.instance.get_latest_materialization_event(POSTS)
    assert event.asset_materialization.metadata["superseded_drops"].value == [v1]

    # v1's file is gone: re-running it fails clearly instead of reading v2's content
    failed = platform.ingest(v1)
    assert not failed.success and "changed since it was registered" in _failure(failed)


def test_bad_files_fail_their_own_partitions_and_the_good_ones_land(platform: Platform) -> None:
    platform.put("generic/good.csv", "job_title\nNurse\nCook\n")
    platform.put("generic/broken.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    platform.put("generic/empty.csv", "job_title,company\n")
    platform.put("generic/untitled.csv", "title,company\nCook,Diner\n")
    platform.put("strict/huge.csv", "job_title\n" + "Plumber\n" * 100)  # 810 bytes, limit 200
    platform.put("generic/good2.jsonl", '{"job_title": "Baker"}\n')
    drops = platform.tick()
    assert len(drops) == 6
    by_name = {parse_drop_id(d)[1]: d for d in drops}
    before = dg.evaluate_automation_conditions(defs=platform.defs, instance=platform.instance)

    # one run over every drop, as a single-run backfill runs them
    result = platform.ingest(*drops)
    assert not result.success
    assert platform.materialized() == {by_name["good.csv"], by_name["good2.jsonl"]}
    message = _failure(result)
    assert "4 of 6 drops rejected" in message
    assert "broken.csv: looks like a binary file" in message
    assert "empty.csv: no data rows" in message
    assert "untitled.csv: required column 'job_title' missing" in message
    assert "huge.csv: 810 bytes is over the limit of 200 bytes" in message
    rejected = platform.instance.fetch_observations(
        dg.AssetRecordsFilter(asset_key=RAW, asset_partitions=[by_name["broken.csv"]]), limit=1
    ).records[0].asset_observation.metadata
    assert rejected["status"].value == "rejected" and "binary" in rejected["reason"].value

    # a sensor run of one bad drop fails with the reason; the sensor never requests it again
    alone = platform.ingest(by_name["empty.csv"])
    assert not alone.success and "no data rows" in _failure(alone)
    assert platform.tick() == []
    # the rejected drops stay unmaterialized for good, and job_posts' automation does not wait for them
    automation = dg.evaluate_automation_conditions(defs=platform.defs, instance=platform.instance,
                                                   cursor=before.cursor)
    assert automation.get_requested_partitions(POSTS) == {None}
    assert sorted(platform.job_posts()["job_title"]) == ["Baker", "Cook", "Nurse"]


@pytest.mark.slow
def test_thousands_of_files_page_through_over_ticks(platform: Platform) -> None:
    platform.landing = _copy(platform.landing, list_page_size=300, max_new_drops_per_tick=800)
    with platform.landing.open() as zone, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: zone.write(f"generic/drop-{i:05d}.csv", f"job_title\nTitle {i}\n".encode()),
                      range(2000)))
    per_tick = [platform.tick() for _ in range(4)]
    assert [len(t) for t in per_tick] == [800, 800, 400, 0]
    every = [d for t in per_tick for d in t]
    assert len(set(every)) == 2000
    assert len(platform.instance.get_dynamic_partitions(drops_partitions.name)) == 2000
    assert len(platform.cursor) < 50_000, "the cursor keeps recent names only"


def test_cursor_survives_a_restart(data_dir: Path, landing: LandingZoneResource, tmp_path: Path) -> None:
    home = str(tmp_path / "instance")
    Path(home).mkdir()
    with dg.instance_for_test(temp_dir=home) as instance:
        before = Platform(instance, data_dir, landing, "")
        before.put("generic/a.csv", "job_title\nNurse\n")
        before.put("generic/b.csv", "job_title\nCook\n")
        assert len(before.tick()) == 2
        cursor = before.cursor
    with dg.instance_for_test(temp_dir=home) as instance:  # a new process: new instance, new resources
        after = Platform(instance, data_dir, _copy(landing), "")
        after.cursor = cursor
        assert after.tick() == []
        assert json.loads(after.cursor) == json.loads(cursor)
        after.put("generic/c.csv", "job_title\nBaker\n")
        [c] = after.tick()
        assert parse_drop_id(c)[1] == "c.csv"


PERSONAL = ["Siti Nurhaliza", "siti.ahmad@mail.example", "345 6789", "Jalan Ampang 12", "1990-04-12", "João Silva",
            "joao@mail.example", "Rua Augusta 100", "1985-11-30", "S-778812"]


def test_cv_drop_keeps_no_personal_field_in_any_table(platform: Platform, tmp_path: Path) -> None:
    cvs = [
        {"name": "Siti Nurhaliza", "email": "siti.ahmad@mail.example", "phone": "+60 12-345 6789",
         "address": "Jalan Ampang 12, Kuala Lumpur", "date_of_birth": "1990-04-12", "candidate_id": "S-778812",
         "current_title": "Kerani Akaun", "market": "MY",
         "experience": "Kerani akaun 5 tahun. Hubungi siti.ahmad@mail.example atau +60 12-345 6789."},
        {"name": "João Silva", "email": "joao@mail.example", "address": "Rua Augusta 100", "market": "BR",
         "date_of_birth": "1985-11-30", "current_title": "", "experience": "Motorista"},  # no title: quarantined
    ]
    lines = [json.dumps(c, ensure_ascii=False) for c in cvs]
    lines.append('{"name": "João Silva", "email": "joao@mail.example", broken')  # unparseable: quarantined
    platform.put("portal/cvs/cvs-2024-05.jsonl", "\n".join(lines) + "\n")
    [drop] = platform.tick()
    assert parse_drop_id(drop)[0] == "portal_cvs"
    assert platform.ingest(drop).success
    posts = platform.job_posts()

    [cv] = posts.to_dict("records")
    assert cv["job_title"] == "Kerani Akaun" and cv["country"] == "MY" and cv["language_hint"] == "ms"
    assert "[EMAIL]" in cv["job_desc"] and "[PHONE]" in cv["job_desc"]
    assert cv["company"] == cv["url"] == cv["posted_at"] == "" and cv["post_id"] == f"{drop}:1"
    quarantined = read_table(platform.data_dir / "tables" / "quarantined_rows" / f"{drop}.parquet")
    assert len(quarantined) == 2 and set(quarantined["raw"].map(lambda r: r[:1])) <= {"", "{"}

    tables = "\n".join(read_table(p).astype(str).to_csv() for p in (platform.data_dir / "tables").rglob("*.parquet"))
    events = "\n".join(str(row) for row in _rows(tmp_path / "instance"))
    for value in PERSONAL:
        assert value not in tables, f"{value!r} reached a table"
        assert value not in events, f"{value!r} reached the event log"


def _copy(landing: LandingZoneResource, **changes: object) -> LandingZoneResource:
    fields = ("backend", "local_dir", "container", "blob_storage", "connection_string", "list_page_size",
              "max_new_drops_per_tick")
    return LandingZoneResource(**{**{f: getattr(landing, f) for f in fields}, **changes})


def _rows(folder: Path) -> Iterator[tuple]:
    for db in folder.rglob("*.db"):
        with sqlite3.connect(db) as conn:
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                yield from conn.execute(f'SELECT * FROM "{table}"')


def _failure(result: dg.ExecuteInProcessResult) -> str:
    from isco_assets.runner import failure_message

    return failure_message(result)


def test_names_that_normalise_alike_are_two_files(platform: Platform) -> None:
    platform.put("generic/drop 1.csv", "job_title\nNurse\n")
    platform.put("generic/drop_1.csv", "job_title\nCook\n")
    long_name = "posts " + "x" * 240 + ".csv"
    platform.put(f"generic/{long_name}", "job_title\nBaker\n")  # a 250-character name, over a file name's 255 bytes
    platform.put("generic/june...final.csv", "job_title\nWelder\n")  # "..." is not allowed in a partition key
    drops = platform.tick()
    assert len(drops) == 4 and len({parse_drop_id(d)[1] for d in drops}) == 4
    for drop_id in drops:
        assert platform.ingest(drop_id).success
    assert sorted(platform.job_posts()["job_title"]) == ["Baker", "Cook", "Nurse", "Welder"]

    platform.put("generic/drop 1.csv", "job_title\nNurse\nMidwife\n")  # replaces only its own earlier version
    [v2] = platform.tick()
    assert platform.ingest(v2).success
    posts = platform.job_posts()
    assert sorted(posts["job_title"]) == ["Baker", "Cook", "Midwife", "Nurse", "Welder"]
    assert platform.instance.get_latest_materialization_event(POSTS).asset_materialization.metadata[
        "superseded_drops"].value == [next(d for d in drops if "~" in d and "drop_1" in d)]


def test_a_drop_registered_under_its_old_lossy_id_still_reads(platform: Platform) -> None:
    text = "job_title\nNurse\nCook\n"
    platform.put("generic/May 2024.csv", text)
    legacy = f"generic__May_2024.csv__{content_hash(text.encode())[:10]}"  # ids before names were kept exactly
    platform.instance.add_dynamic_partitions(drops_partitions.name, [legacy])
    assert platform.ingest(legacy).success
    assert platform.tick() == [], "the same content under its exact-name id is not a new drop"
    assert sorted(platform.job_posts()["job_title"]) == ["Cook", "Nurse"]
