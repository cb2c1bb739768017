"""Ingest: partner drops into validated rows (raw_job_posts, quarantined_rows) and the deduplicated union.

A bad drop fails its own partition, never the others. ``raw_job_posts`` runs many drops in one run
(``BackfillPolicy.single_run()``: a backfill over thousands of drops is one run, not thousands), and
Dagster 1.13 turns an ``Output`` of a ranged run into a materialization of *every* partition in the
range, so a run that returned the good drops would also mark the bad ones materialized. Instead the
asset stores each good drop's tables itself (through the Parquet IO manager's ``store``, where
``load_input`` finds them) and reports one ``AssetMaterialization`` per good drop, with that drop's
counts; each bad drop gets an ``AssetObservation`` with ``status: rejected`` and the reason. At the
end, if any drop was rejected, the step raises ``dg.Failure(allow_retries=False)`` naming them. The
backfill daemon counts a ranged run's partitions that have a materialization as done and the rest
as failed, so a backfill shows exactly the bad drops failed and the good ones landed; a sensor run
(one drop) fails only when its drop is bad.

A rejected drop is not retried: the sensor registers each drop id once (its partition) with
``run_key=drop_id``, ``allow_retries=False`` bypasses op retry policies, and the production
``dagster.yaml`` retries runs only after infrastructure failures (``retry_on_asset_or_op_failure: false``).
Re-running it is a deliberate backfill, after the partner or the registry was fixed.
"""

from collections.abc import Iterator

import dagster as dg
import pandas as pd

from isco_assets.defs.ingest.drop_states import drop_states
from isco_assets.defs.metadata import preview, table_metadata, timed
from isco_assets.defs.partitions import EAGER_PAST_MISSING_PARTITIONS, drops_partitions
from isco_assets.lib.ingest.drops import DropError, read_drop
from isco_assets.lib.ingest.landing import current_versions, open_drop
from isco_assets.lib.prepare.language import LanguageDetector
from isco_assets.lib.prepare.posts import masked_drop, union_posts
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.parquet_io import ParquetIOManager
from isco_assets.resources.settings import PlatformSettings

GROUP = "ingest"
RAW = dg.AssetKey("raw_job_posts")
QUARANTINE = dg.AssetKey("quarantined_rows")


@dg.multi_asset(
    outs={
        "raw_job_posts": dg.AssetOut(
            group_name=GROUP, is_required=False,
            description="Rows of each partner drop that passed validation, mapped to the canonical columns "
            "(job_title, job_desc, post_id, company, country, language, posted_at, url), with the content hash of "
            "each post as delivered and e-mails, phone numbers and personal URLs masked (once per drop, so a new "
            "drop never re-masks the ones before). One partition per drop; a bad drop fails its own partition "
            "(observation 'rejected' with the reason), never the others.",
        ),
        "quarantined_rows": dg.AssetOut(
            group_name=GROUP, is_required=False,
            description="Rows of each drop that failed validation, with the reason and the raw row (for CVs only "
            "the columns the pipeline reads, masked).",
        ),
    },
    partitions_def=drops_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[
        dg.AssetCheckSpec(
            "rows_reconcile", asset="raw_job_posts",
            description="Accepted plus quarantined rows equal the rows read and the records physically in the "
            "file (its non-blank lines less multi-line values' continuation lines, JSON objects, Parquet rows), "
            "for every drop of the run.",
        )
    ],
)
def raw_job_posts(
    context: dg.AssetExecutionContext, settings: PlatformSettings, landing_zone: LandingZoneResource,
    io_manager: dg.ResourceParam[ParquetIOManager],
) -> Iterator[dg.AssetMaterialization | dg.AssetObservation | dg.AssetCheckResult]:
    partners = settings.config.partners
    counts: dict[str, dict[str, int]] = {}
    rejected: dict[str, str] = {}
    with landing_zone.open() as zone:
        for drop_id in context.partition_keys:
            with timed() as t:
                try:
                    partner, file, data = open_drop(zone, partners, drop_id)
                    result = read_drop(data, file.name, partner, drop_id)
                except DropError as exc:
                    rejected[drop_id] = str(exc)
                    context.log.error(f"drop {drop_id} rejected: {exc}")
                    yield dg.AssetObservation(RAW, partition=drop_id,
                                              metadata={"status": "rejected", "reason": str(exc)})
                    continue
                accepted = masked_drop(result.accepted)
                io_manager.store(RAW, accepted, drop_id)
                io_manager.store(QUARANTINE, result.quarantined, drop_id)
            counts[drop_id] = {
                "rows_read": result.rows_read, "accepted": len(accepted), "quarantined": len(result.quarantined),
                "records_in_file": result.records_in_file, "lines_in_file": result.lines_in_file,
            }
            context.log.info(f"drop {drop_id}: {counts[drop_id]}")
            reasons = result.quarantined["reason"].str.replace(r":.*", "", regex=True).value_counts().to_dict()
            yield dg.AssetMaterialization(RAW, partition=drop_id, metadata={
                **table_metadata(accepted, ["job_title", "company", "country", "language"]),
                **counts[drop_id], "source": zone.url(file.key), "bytes": file.size, "seconds": t["seconds"],
            })
            yield dg.AssetMaterialization(QUARANTINE, partition=drop_id, metadata={
                "dagster/row_count": len(result.quarantined), "reasons": dg.MetadataValue.json(reasons),
                "preview": preview(result.quarantined, ["row_number", "reason"]),
            })
    broken = {d: c for d, c in counts.items()
              if not c["accepted"] + c["quarantined"] == c["rows_read"] == c["records_in_file"]}
    yield dg.AssetCheckResult(
        check_name="rows_reconcile", asset_key=RAW, passed=not broken,
        metadata={"drops_checked": len(counts), "mismatched": dg.MetadataValue.json(broken)},
    )
    if rejected:
        raise dg.Failure(
            description=f"{len(rejected)} of {len(context.partition_keys)} drops rejected (the others were stored): "
            + "; ".join(f"{d}: {reason}" for d, reason in rejected.items()),
            metadata={"rejected": dg.MetadataValue.json(rejected), "stored": dg.MetadataValue.json(sorted(counts))},
            allow_retries=False,
        )


@dg.asset(
    group_name=GROUP,
    ins={"raw_job_posts": dg.AssetIn(partition_mapping=dg.AllPartitionMapping())},
    automation_condition=EAGER_PAST_MISSING_PARTITIONS,
    description="All accepted posts of all drops (of a changed file only its latest version, unless its partner "
    "says changed_files: add), personal data masked at ingestion: exact duplicates removed by content hash, language "
    "detected among the configured languages (cached by text). Updates once after a backfill, not per drop. Fails, "
    "naming them, while a registered drop whose ingestion died is not stored yet (the sensor ingests it again).",
)
def job_posts(context: dg.AssetExecutionContext, settings: PlatformSettings, raw_job_posts: pd.DataFrame):
    with timed() as t:
        states = drop_states(context.instance)
        if states.lost:
            raise dg.Failure(
                description=f"{len(states.lost)} registered drops were never stored (their ingestion run died or "
                f"failed): {', '.join(states.lost[:20])}. The landing sensor and isco-run ingest them again; or "
                "re-run them as a backfill of raw_job_posts. job_posts waits for them rather than leave rows out.",
                metadata={"lost_drops": dg.MetadataValue.json(states.lost)},
            )
        pending = states.running + states.unstarted
        if pending:
            context.log.warning(f"{len(pending)} drops not ingested yet, left out until they are: {pending[:20]}")
        current = current_versions(states.stored, settings.config.partners)
        superseded = sorted(set(states.stored) - current)
        if len(raw_job_posts):
            raw_job_posts = raw_job_posts[raw_job_posts["drop_id"].isin(current)]
        detector = LanguageDetector(settings.config.languages, cache_root=settings.layout.language_cache)
        posts, stats = union_posts(raw_job_posts, detector)
    context.log.info(f"{stats.rows_in:,} rows, {stats.duplicates_removed:,} duplicates removed, "
                     f"{len(superseded)} superseded drop versions left out")
    return dg.MaterializeResult(
        value=posts,
        metadata=table_metadata(
            posts, ["post_id", "job_title", "language", "language_confidence", "country"],
            rows_in=stats.rows_in, duplicates_removed=stats.duplicates_removed, drops=len(current),
            superseded_drops=dg.MetadataValue.json(superseded), pending_drops=dg.MetadataValue.json(pending),
            languages=dg.MetadataValue.json(posts["language"].value_counts().to_dict()), seconds=t["seconds"],
        ),
    )


@dg.asset_check(asset=job_posts, description="The union holds at least one post.")
def job_posts_not_empty(job_posts: pd.DataFrame) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=len(job_posts) > 0, metadata={"rows": len(job_posts)})
