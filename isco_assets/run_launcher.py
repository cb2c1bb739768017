"""A DefaultRunLauncher whose run workers the daemon's run monitoring can check, so a dead run fails.

Dagster's DefaultRunLauncher cannot report on its run workers, so run monitoring only applies timeouts to
STARTED runs: when the code server that spawned a worker dies with it (``dagster dev`` or the daemon killed,
the machine restarted), the run stays STARTED forever and keeps its QueuedRunCoordinator slot. A live code
server notices its own dead workers; this launcher covers the case where nobody is left to notice.
The worker's pid is the one Dagster records in the run's "Started process for run (pid: N)." event.
"""

import json
import socket

import psutil
from dagster import DagsterEventType, DagsterRun, DefaultRunLauncher
from dagster._core.events.log import EventLogEntry
from dagster._core.launcher import CheckRunHealthResult, LaunchRunContext, WorkerStatus
from dagster._core.storage.tags import GRPC_INFO_TAG

HOST_TAG = "isco/run_worker_host"  # hostname of the run's worker: only there can its pid be checked
LOCAL_CODE_SERVERS = {"localhost", "127.0.0.1", "::1"}
CREATE_TIME_SLACK_S = 1.0  # create_time and event timestamps come from different clocks' roundings


class PidCheckingRunLauncher(DefaultRunLauncher):
    """Launches runs like DefaultRunLauncher; reports a worker whose process is gone as FAILED."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def launch_run(self, context: LaunchRunContext) -> None:
        """Launch, then tag the run with this host when its code server (hence its worker) runs here."""
        super().launch_run(context)
        run = self._instance.get_run_by_id(context.dagster_run.run_id)
        grpc_info = json.loads(run.tags.get(GRPC_INFO_TAG, "{}")) if run else {}
        if "socket" in grpc_info or grpc_info.get("host") in LOCAL_CODE_SERVERS:
            self._instance.add_run_tags(context.dagster_run.run_id, {HOST_TAG: socket.gethostname()})

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        """FAILED when the run's worker process is gone; RUNNING when it lives or cannot be checked here.

        Run monitoring fails a run on any status but RUNNING and SUCCESS (UNKNOWN included), so every case
        this launcher cannot judge (a run from elsewhere, another host, no pid yet) answers RUNNING.
        """
        if run.tags.get(HOST_TAG) != socket.gethostname():
            return CheckRunHealthResult(WorkerStatus.RUNNING, "not checked: worker not on this host")
        event = self._worker_started_event(run.run_id)
        if event is None:
            return CheckRunHealthResult(WorkerStatus.RUNNING, "not checked: no run worker pid recorded")
        pid = int(event.dagster_event.engine_event_data.metadata["pid"].value)  # type: ignore[union-attr]
        if _alive(pid, started_by=event.timestamp):
            return CheckRunHealthResult(WorkerStatus.RUNNING, run_worker_id=str(pid))
        return CheckRunHealthResult(
            WorkerStatus.FAILED,
            f"Run worker process {pid} is gone (killed or crashed); nothing would ever finish this run.",
            run_worker_id=str(pid),
        )

    def _worker_started_event(self, run_id: str) -> EventLogEntry | None:
        """The run's first engine event that carries a pid: the worker's "Started process for run"."""
        events = self._instance.event_log_storage.get_logs_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT)
        for event in events:
            data = event.dagster_event.engine_event_data if event.dagster_event else None
            if data is not None and "pid" in data.metadata:
                return event
        return None


def _alive(pid: int, started_by: float) -> bool:
    """Whether process ``pid`` lives and is the one started by ``started_by`` (not a later reuse of the pid)."""
    try:
        process = psutil.Process(pid)
        return (process.status() != psutil.STATUS_ZOMBIE
                and process.create_time() <= started_by + CREATE_TIME_SLACK_S)
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # it exists, under another user
        return True
