"""Running the graph in-process on the embedded default, for ``isco-run`` and the end-to-end tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd

from isco_assets.defs.ingest.drop_states import RUNNER_TAG, dead_runner_runs, drop_states, runner_tag
from isco_assets.defs.partitions import drops_partitions
from isco_assets.lib.common.layout import DataLayout
from isco_assets.lib.ingest.drops import PartnerSpec
from isco_assets.lib.ingest.landing import LocalLandingZone, identify, scan
from isco_assets.lib.ingest.partners import GENERIC
from isco_assets.resources.environment import config_from_env
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.parquet_io import read_table

QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


@dataclass
class RunOutcome:
    drop_ids: list[str] = field(default_factory=list)
    failed_drops: list[str] = field(default_factory=list)
    candidates: pd.DataFrame | None = None
    posts: int = 0


def land_files(zone: LocalLandingZone, files: Sequence[Path], partner: PartnerSpec) -> list[str]:
    """Copy files into the partner's landing folder, whole or not at all; return their drop ids.

    Two different files with one name (from two folders) land as ``name``, ``name (2)``, ...: the landing
    folder is flat, and a second copy under the same name would overwrite the first.
    """
    ids = []
    landed: dict[str, Path] = {}  # landed name -> the file given for it
    for file in files:
        name = _free_name(file, landed)
        landed[name] = file.resolve()
        key = f"{partner.folder}/{name}"
        if file.resolve() != zone.path(key).resolve():
            zone.write(key, file.read_bytes())
        ids.append(identify(zone, partner, zone.stat(key)))
    return ids


def _free_name(file: Path, landed: dict[str, Path]) -> str:
    stem, dot, suffixes = file.name.partition(".")
    name, n = file.name, 1
    while landed.get(name, file.resolve()) != file.resolve():
        n += 1
        name = f"{stem} ({n}){dot}{suffixes}"
    return name


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    messages = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            data = event.step_failure_data
            user = data.user_failure_data
            messages.append(user.description if user and user.description else data.error.message.strip())
    return "; ".join(messages) or "run failed"


def ingest_drops(
    defs: dg.Definitions, instance: dg.DagsterInstance, zone: LocalLandingZone, partners: Mapping[str, PartnerSpec],
    given: Sequence[str],
) -> list[str]:
    """Register and ingest the given drops, every new drop of the landing zone, and every registered drop
    that is not stored because the run that had it died (or none ever ran); the failures' messages.

    Unfinished runs of an isco-run process that is gone (killed mid-ingestion) are marked failed first."""
    for run in dead_runner_runs(instance):
        instance.report_run_failed(run, f"the isco-run process that ran it ({run.tags[RUNNER_TAG]}) is gone")
    known = set(instance.get_dynamic_partitions(drops_partitions.name))
    found = scan(zone, partners, known, cursor=None)
    todo = list(dict.fromkeys([d.drop_id for d in found.new] + list(given)))
    instance.add_dynamic_partitions(drops_partitions.name, [d for d in todo if d not in known])
    states = drop_states(instance)
    todo = list(dict.fromkeys(states.lost + states.unstarted + todo))
    ingest = defs.resolve_job_def("ingest_drop")
    failures = []
    for drop_id in todo:
        result = ingest.execute_in_process(
            instance=instance, partition_key=drop_id, raise_on_error=False, run_config=QUIET, tags=runner_tag()
        )
        if not result.success:
            failures.append(failure_message(result))
    return failures


def run_pipeline(
    layout: DataLayout, files: Sequence[Path], config_file: str = "", instance: dg.DagsterInstance | None = None,
) -> RunOutcome:
    """Land ``files`` as partner ``generic``, ingest them with every drop of the local landing zone not stored
    yet (new, or left by a run that died), then run the rest."""
    from isco_assets.definitions import build_definitions

    instance = instance or dg.DagsterInstance.get()
    defs = build_definitions(str(layout.root), config_file, LandingZoneResource(local_dir=str(layout.landing)))
    partners = config_from_env(config_file or "").partners
    zone = LocalLandingZone(layout.landing)
    outcome = RunOutcome(drop_ids=land_files(zone, files, partners[GENERIC]))
    outcome.failed_drops = ingest_drops(defs, instance, zone, partners, outcome.drop_ids)
    result = defs.resolve_job_def("pipeline").execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET
    )
    if not result.success:
        outcome.failed_drops.append(f"pipeline: {failure_message(result)}")
        return outcome
    outcome.candidates = read_table(layout.table("novel_occupation_candidates"))
    outcome.posts = len(read_table(layout.table("isco_codes")))
    return outcome
