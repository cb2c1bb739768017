"""Smoke test: the Dagster webserver loads the code location and the UI sees every asset, check, sensor and job."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 120.0

EXPECTED_ASSETS = {
    "raw_job_posts",
    "quarantined_rows",
    "job_posts",
    "translated_posts",
    "clean_posts",
    "post_embeddings",
    "isco_index",
    "isco_codes",
    "job_clusters",
    "cluster_assignments",
    "cluster_names",
    "novel_occupation_candidates",
}
EXPECTED_CHECKS = {
    "rows_reconcile",
    "job_posts_not_empty",
    "every_post_coded",
    "review_share_acceptable",
    "candidates_not_covered",
}
EXPECTED_SENSORS = {"landing_zone_sensor"}
EXPECTED_JOBS = {"ingest_drop", "pipeline"}

WORKSPACE_QUERY = """
query {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message }
        }
      }
    }
    ... on PythonError { message }
  }
}
"""

ASSETS_QUERY = """
query {
  assetNodes {
    assetKey { path }
    groupName
    description
    assetChecksOrError {
      __typename
      ... on AssetChecks { checks { name assetKey { path } } }
    }
  }
}
"""

REPOSITORIES_QUERY = """
query {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection {
      nodes { name sensors { name } jobs { name } }
    }
    ... on PythonError { message }
  }
}
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server's whole process group: SIGTERM, then SIGKILL after ~15 s."""
    if proc.poll() is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # reap stragglers (e.g. the code server) in the group
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def _graphql(base_url: str, query: str) -> dict[str, Any]:
    response = requests.post(f"{base_url}/graphql", json={"query": query}, timeout=30)
    response.raise_for_status()
    payload = response.json()
    assert not payload.get("errors"), payload["errors"]
    return payload["data"]


@pytest.fixture
def webserver(data_dir: Path, tmp_path: Path) -> Iterator[str]:
    home = Path(os.environ["DAGSTER_HOME"])
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "webserver.log"
    env = {**os.environ, "ISCO_DATA_DIR": str(data_dir), "DAGSTER_HOME": str(home)}
    cmd = [sys.executable, "-m", "dagster_webserver", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)]

    def output() -> str:
        return log_path.read_text(errors="replace")[-6000:]

    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"webserver exited with code {proc.returncode}:\n{output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"webserver not ready after {STARTUP_TIMEOUT_S:.0f} s:\n{output()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{base_url}/server_info", timeout=2).ok:
                    break
            time.sleep(0.5)
        # /server_info can answer before the code location finishes loading: wait for LOADED too.
        while True:
            data = _graphql(base_url, WORKSPACE_QUERY)["workspaceOrError"]
            entries = data.get("locationEntries") or []
            if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"code location never finished loading ({data}):\n{output()}")
            time.sleep(0.5)
        yield base_url
    finally:
        _stop(proc)


@pytest.mark.slow
def test_webserver_sees_definitions(webserver: str) -> None:
    workspace = _graphql(webserver, WORKSPACE_QUERY)["workspaceOrError"]
    assert workspace["__typename"] == "Workspace", workspace
    entries = workspace["locationEntries"]
    assert entries, "no code locations in the workspace"
    for entry in entries:
        location = entry["locationOrLoadError"]
        assert location is not None, entry
        assert location["__typename"] == "RepositoryLocation", (
            f"location {entry['name']} failed to load: {location.get('message')}"
        )

    nodes = _graphql(webserver, ASSETS_QUERY)["assetNodes"]
    by_key = {"/".join(node["assetKey"]["path"]): node for node in nodes}
    missing = EXPECTED_ASSETS - by_key.keys()
    assert not missing, f"assets missing from the UI: {sorted(missing)}"
    for key in sorted(EXPECTED_ASSETS):
        node = by_key[key]
        assert node["description"], f"{key} has no description"
        assert node["groupName"], f"{key} has no group"

    checks: dict[str, str] = {}
    for key, node in by_key.items():
        result = node["assetChecksOrError"]
        assert result["__typename"] == "AssetChecks", f"{key}: {result}"
        for check in result["checks"]:
            checks[check["name"]] = "/".join(check["assetKey"]["path"])
            assert checks[check["name"]] == key
    missing_checks = EXPECTED_CHECKS - checks.keys()
    assert not missing_checks, f"asset checks missing from the UI: {sorted(missing_checks)} (found {checks})"
    assert checks["rows_reconcile"] == "raw_job_posts"

    repositories = _graphql(webserver, REPOSITORIES_QUERY)["repositoriesOrError"]
    assert repositories["__typename"] == "RepositoryConnection", repositories
    sensors = {sensor["name"] for repo in repositories["nodes"] for sensor in repo["sensors"]}
    jobs = {job["name"] for repo in repositories["nodes"] for job in repo["jobs"]}
    assert sensors >= EXPECTED_SENSORS, f"sensors missing: {sorted(EXPECTED_SENSORS - sensors)}"
    assert jobs >= EXPECTED_JOBS, f"jobs missing: {sorted(EXPECTED_JOBS - jobs)}"
