"""Run monitoring on the embedded default: a run whose worker died is failed by the daemon and frees its slot.

The slow test kills the daemon, its code server and both run workers at once (what a killed ``dagster dev``
or a restarted machine does), so nobody is left to report the runs: with only a worker killed, its live code
server fails the run itself. A fresh daemon must then fail both runs through the project's dagster.yaml
(PidCheckingRunLauncher, run_monitoring) and launch the run that queued behind them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import psutil
import pytest
import yaml
from dagster import DagsterEventType, DagsterInstance, DagsterRunStatus
from dagster._cli.job import _create_run
from dagster._core.events import EngineEventData
from dagster._core.launcher import WorkerStatus
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

from isco_assets.run_launcher import HOST_TAG, PidCheckingRunLauncher, _alive

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DAEMON = Path(sys.executable).parent / "dagster-daemon"

LOCATION = """
import time

import dagster as dg


@dg.asset
def sleepy() -> None:
    time.sleep(300)  # killed with the daemon long before


@dg.asset
def quick() -> None:
    pass


defs = dg.Definitions(
    assets=[sleepy, quick],
    jobs=[dg.define_asset_job("sleepy_job", [sleepy]), dg.define_asset_job("quick_job", [quick])],
    executor=dg.in_process_executor,  # one process per run: the worker is the only process to kill
)
"""

WORKSPACE = """
load_from:
  - python_file:
      relative_path: location.py
      location_name: monitored
"""


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A DAGSTER_HOME with the project's dagster.yaml, polled every second instead of every 30 s."""
    settings = yaml.safe_load((PROJECT_ROOT / "dagster.yaml").read_text())
    settings["run_monitoring"]["poll_interval_seconds"] = 1
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings))
    (tmp_path / "location.py").write_text(LOCATION)
    (tmp_path / "workspace.yaml").write_text(WORKSPACE)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def daemons(tmp_path: Path, home: Path) -> Iterator[Callable[[], psutil.Process]]:
    """Starts ``dagster-daemon run`` processes; kills each and everything under it at teardown."""
    started: list[psutil.Process] = []

    def start() -> psutil.Process:
        log = (tmp_path / f"daemon-{len(started)}.log").open("w")
        process = subprocess.Popen([str(DAEMON), "run", "-w", "workspace.yaml"], cwd=tmp_path, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        started.append(psutil.Process(process.pid))
        return started[-1]

    yield start
    for daemon in started:
        kill_tree(daemon)


def kill_tree(daemon: psutil.Process) -> None:
    """SIGKILL a daemon, then its code servers, then their run workers: no survivor can report the others."""
    try:
        tree = [daemon, *daemon.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for process in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    wait_for(lambda: all(gone(p.pid) for p in tree), 10, "the killed processes to exit")


def gone(pid: int) -> bool:
    """No process ``pid``, or only its zombie (an orphan nobody reaps in a container without an init)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.5)


def submit(instance: DagsterInstance, workspace_yaml: Path, jobs: list[str]) -> list[str]:
    """Queue one run per job name, in order, the way `dagster job launch` does; return their run ids."""
    with WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[str(workspace_yaml)])) as process:
        workspace = process.create_request_context()
        location = workspace.get_code_location("monitored")
        repo = next(iter(location.get_repositories().values()))
        run_ids = []
        for job in jobs:
            run = _create_run(instance=instance, code_location=location, remote_repo=repo,
                              remote_job=repo.get_full_job(job), run_config={}, tags=None, op_selection=None,
                              run_id=None)
            run_ids.append(instance.submit_run(run.run_id, workspace).run_id)
        return run_ids


def worker_pid(instance: DagsterInstance, run_id: str) -> int | None:
    started = [e for e in instance.all_logs(run_id, of_type=DagsterEventType.ENGINE_EVENT)
               if e.message.startswith("Started process for run (pid:")]
    return int(started[0].dagster_event.engine_event_data.metadata["pid"].value) if started else None


def status(instance: DagsterInstance, run_id: str) -> DagsterRunStatus:
    return instance.get_run_by_id(run_id).status


def failure_message(instance: DagsterInstance, run_id: str) -> str:
    return instance.all_logs(run_id, of_type=DagsterEventType.RUN_FAILURE)[-1].message


@pytest.mark.slow
def test_dead_runs_fail_and_the_queue_moves(tmp_path: Path, home: Path, daemons) -> None:
    instance = DagsterInstance.from_config(str(home))
    assert isinstance(instance.run_launcher, PidCheckingRunLauncher)
    assert instance.run_monitoring_enabled and instance.run_monitoring_max_resume_run_attempts == 0

    first = daemons()
    sleepers = submit(instance, tmp_path / "workspace.yaml", ["sleepy_job", "sleepy_job"])
    [behind] = submit(instance, tmp_path / "workspace.yaml", ["quick_job"])  # created last: dequeued last
    # the launcher tags the host once launch_run returns, which a loaded machine may let the worker outrun
    wait_for(lambda: all(status(instance, r) == DagsterRunStatus.STARTED and worker_pid(instance, r)
                         and instance.get_run_by_id(r).tags.get(HOST_TAG) == socket.gethostname()
                         for r in sleepers), 90, "both sleeping runs to start, tagged with this host")
    assert status(instance, behind) == DagsterRunStatus.QUEUED  # max_concurrent_runs: 2

    pids = [worker_pid(instance, r) for r in sleepers]
    assert all(p in {c.pid for c in first.children(recursive=True)} for p in pids)
    kill_tree(first)
    assert [status(instance, r) for r in sleepers] == [DagsterRunStatus.STARTED] * 2  # stuck, as in the issue

    daemons()
    wait_for(lambda: all(status(instance, r) == DagsterRunStatus.FAILURE for r in sleepers), 30,
             "run monitoring to fail both dead runs")
    for run_id, pid in zip(sleepers, pids, strict=True):
        assert f"Run worker process {pid} is gone" in failure_message(instance, run_id)
    wait_for(lambda: status(instance, behind) == DagsterRunStatus.SUCCESS, 40, "the queued run to succeed")


@dg.op
def noop() -> None:
    pass


@dg.job
def noop_job() -> None:
    noop()


def test_worker_health_from_the_recorded_pid(tmp_path: Path) -> None:
    """RUNNING while the recorded worker lives or when there is nothing to check here, FAILED once it is gone."""
    (tmp_path / "dagster.yaml").write_text((PROJECT_ROOT / "dagster.yaml").read_text())
    instance = DagsterInstance.from_config(str(tmp_path))
    launcher = instance.run_launcher
    assert isinstance(launcher, PidCheckingRunLauncher) and launcher.supports_check_run_worker_health

    def health(pid: int | None, host: str = socket.gethostname()) -> WorkerStatus:
        run = instance.create_run_for_job(job_def=noop_job, tags={HOST_TAG: host})
        if pid is not None:
            instance.report_engine_event(f"Started process for run (pid: {pid}).", run,
                                         EngineEventData.in_process(pid))
        return launcher.check_run_worker_health(run).status

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert health(None) == WorkerStatus.RUNNING  # no pid yet: run monitoring fails a run on UNKNOWN
    assert health(os.getpid()) == WorkerStatus.RUNNING
    assert health(dead.pid) == WorkerStatus.FAILED
    assert health(dead.pid, host="elsewhere") == WorkerStatus.RUNNING  # another host's pid is not ours to judge
    assert not _alive(os.getpid(), started_by=time.time() - 3600)  # born after its event: a reused pid
