"""A partner drop reaches the novel-occupation candidates through the real daemon, with Dagster's defaults only.

``dagster-daemon run`` on the project's workspace.yaml and dagster.yaml, no sensor or automation toggled on: the
landing sensor (RUNNING by default) ingests the drop, and the project's automation sensor (RUNNING by default, unlike
Dagster's implicit one) updates ``job_posts`` and every eager asset after it up to ``novel_occupation_candidates``.
The drop is in place when the daemon starts, so the landing sensor's first tick finds it; a drop into a running
daemon waits for at most one more 30 s tick, which this test would only spend waiting.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from conftest import PROJECT_ROOT
from test_run_monitoring import failure_message
from test_webserver_smoke import _stop

pytestmark = pytest.mark.slow

DAEMON = Path(sys.executable).parent / "dagster-daemon"
RAW, POSTS = dg.AssetKey("raw_job_posts"), dg.AssetKey("job_posts")
CANDIDATES = dg.AssetKey("novel_occupation_candidates")
# what the candidates are computed from, in order: the first one never materialized is where a drop stalled
LINEAGE = [RAW, POSTS, *map(dg.AssetKey, ["translated_posts", "clean_posts", "post_embeddings", "job_clusters",
                                         "cluster_names", "expert_decisions", "isco_index", "isco_codes"]), CANDIDATES]
DEADLINE_S = 300
ORDINARY = ["Registered Nurse", "Software Developer", "Cook", "Welder", "Truck Driver", "Accountant", "Electrician",
            "Primary School Teacher"]
EMERGING = ["Scrum Master", "Agile Scrum Master", "Blockchain Analyst", "Blockchain Data Analyst"]
DROP = [*(title for title in ORDINARY for _ in range(3)), *(title for title in EMERGING for _ in range(4))]
UNFINISHED = {dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
              dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING}


def _write_drop(data_dir: Path) -> Path:
    """40 posts, each with its own description (no duplicates): rows_in and the row count are both 40."""
    drop = data_dir / "landing" / "generic" / "partner-drop.csv"
    drop.parent.mkdir(parents=True)
    rows = [f'{title},"{title} wanted for our team in branch {i}, full time"' for i, title in enumerate(DROP)]
    drop.write_text("job_title,job_desc\n" + "\n".join(rows) + "\n")
    return drop


@pytest.fixture
def daemon_log(data_dir: Path, tmp_path: Path) -> Iterator[Path]:
    """The drop landed, then ``dagster-daemon run`` in its own session; its process group is killed at teardown."""
    home = data_dir / "dagster_home"
    shutil.copy(PROJECT_ROOT / "dagster.yaml", home / "dagster.yaml")
    _write_drop(data_dir)
    log_path = tmp_path / "daemon.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([str(DAEMON), "run", "-w", "workspace.yaml"], cwd=PROJECT_ROOT,
                                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        yield log_path
    finally:
        _stop(proc)  # the daemon, its code server and any run worker share its process group


def _latest(instance: dg.DagsterInstance, key: dg.AssetKey) -> dg.EventLogEntry | None:
    return instance.get_latest_materialization_event(key)


def _where_it_stalled(instance: dg.DagsterInstance, log_path: Path) -> str:
    runs = []
    for run in reversed(instance.get_runs()):
        line = f"  {run.job_name} {run.status.value} {sorted(k.to_user_string() for k in run.asset_selection or [])}"
        if run.status == dg.DagsterRunStatus.FAILURE:
            line += f": {failure_message(instance, run.run_id)}"
        runs.append(line)
    never = [k.to_user_string() for k in LINEAGE if _latest(instance, k) is None]
    tail = log_path.read_text(errors="replace")[-6000:]
    return ("runs:\n" + ("\n".join(runs) or "  none") + f"\nnever materialized: {never}"
            + f"\ndaemon log tail:\n{tail}")


def test_drop_reaches_candidates_with_defaults(daemon_log: Path, data_dir: Path) -> None:
    landed = (data_dir / "landing" / "generic" / "partner-drop.csv").stat().st_mtime
    start = time.monotonic()
    with dg.DagsterInstance.get() as instance:
        while _latest(instance, CANDIDATES) is None or any(r.status in UNFINISHED for r in instance.get_runs()):
            if time.monotonic() - start > DEADLINE_S:
                pytest.fail(f"no novel_occupation_candidates {DEADLINE_S} s after the daemon started\n"
                            + _where_it_stalled(instance, daemon_log))
            time.sleep(2)

        times = {key.to_user_string(): _latest(instance, key).timestamp - landed for key in (RAW, POSTS, CANDIDATES)}
        print(f"seconds after the drop landed: {times}; all runs done after {time.monotonic() - start:.0f} s")
        posts = _latest(instance, POSTS)
        assert posts.timestamp > landed
        metadata = posts.asset_materialization.metadata
        assert metadata["rows_in"].value == len(DROP)
        assert metadata["dagster/row_count"].value == len(DROP)
        runs = instance.get_runs()
        assert {r.job_name for r in runs} >= {"ingest_drop"}, _where_it_stalled(instance, daemon_log)
        assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs), _where_it_stalled(instance, daemon_log)
