"""Re-processing drops is a Dagster backfill: launched over GraphQL on a running ``dagster dev`` (webserver,
daemon, code server), with drops in Azure Blob Storage (Azurite). Drops run as one run (single-run backfill policy),
``job_posts`` updates once per backfill, and a bad drop fails alone while the good ones of the same run land.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import requests
from conftest import PROJECT_ROOT, free_port
from test_webserver_smoke import WORKSPACE_QUERY, _graphql, _stop

from isco_assets.defs.partitions import drops_partitions
from isco_assets.lib.config import load_config
from isco_assets.lib.ingest.landing import scan
from isco_assets.resources.environment import config_from_env
from isco_assets.resources.landing import landing_zone_resource

pytestmark = pytest.mark.slow
RAW, POSTS = dg.AssetKey("raw_job_posts"), dg.AssetKey("job_posts")
DONE = {"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"}

LAUNCH = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
  }
}
"""
STATUS = """
query($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      status
      runs(limit: 100) { runId status tags { key value } }
      assetBackfillData { assetBackfillStatuses {
        __typename
        ... on AssetPartitionsStatusCounts { assetKey { path } numPartitionsMaterialized numPartitionsFailed }
        ... on UnpartitionedAssetStatus { assetKey { path } materialized }
      } }
    }
    ... on PythonError { message }
  }
}
"""


@pytest.fixture
def landing_env(request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment a deployment sets for Azure Blob Storage (read by definitions.py in every process). Only
    this backend: a backfill reads drops through the same LandingZone interface on either, the local folder's
    reads are held by the sensor and runner tests, and each backfill here costs two minutes of daemon ticks."""
    azurite = request.getfixturevalue("azurite")
    monkeypatch.setenv("ISCO_LANDING_BACKEND", "azure_blob")
    monkeypatch.setenv("ISCO_LANDING_CONTAINER", azurite.new_container())
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string)
    return "azure_blob"


@pytest.fixture
def dagster_dev(landing_env: str, data_dir: Path, tmp_path: Path) -> Iterator[str]:
    home = Path(os.environ["DAGSTER_HOME"])
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    with (home / "dagster.yaml").open("a") as f:
        f.write("auto_materialize:\n  enabled: false\n")  # only the backfills materialize here
    _land_and_register(home)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "dagster-dev.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=PROJECT_ROOT, env=dict(os.environ), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert proc.poll() is None, log_path.read_text(errors="replace")[-4000:]
            assert time.monotonic() < deadline, "dagster dev did not start: " + log_path.read_text()[-4000:]
            with contextlib.suppress(requests.RequestException, AssertionError, KeyError):
                entries = _graphql(base_url, WORKSPACE_QUERY)["workspaceOrError"]["locationEntries"]
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            time.sleep(1)
        yield base_url
    finally:
        _stop(proc)


GOOD = {"g1.csv": "job_title\nNurse\nCook\n", "g2.csv": "job_title\nWelder\n", "g3.jsonl": '{"job_title": "Baker"}\n',
        "g4.csv": "job_title\nPlumber\n"}


def _land_and_register(home: Path) -> None:
    """Four good drops and a bad one, registered as partitions (as the sensor registered them)."""
    landing = landing_zone_resource(config_from_env("").landing, os.environ["ISCO_DATA_DIR"] + "/landing")
    with dg.build_resources({"landing_zone": landing}) as res, res.landing_zone.open() as zone:
        for name, text in GOOD.items():
            zone.write(f"generic/{name}", text.encode())
        zone.write("generic/zz-bad.csv", b"title\nno job_title column\n")
        found = scan(zone, load_config(None).partners, [], None)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.add_dynamic_partitions(drops_partitions.name, sorted(d.drop_id for d in found.new))


def _launch(base_url: str, partitions: list[str], assets: list[str]) -> str:
    params = {"partitionNames": partitions, "assetSelection": [{"path": [a]} for a in assets]}
    launched = _graphql_vars(base_url, LAUNCH, {"params": params})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def _wait(base_url: str, backfill_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 300
    while True:
        backfill = _graphql_vars(base_url, STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        if backfill["status"] in DONE and all(r["status"] in ("SUCCESS", "FAILURE") for r in backfill["runs"]):
            return backfill
        assert time.monotonic() < deadline, f"backfill still {backfill['status']}: {backfill}"
        time.sleep(2)


def _graphql_vars(base_url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = requests.post(f"{base_url}/graphql", json={"query": query, "variables": variables}, timeout=60)
    response.raise_for_status()
    payload = response.json()
    assert not payload.get("errors"), payload["errors"]
    return payload["data"]


def _counts(backfill: dict[str, Any]) -> dict[str, tuple]:
    return {
        "/".join(s["assetKey"]["path"]): (s["numPartitionsMaterialized"], s["numPartitionsFailed"])
        if "numPartitionsFailed" in s else s["materialized"]
        for s in backfill["assetBackfillData"]["assetBackfillStatuses"]
    }


def test_backfill_over_several_drops(dagster_dev: str, data_dir: Path) -> None:
    with dg.DagsterInstance.get() as instance:
        drops = instance.get_dynamic_partitions(drops_partitions.name)
    assert "zz-bad.csv" in drops[4]
    # two backfills at once (the daemon checks every 30 s): three good drops with job_posts, and a good
    # drop with a bad one
    good = _launch(dagster_dev, drops[:3], ["raw_job_posts", "quarantined_rows", "job_posts"])
    mixed = _launch(dagster_dev, drops[3:], ["raw_job_posts", "quarantined_rows"])

    everything = _wait(dagster_dev, good)
    assert everything["status"] == "COMPLETED_SUCCESS"
    assert _counts(everything) == {"raw_job_posts": (3, 0), "quarantined_rows": (3, 0), "job_posts": True}
    assert len(everything["runs"]) == 2, "one run for all the drops, one for job_posts"

    partial = _wait(dagster_dev, mixed)
    assert partial["status"] == "COMPLETED_FAILED"
    assert len(partial["runs"]) == 1 and partial["runs"][0]["status"] == "FAILURE"
    assert _counts(partial) == {"raw_job_posts": (1, 1), "quarantined_rows": (1, 1)}

    with dg.DagsterInstance.get() as instance:
        assert set(instance.get_materialized_partitions(RAW)) == set(drops[:4]), "all but the bad drop landed"
        posts = instance.fetch_materializations(POSTS, limit=10).records
        assert len(posts) == 1, "job_posts updated once for the whole backfill"
        assert posts[0].asset_materialization.metadata["rows_in"].value >= 4
