"""Item pipelines: validate, drop duplicates across the crawl, and write one JSONL file per site and day.

Every dropped posting is counted with its reason under ``jobscrapers/dropped/<reason>`` in the crawl's stats.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem

from isco_assets.lib.common.storage import atomic_write
from scrapers.jobscrapers.items import JobPosting
from scrapers.jobscrapers.jobposting import filing_day
from scrapers.jobscrapers.runner import OUTSIDE_DAYS, UNDATED_PAST

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from scrapers.jobscrapers.spiders.jobposting import JobPostingSpider


class _Pipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @property
    def spider(self) -> JobPostingSpider:
        return self.crawler.spider  # type: ignore[return-value]

    def drop(self, reason: str) -> DropItem:
        self.crawler.stats.inc_value(f"jobscrapers/dropped/{reason}")
        return DropItem(reason, log_level="INFO")


class ValidationPipeline(_Pipeline):
    """A posting needs a title."""

    def process_item(self, item: JobPosting) -> JobPosting:
        if not item.title:
            raise self.drop("missing title")
        return item


class DeduplicationPipeline(_Pipeline):
    """The same posting seen again (same identifier, or same canonical URL and title) is dropped."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.seen: set[str] = set()

    def process_item(self, item: JobPosting) -> JobPosting:
        if item.dedupe_key in self.seen:
            raise self.drop("duplicate")
        self.seen.add(item.dedupe_key)
        return item


class LandingWriterPipeline(_Pipeline):
    """Files each posting under its day of the crawl's range and, when the spider closes, writes
    ``JOBSCRAPERS_OUTPUT/<site>/<YYYY-MM-DD>.jsonl`` for every day with postings, sorted (the same postings
    make the same file), each file at once (a reader never sees half of one). At most
    ``CLOSESPIDER_ITEMCOUNT`` postings are written."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self.output = Path(crawler.settings["JOBSCRAPERS_OUTPUT"])
        self.max_items = crawler.settings.getint("CLOSESPIDER_ITEMCOUNT")
        self.today = datetime.now(UTC).date()
        self.rows: dict[date, list[dict[str, Any]]] = defaultdict(list)
        self.count = 0

    def process_item(self, item: JobPosting) -> JobPosting:
        day = filing_day(item.date_posted, self.spider.days, self.today)
        if day is None:
            raise self.drop(UNDATED_PAST if not item.date_posted else OUTSIDE_DAYS)
        if self.max_items and self.count >= self.max_items:
            raise self.drop("over max_items")
        self.count += 1
        self.rows[day].append(item.landing_row(self.spider.site.name))
        return item

    def close_spider(self) -> None:
        folder = self.output / self.spider.site.name
        for day, rows in sorted(self.rows.items()):
            rows.sort(key=lambda r: (r["post_id"], r["url"]))
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            atomic_write(folder / f"{day.isoformat()}.jsonl",
                         lambda path, text=text: path.write_text(text, encoding="utf-8"))
            self.crawler.stats.set_value(f"jobscrapers/items/{day.isoformat()}", len(rows))
