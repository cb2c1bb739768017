"""The crawler as a resource: which site registry, the HTTP cache for development, Scrapy overrides."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

from scrapers.jobscrapers.jobposting import DayRange
from scrapers.jobscrapers.runner import CrawlResult, run_crawl
from scrapers.jobscrapers.sites import SiteRegistry, load_registry

KILL_GRACE_S = 300  # a crawl normally stops itself at max_crawl_seconds; it is killed this much later


class JobBoardScraper(dg.ConfigurableResource):
    """Runs the Scrapy project (``scrapers/``) in a subprocess, for one site and a range of days.

    ``sites_file``: the site registry (empty: the file ``ISCO_SCRAPE_SITES`` names, else
    ``scrapers/sites.yaml``; ``registry_path`` decides, for ``scrapy crawl`` too). ``http_cache``: replay
    pages from ``$ISCO_DATA_DIR/cache/scrapy`` (development only).
    ``settings``: Scrapy settings that override the project's (``DOWNLOAD_DELAY``, ``AUTOTHROTTLE_*``, ...).
    """

    sites_file: str = ""
    http_cache: bool = False
    max_crawl_seconds: int = 3600
    settings: dict[str, str] = Field(default_factory=dict)

    def registry(self) -> SiteRegistry:
        return load_registry(self.sites_file or None)

    def crawl(self, site: str, days: DayRange, work_dir: Path, cache_dir: Path) -> CrawlResult:
        registry = self.registry()
        overrides = {"CLOSESPIDER_TIMEOUT": str(self.max_crawl_seconds)}
        if self.http_cache:
            overrides |= {"HTTPCACHE_ENABLED": "True", "HTTPCACHE_DIR": str(cache_dir)}
        return run_crawl(
            registry.site(site), days, work_dir, registry.source, {**overrides, **self.settings},
            timeout_s=self.max_crawl_seconds + KILL_GRACE_S,
        )

