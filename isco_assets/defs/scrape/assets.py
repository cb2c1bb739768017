"""Scrape: crawls of public job boards, landed as drops so that ingestion treats them like partner drops.

``scraped_job_posts`` is partitioned by day and site (the sites of the registry, ``scrapers/sites.yaml``).
A run crawls each of its sites once, for all of its days: the daily schedule asks for yesterday, one run
per site, and a backfill over past days of a site (for boards that still list older posts) is one run and
one crawl per site (``BackfillPolicy.single_run()``), not one per day. The crawl files every posting under
its ``datePosted`` day, writes ``<partner folder>/<YYYY-MM-DD>.jsonl`` through the landing-zone resource
(local folder or Azure Blob), and reports one materialization per (day, site), with the crawl's stats.

Ingestion: the landing-zone sensor finds each new file like any partner drop, registers its drop
partition and requests its ``ingest_drop`` run; ``job_posts`` follows by declarative automation. The asset
does not register the partition itself, since the sensor skips registered drops and would then never
request their run. A re-crawl of a day that changed writes a new version of the day's file, which replaces
the earlier one in ``job_posts`` (``changed_files: replace``); an unchanged one is the same drop again.
Each site needs an entry of the same name in the partner registry (``{}`` is enough; the file has the
canonical columns): a site without one fails before any request is sent.
"""

import tempfile
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg

from isco_assets.defs.scrape.resources import JobBoardScraper
from isco_assets.lib.ingest.drops import PartnerSpec
from isco_assets.lib.ingest.landing import identify
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.settings import PlatformSettings
from scrapers.jobscrapers.jobposting import DayRange
from scrapers.jobscrapers.runner import CrawlError, CrawlResult, describe, kept_none
from scrapers.jobscrapers.sites import SiteRegistryError

GROUP = "scrape"
ASSET = dg.AssetKey("scraped_job_posts")
CHECK = "crawl_found_postings"
HISTORY = 30  # earlier materializations of a site that the check looks at


def scrape_definitions(scraper: JobBoardScraper | None = None) -> dg.Definitions:
    """The asset, its job and daily schedule, for the sites of the scraper's registry."""
    resource = scraper or JobBoardScraper()
    registry = resource.registry()
    partitions = dg.MultiPartitionsDefinition({
        "date": dg.DailyPartitionsDefinition(start_date=registry.start_date.isoformat()),
        "site": dg.StaticPartitionsDefinition(sorted(registry.sites)),
    })

    @dg.asset(
        key=ASSET, group_name=GROUP, partitions_def=partitions, kinds={"scrapy"}, output_required=False,
        backfill_policy=dg.BackfillPolicy.single_run(),
        check_specs=[dg.AssetCheckSpec(
            CHECK, asset=ASSET,
            description="Warns when a crawl found no JobPosting at all on a site where earlier crawls found some "
            "(the board changed its markup or layout, or blocks us).",
        )],
        description="Job posts of public job boards, crawled politely (robots.txt, AutoThrottle, an identifying "
        "User-Agent) from schema.org JobPosting markup or per-site selectors. One partition per day and site; "
        "the day's postings land as <site>/<YYYY-MM-DD>.jsonl in the landing zone, which the landing-zone "
        "sensor ingests into raw_job_posts like a partner drop. Metadata: pages, postings found, items, dropped "
        "items by reason, robots-denied requests, HTTP and download errors, duration; a crawl that found postings "
        "and kept none logs a warning.",
    )
    def scraped_job_posts(
        context: dg.AssetExecutionContext, settings: PlatformSettings, landing_zone: LandingZoneResource,
        scraper: JobBoardScraper,
    ) -> Iterator[dg.AssetMaterialization | dg.AssetCheckResult]:
        yield from _scrape(context, partitions, settings, landing_zone, scraper)

    job = dg.define_asset_job(
        "scrape_job_boards", selection=[scraped_job_posts], partitions_def=partitions,
        description="Crawl job boards for the postings of a day (or, backfilled, a range of days) and land them.",
    )
    schedule = dg.build_schedule_from_partitioned_job(
        job, hour_of_day=3, default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Every day at 03:00 UTC: one crawl per site for yesterday's postings. Off until switched on in "
        "the UI: a crawl of public sites waits for real sites and a contact address (scrapers/README.md).",
    )
    return dg.Definitions(assets=[scraped_job_posts], jobs=[job], schedules=[schedule], resources={"scraper": resource})


def _scrape(
    context: dg.AssetExecutionContext, partitions: dg.MultiPartitionsDefinition, settings: PlatformSettings,
    landing_zone: LandingZoneResource, scraper: JobBoardScraper,
) -> Iterator[dg.AssetMaterialization | dg.AssetCheckResult]:
    days_by_site: dict[str, list[date]] = {}
    for key in context.partition_keys:
        dims = partitions.get_partition_key_from_str(key).keys_by_dimension
        days_by_site.setdefault(dims["site"], []).append(date.fromisoformat(dims["date"]))
    partners = settings.config.partners
    crawled: dict[str, dict[str, int]] = {}
    failed: dict[str, str] = {}
    for site, days in sorted(days_by_site.items()):
        partner = partners.get(site)
        if partner is None:
            failed[site] = (f"site {site!r} is not in the partner registry, so raw_job_posts could not read what it "
                            f"lands: add `{site}: {{}}` under partners in the settings file (ISCO_CONFIG)")
            continue
        before = _most_postings_before(context, partitions, site)
        crawl_days = DayRange(min(days), max(days))
        try:
            with tempfile.TemporaryDirectory(prefix=f"scrape-{site}-") as work:
                result = scraper.crawl(site, crawl_days, Path(work), settings.layout.scrape_cache)
                landed = _land(landing_zone, partner, result)
        except (CrawlError, SiteRegistryError) as exc:
            failed[site] = str(exc)
            continue
        summary = result.summary
        context.log.info(f"{site} {crawl_days}: {summary}")
        report = f"{site}: " + describe(summary, crawl_days, "backfill the days they were posted")
        (context.log.warning if kept_none(summary) else context.log.info)(report)
        for day in days:
            file = landed.get(day.isoformat(), {})
            yield dg.AssetMaterialization(
                ASSET, partition=dg.MultiPartitionKey({"date": day.isoformat(), "site": site}),
                metadata={"dagster/row_count": file.get("items", 0), "items": file.get("items", 0),
                          "landing": file.get("landing", ""), "drop_id": file.get("drop_id", ""),
                          "crawl_days": str(crawl_days), "crawl_report": report, **_crawl_metadata(summary)},
            )
        crawled[site] = {"postings_found": summary["postings_found"], "most_postings_before": before}
    if crawled:
        flagged = sorted(s for s, c in crawled.items() if c["postings_found"] == 0 and c["most_postings_before"] > 0)
        yield dg.AssetCheckResult(
            check_name=CHECK, asset_key=ASSET, passed=not flagged, severity=dg.AssetCheckSeverity.WARN,
            metadata={"sites": dg.MetadataValue.json(crawled), "flagged": dg.MetadataValue.json(flagged)},
        )
    if failed:
        for site, reason in failed.items():
            context.log.error(f"{site}: {reason}")
        raise dg.Failure(
            description=f"{len(failed)} of {len(days_by_site)} sites not crawled: "
            + "; ".join(f"{site}: {reason.splitlines()[0]}" for site, reason in failed.items()),
            metadata={"failed": dg.MetadataValue.json(failed)},
        )


def _land(landing_zone: LandingZoneResource, partner: PartnerSpec, result: CrawlResult) -> dict[str, dict[str, Any]]:
    """Each day's file into the partner's folder of the landing zone: {day: landing, drop_id, items}."""
    landed = {}
    with landing_zone.open() as zone:
        for day, path in result.files.items():
            file = zone.write(f"{partner.folder}/{day}.jsonl", path.read_bytes())
            landed[day] = {"landing": zone.url(file.key), "drop_id": identify(zone, partner, file),
                           "items": result.stats.get(f"jobscrapers/items/{day}", 0)}
    return landed


def _most_postings_before(
    context: dg.AssetExecutionContext, partitions: dg.MultiPartitionsDefinition, site: str
) -> int:
    """The most postings any of the site's last HISTORY crawls found."""
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=ASSET,
                              asset_partitions=partitions.get_multipartition_keys_with_dimension_value("site", site)),
        limit=HISTORY,
    ).records
    found = [r.asset_materialization.metadata.get("postings_found") for r in records if r.asset_materialization]
    return max((int(v.value) for v in found if v is not None), default=0)


def _crawl_metadata(summary: Mapping[str, Any]) -> dict[str, Any]:
    return {
        ("crawl_items" if name == "items" else name): dg.MetadataValue.json(value) if isinstance(value, dict) else value
        for name, value in summary.items()
    }
