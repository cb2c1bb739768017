"""The end of a crawl: what became of its postings, in the log, and its stats as a JSON file for whoever ran
the crawl in a subprocess (the Dagster asset)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

from scrapers.jobscrapers.runner import describe, kept_none, summarize

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from scrapers.jobscrapers.spiders.jobposting import JobPostingSpider

logger = logging.getLogger(__name__)


class StatsFile:
    """Writes every stat (Scrapy's and the pipelines') to ``JOBSCRAPERS_STATS_FILE`` when the spider closes."""

    def __init__(self, crawler: Crawler, path: Path):
        self.crawler, self.path = crawler, path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("JOBSCRAPERS_STATS_FILE")
        if not path:
            raise NotConfigured
        extension = cls(crawler, Path(path))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, reason: str) -> None:
        stats = {**self.crawler.stats.get_stats(), "finish_reason": reason}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(stats, default=str, indent=1, sort_keys=True), encoding="utf-8")


class CrawlReport:
    """Logs one line at the end of every crawl: postings found, kept, and dropped by reason; a warning when it
    found postings and kept none, since such a crawl exits 0 without writing a file (wrong days, say)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self) -> None:
        spider: JobPostingSpider = self.crawler.spider  # type: ignore[assignment]
        summary = summarize(self.crawler.stats.get_stats())
        line = describe(summary, spider.days, "pass -a days=YYYY-MM-DD..YYYY-MM-DD to widen")
        logger.log(logging.WARNING if kept_none(summary) else logging.INFO, line)
