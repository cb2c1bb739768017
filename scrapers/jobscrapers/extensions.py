"""The crawl's stats as a JSON file, for whoever ran the crawl in a subprocess (the Dagster asset)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


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
