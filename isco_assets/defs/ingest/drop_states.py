"""Where each registered drop stands, so that a drop whose ingestion died is ingested again, never skipped.

A drop is registered (a partition of ``drops``) before a run reads it, and its rows count once its run
has reported it materialized. A run killed in between (SIGKILL, a lost machine, out of memory) leaves
the drop registered with no stored table: Dagster marks the run failed (run monitoring, or ``isco-run``
for the in-process runs it started, tagged with its host and pid), and the drop is then *lost*:
the landing sensor and ``isco-run`` ingest it again, and ``job_posts`` fails naming it until then.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

import dagster as dg
from dagster._core.storage.dagster_run import NOT_FINISHED_STATUSES
from dagster._core.storage.partition_status_cache import AssetPartitionStatus

from isco_assets.defs.partitions import drops_partitions

RAW = dg.AssetKey("raw_job_posts")
RUNNER_TAG = "isco/runner"  # "<host>:<pid>:<token>" of the isco-run process that runs an ingestion in-process
PARTITION_TAG = "dagster/partition"
_TOKEN = uuid.uuid4().hex[:12]  # tells this process from an earlier one that had the same pid


@dataclass(frozen=True)
class DropStates:
    """Registered drops by state, each in registration order."""

    stored: list[str]  # materialized: its tables hold its rows
    rejected: list[str]  # a run read it and rejected it with a reason (an observation 'rejected')
    running: list[str]  # a live run will store or reject it
    lost: list[str]  # the run that had it ended or died without storing or rejecting it
    unstarted: list[str]  # registered, and no run has had it yet


def drop_states(instance: dg.DagsterInstance) -> DropStates:
    registered = instance.get_dynamic_partitions(drops_partitions.name)
    materialized = instance.get_materialized_partitions(RAW)
    rest = [d for d in registered if d not in materialized]
    rejected = _rejected(instance, rest)
    status = (instance.get_status_by_partition(RAW, rest, drops_partitions) or {}) if rest else {}
    dead = {run.tags.get(PARTITION_TAG) for run in dead_runner_runs(instance)}
    states: dict[str, list[str]] = {"running": [], "lost": [], "unstarted": []}
    for drop_id in rest:
        if drop_id in rejected:
            continue
        state = status.get(drop_id)
        if state == AssetPartitionStatus.IN_PROGRESS and drop_id not in dead:
            states["running"].append(drop_id)
        elif state is None:
            states["unstarted"].append(drop_id)
        else:
            states["lost"].append(drop_id)
    return DropStates(stored=[d for d in registered if d in materialized],
                      rejected=[d for d in rest if d in rejected], **states)


def _rejected(instance: dg.DagsterInstance, drop_ids: list[str]) -> set[str]:
    """The drops a run rejected: only rejections are observed on raw_job_posts."""
    found: set[str] = set()
    cursor = None
    while drop_ids:
        page = instance.fetch_observations(
            dg.AssetRecordsFilter(asset_key=RAW, asset_partitions=drop_ids), limit=1000, cursor=cursor
        )
        for record in page.records:
            status = record.asset_observation.metadata.get("status")
            if status is not None and status.value == "rejected":
                found.add(record.partition_key)
        if not page.has_more:
            break
        cursor = page.cursor
    return found


def runner_tag() -> dict[str, str]:
    """The tag of runs this process executes in-process, so a later one can tell when this one died."""
    return {RUNNER_TAG: f"{socket.gethostname()}:{os.getpid()}:{_TOKEN}"}


def dead_runner_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Unfinished runs whose isco-run process, on this host, is gone: nothing will ever finish them."""
    return [run for run in instance.get_runs(dg.RunsFilter(statuses=NOT_FINISHED_STATUSES))
            if RUNNER_TAG in run.tags and _dead(run.tags[RUNNER_TAG])]


def _dead(tag: str) -> bool:
    host, pid, token = [*tag.rsplit(":", 2), "", ""][:3]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return token != _TOKEN
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
