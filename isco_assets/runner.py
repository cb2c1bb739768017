"""Running the graph in-process on the embedded default, for ``isco-run`` and the end-to-end tests."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd

from isco_assets.defs.partitions import drops_partitions
from isco_assets.lib.config import load_config
from isco_assets.lib.drops import PartnerSpec
from isco_assets.lib.landing import LocalLandingZone, identify, scan
from isco_assets.lib.layout import DataLayout
from isco_assets.lib.partners import GENERIC
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
    """Copy files into the partner's landing folder; return their drop ids."""
    ids = []
    for file in files:
        key = f"{partner.folder}/{file.name}"
        target = zone.path(key)
        if file.resolve() != target.resolve():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
        ids.append(identify(zone, partner, zone.stat(key)))
    return ids


def failure_message(result: dg.ExecuteInProcessResult) -> str:
    messages = []
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            data = event.step_failure_data
            user = data.user_failure_data
            messages.append(user.description if user and user.description else data.error.message.strip())
    return "; ".join(messages) or "run failed"


def run_pipeline(
    layout: DataLayout, files: Sequence[Path], config_file: str = "", instance: dg.DagsterInstance | None = None,
) -> RunOutcome:
    """Land ``files`` as partner ``generic``, ingest every new drop of the local landing zone (and the
    given ones), then run the rest."""
    from isco_assets.definitions import build_definitions

    instance = instance or dg.DagsterInstance.get()
    defs = build_definitions(str(layout.root), config_file, LandingZoneResource(local_dir=str(layout.landing)))
    partners = load_config(config_file or None).partners
    zone = LocalLandingZone(layout.landing)
    outcome = RunOutcome(drop_ids=land_files(zone, files, partners[GENERIC]))
    known = set(instance.get_dynamic_partitions(drops_partitions.name))
    found = scan(zone, partners, known, cursor=None)
    todo = list(dict.fromkeys([d.drop_id for d in found.new] + outcome.drop_ids))
    instance.add_dynamic_partitions(drops_partitions.name, [d for d in todo if d not in known])
    ingest = defs.resolve_job_def("ingest_drop")
    for drop_id in todo:
        result = ingest.execute_in_process(
            instance=instance, partition_key=drop_id, raise_on_error=False, run_config=QUIET
        )
        if not result.success:
            outcome.failed_drops.append(failure_message(result))
    result = defs.resolve_job_def("pipeline").execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET
    )
    if not result.success:
        outcome.failed_drops.append(f"pipeline: {failure_message(result)}")
        return outcome
    outcome.candidates = read_table(layout.tables / "novel_occupation_candidates.parquet")
    outcome.posts = len(read_table(layout.tables / "isco_codes.parquet"))
    return outcome
