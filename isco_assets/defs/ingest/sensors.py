"""The landing-zone sensor: one dynamic partition and one run per new drop, in one tick; and another run for a
registered drop whose ingestion died (see ``drop_states``)."""

import dagster as dg

from isco_assets.defs.ingest.drop_states import PARTITION_TAG, drop_states
from isco_assets.defs.partitions import drops_partitions
from isco_assets.lib.ingest.drops import parse_drop_id
from isco_assets.lib.ingest.landing import scan
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.settings import PlatformSettings

# runs of one drop, the first included, before a drop whose runs keep dying is left to an operator (job_posts
# fails naming it meanwhile): a file that kills every run that reads it must not take the daemon down for good
MAX_INGEST_ATTEMPTS = 3

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
    description="Lists every partner's folder of the landing zone (local folder or Azure Blob container, paged) "
    "and, in one tick, registers each new drop as a partition of 'drops' and requests its run. The cursor keeps "
    "the newest last-modified time and the recently seen names per partner, so a file is hashed once; a re-sent "
    "identical file is not a new drop, a changed one is. At most max_new_drops_per_tick files are hashed per tick. "
    f"A registered drop whose run died before storing it is run again (at most {MAX_INGEST_ATTEMPTS} runs a drop).",
)
def landing_zone_sensor(
    context: dg.SensorEvaluationContext, settings: PlatformSettings, landing_zone: LandingZoneResource
) -> dg.SensorResult:
    known = context.instance.get_dynamic_partitions(drops_partitions.name)
    with landing_zone.open() as zone:
        found = scan(zone, settings.config.partners, known, context.cursor, landing_zone.max_new_drops_per_tick)
    for key, same in found.redelivered:
        context.log.info(f"{key}: same content as drop {same}, not a new drop")
    if found.new:
        context.log.info(f"{len(found.new)} new drops: {[d.drop_id for d in found.new[:20]]}")
    if found.more:
        context.log.info("more files wait; the next tick goes on from the cursor")
    new = [d.drop_id for d in found.new]
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(partition_key=d.drop_id, run_key=d.drop_id, tags={"isco/partner": d.partner})
            for d in found.new
        ] + _runs_again(context),
        dynamic_partitions_requests=[drops_partitions.build_add_request(new)] if new else [],
        cursor=found.cursor,
    )


def _runs_again(context: dg.SensorEvaluationContext) -> list[dg.RunRequest]:
    """A run for each registered drop whose run died or failed before storing or rejecting it."""
    requests = []
    for drop_id in drop_states(context.instance).lost:
        runs = context.instance.get_runs_count(dg.RunsFilter(tags={PARTITION_TAG: drop_id}))
        if runs >= MAX_INGEST_ATTEMPTS:
            context.log.error(f"drop {drop_id}: {runs} runs ended without storing it; not run again")
            continue
        context.log.warning(f"drop {drop_id}: its run ended without storing it; running it again")
        requests.append(dg.RunRequest(partition_key=drop_id, run_key=f"{drop_id}#run{runs + 1}",
                                      tags={"isco/partner": parse_drop_id(drop_id)[0]}))
    return requests
