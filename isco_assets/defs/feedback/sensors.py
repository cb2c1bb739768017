"""The feedback sensor: one partition and one run of ``expert_feedback`` per new file in the feedback folder."""

import dagster as dg

from isco_assets.defs.feedback.assets import expert_feedback, feedback_files
from isco_assets.lib.feedback.feedback import feedback_spec
from isco_assets.lib.ingest.landing import scan
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.settings import PlatformSettings

expert_feedback_job = dg.define_asset_job(
    "apply_expert_feedback",
    selection=[expert_feedback],
    partitions_def=feedback_files,
    description="Read, validate and log the decisions of one expert feedback file.",
)


@dg.sensor(
    job=expert_feedback_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Lists the landing zone's feedback folder (local folder or Azure Blob container) and registers "
    "each new reviewed workbook as a partition of 'feedback_files' with its run; the run key is the file id "
    "(name and content hash), so a file is applied once and a rejected file is not retried. The cursor keeps the "
    "newest last-modified time and recent names, like the landing-zone sensor's.",
)
def feedback_sensor(
    context: dg.SensorEvaluationContext, settings: PlatformSettings, landing_zone: LandingZoneResource
) -> dg.SensorResult:
    spec = feedback_spec(settings.config.feedback)
    known = context.instance.get_dynamic_partitions(feedback_files.name)
    with landing_zone.open() as zone:
        found = scan(zone, {spec.name: spec}, known, context.cursor, landing_zone.max_new_drops_per_tick)
    for key, same in found.redelivered:
        context.log.info(f"{key}: same content as feedback file {same}, already applied")
    new = [f.drop_id for f in found.new]
    if new:
        context.log.info(f"{len(new)} new feedback files: {new[:20]}")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=f, run_key=f) for f in new],
        dynamic_partitions_requests=[feedback_files.build_add_request(new)] if new else [],
        cursor=found.cursor,
    )
