"""Ingest: partner drops into validated rows (raw_job_posts, quarantined_rows) and the deduplicated union."""


import dagster as dg
import pandas as pd

from isco_assets.defs.metadata import table_metadata, timed
from isco_assets.defs.partitions import drops_partitions
from isco_assets.lib.drops import DropError, DropReadResult, read_drop
from isco_assets.lib.landing import find_drop
from isco_assets.lib.language import LanguageDetector
from isco_assets.lib.posts import union_posts
from isco_assets.resources.settings import PlatformSettings

GROUP = "ingest"


def read_partner_drop(settings: PlatformSettings, drop_id: str) -> DropReadResult:
    drop = find_drop(settings.layout.landing, drop_id)
    partner = settings.config.partner(drop.partner)
    return read_drop(drop.path.read_bytes(), drop.path.name, partner, drop_id)


@dg.multi_asset(
    outs={
        "raw_job_posts": dg.AssetOut(
            group_name=GROUP,
            description="Rows of each partner drop that passed validation, mapped to the canonical columns "
            "(job_title, job_desc, post_id, company, country, language, posted_at, url).",
        ),
        "quarantined_rows": dg.AssetOut(
            group_name=GROUP,
            description="Rows of each drop that failed validation, with the reason and the raw row.",
        ),
    },
    partitions_def=drops_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    check_specs=[
        dg.AssetCheckSpec(
            "rows_reconcile", asset="raw_job_posts",
            description="Accepted plus quarantined rows equal the rows read, for every drop.",
        )
    ],
)
def raw_job_posts(context: dg.AssetExecutionContext, settings: PlatformSettings):
    accepted: dict[str, pd.DataFrame] = {}
    quarantined: dict[str, pd.DataFrame] = {}
    counts: dict[str, dict[str, int]] = {}
    failures: list[str] = []
    with timed() as t:
        for drop_id in context.partition_keys:
            try:
                result = read_partner_drop(settings, drop_id)
            except (DropError, FileNotFoundError) as exc:
                failures.append(f"{drop_id}: {exc}")
                context.log.error(f"drop {drop_id} rejected: {exc}")
                continue
            accepted[drop_id], quarantined[drop_id] = result.accepted, result.quarantined
            counts[drop_id] = {
                "rows_read": result.rows_read, "accepted": len(result.accepted), "quarantined": len(result.quarantined)
            }
            context.log.info(f"drop {drop_id}: {counts[drop_id]}")
    if failures:
        raise dg.Failure(description="; ".join(failures), metadata={"drops_ok": list(counts)})
    all_accepted = pd.concat(accepted.values(), ignore_index=True)
    all_quarantined = pd.concat(quarantined.values(), ignore_index=True)
    totals = {k: sum(c[k] for c in counts.values()) for k in ("rows_read", "accepted", "quarantined")}
    reasons = all_quarantined["reason"].str.replace(r":.*", "", regex=True).value_counts().to_dict()
    yield dg.Output(
        accepted, output_name="raw_job_posts",
        metadata=table_metadata(all_accepted, ["drop_id", "job_title", "company", "country", "language"],
                                rows_read=totals["rows_read"], quarantined=totals["quarantined"],
                                per_drop=dg.MetadataValue.json(counts), seconds=t["seconds"]),
    )
    yield dg.Output(
        quarantined, output_name="quarantined_rows",
        metadata=table_metadata(all_quarantined, ["drop_id", "row_number", "reason"],
                                reasons=dg.MetadataValue.json(reasons)),
    )
    broken = {d: c for d, c in counts.items() if c["accepted"] + c["quarantined"] != c["rows_read"]}
    yield dg.AssetCheckResult(
        check_name="rows_reconcile", asset_key="raw_job_posts", passed=not broken,
        metadata={"drops_checked": len(counts), "mismatched": dg.MetadataValue.json(broken)},
    )


@dg.asset(
    group_name=GROUP,
    ins={"raw_job_posts": dg.AssetIn(partition_mapping=dg.AllPartitionMapping())},
    automation_condition=dg.AutomationCondition.eager(),
    description="All accepted posts of all drops: exact duplicates removed by content hash, e-mails, phone "
    "numbers and personal URLs masked, language detected among the configured languages.",
)
def job_posts(context: dg.AssetExecutionContext, settings: PlatformSettings, raw_job_posts: pd.DataFrame):
    with timed() as t:
        detector = LanguageDetector(settings.config.languages)
        posts, stats = union_posts(raw_job_posts, detector)
    context.log.info(f"{stats.rows_in:,} rows, {stats.duplicates_removed:,} duplicates removed")
    return dg.MaterializeResult(
        value=posts,
        metadata=table_metadata(
            posts, ["post_id", "job_title", "language", "language_confidence", "country"],
            rows_in=stats.rows_in, duplicates_removed=stats.duplicates_removed,
            languages=dg.MetadataValue.json(posts["language"].value_counts().to_dict()), seconds=t["seconds"],
        ),
    )


@dg.asset_check(asset=job_posts, description="The union holds at least one post.")
def job_posts_not_empty(job_posts: pd.DataFrame) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=len(job_posts) > 0, metadata={"rows": len(job_posts)})
