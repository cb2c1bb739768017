"""The landing-zone sensor: one dynamic partition and one run per new drop file."""


import json

import dagster as dg

from isco_assets.defs.partitions import drops_partitions
from isco_assets.lib.landing import drop_for, iter_drop_files
from isco_assets.resources.settings import PlatformSettings

ingest_drop_job = dg.define_asset_job(
    "ingest_drop",
    selection=dg.AssetSelection.assets("raw_job_posts", "quarantined_rows"),
    partitions_def=drops_partitions,
    description="Read, validate and quarantine one partner drop.",
)


@dg.sensor(
    job=ingest_drop_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches $ISCO_DATA_DIR/landing/<partner>/ and registers each new file as a drop partition "
    "with its run, in one tick. The cursor remembers file size and mtime so unchanged files are not re-hashed.",
)
def landing_zone_sensor(context: dg.SensorEvaluationContext, settings: PlatformSettings) -> dg.SensorResult:
    landing = settings.layout.landing
    seen: dict[str, list] = json.loads(context.cursor) if context.cursor else {}
    known = set(context.instance.get_dynamic_partitions(drops_partitions.name))
    new: list[str] = []
    for partner, path in iter_drop_files(landing):
        key = str(path.relative_to(landing))
        stat = path.stat()
        cached = seen.get(key)
        if cached and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
            drop_id = cached[2]
        else:
            drop_id = drop_for(partner, path).drop_id
            seen[key] = [stat.st_mtime_ns, stat.st_size, drop_id]
        if drop_id not in known and drop_id not in new:
            new.append(drop_id)
    if new:
        context.log.info(f"new drops: {new}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=d, run_key=d) for d in new],
        dynamic_partitions_requests=[drops_partitions.build_add_request(new)] if new else [],
        cursor=json.dumps(seen, sort_keys=True),
    )
