"""Feedback: the decision log of every applied expert workbook, and the decisions in force.

``expert_feedback`` has one dynamic partition per file dropped into the landing zone's feedback folder
(the ``feedback_sensor`` registers them). A file with any invalid row fails its partition with every
reason and stores nothing, so nothing of it is applied; ``Failure(allow_retries=False)`` and the sensor's
run key keep it from being retried. The fix is a corrected file, which is a new file.
``expert_decisions`` keeps the latest decision per candidate or post; ``isco_index``, ``isco_codes`` and
``novel_occupation_candidates`` read it.
"""

import dagster as dg
import pandas as pd

from isco_assets.defs.metadata import table_metadata
from isco_assets.defs.partitions import EAGER_OR_FIRST_MISSING
from isco_assets.lib.feedback.feedback import FeedbackError, decisions_in_force, feedback_spec, read_feedback
from isco_assets.lib.ingest.drops import DropError
from isco_assets.lib.ingest.landing import open_drop
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.settings import PlatformSettings

GROUP = "feedback"
FEEDBACK_LOG = dg.AssetKey("expert_feedback")
SHOWN = ["sheet", "row", "decision", "isco_code", "title", "post_id", "post_key", "reviewer", "decided_at"]

feedback_files = dg.DynamicPartitionsDefinition(name="feedback_files")


@dg.asset(
    group_name=GROUP,
    partitions_def=feedback_files,
    description="The decision log: every decision of each expert workbook (or CSV) dropped into the landing "
    "zone's feedback folder, one partition per file, with the file and row, the decision, the target unit group, "
    "the candidate (cluster id, name, example titles, posts at decision time) or post, who decided, when "
    "(decided_at, else the file's arrival) and when the file arrived. A file with any invalid row (unknown or "
    "non-unit-group code, unknown decision, missing target or reviewer, malformed cell) fails with every reason "
    "and none of its decisions is applied.",
)
def expert_feedback(
    context: dg.AssetExecutionContext, settings: PlatformSettings, landing_zone: LandingZoneResource
) -> dg.MaterializeResult:
    file_id = context.partition_key
    spec = feedback_spec(settings.config.feedback)
    with landing_zone.open() as zone:
        try:
            _, file, data = open_drop(zone, {spec.name: spec}, file_id)
            result = read_feedback(data, file.name, file_id, settings.taxonomy, file.modified)
            errors, source = result.errors, zone.url(file.key)
        except (DropError, FeedbackError) as exc:  # the file as a whole is missing, too large or unreadable
            errors = [str(exc)]
    if errors:
        context.log_event(dg.AssetObservation(FEEDBACK_LOG, partition=file_id, metadata={
            "status": "rejected", "reasons": dg.MetadataValue.json(errors)}))
        raise dg.Failure(
            description=f"feedback file {file_id} rejected, nothing of it applied ({len(errors)} problems): "
            + "; ".join(errors),
            metadata={"reasons": dg.MetadataValue.json(errors)},
            allow_retries=False,
        )
    records = result.records
    context.log.info(f"{file_id}: {len(records)} decisions, {result.undecided} rows left undecided")
    return dg.MaterializeResult(
        value={file_id: records},
        metadata=table_metadata(
            records, SHOWN, source=source, undecided_rows=result.undecided,
            decisions=dg.MetadataValue.json(records["decision"].value_counts().to_dict()),
            reviewers=dg.MetadataValue.json(sorted(records["reviewer"].unique())),
        ),
    )


@dg.asset(
    group_name=GROUP,
    ins={"expert_feedback": dg.AssetIn(partition_mapping=dg.AllPartitionMapping())},
    automation_condition=EAGER_OR_FIRST_MISSING,
    description="The expert decisions in force: of every decision in the log, the latest per candidate or post "
    "(by decided_at, then arrival). Accepted and merged titles become index labels, recodes override a post's "
    "code, settled candidates leave the candidate list (rejected ones return when their evidence grows).",
)
def expert_decisions(expert_feedback: pd.DataFrame) -> dg.MaterializeResult:
    decisions = decisions_in_force(expert_feedback)
    return dg.MaterializeResult(
        value=decisions,
        metadata=table_metadata(
            decisions, SHOWN, logged_decisions=len(expert_feedback),
            files=int(decisions["file"].nunique()),
            decisions=dg.MetadataValue.json(decisions["decision"].value_counts().to_dict()),
        ),
    )
