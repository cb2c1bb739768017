"""The generic spider: schema.org JobPosting from JSON-LD and microdata, on any board the registry names.

It starts from the site's sitemaps (sitemap indexes and robots.txt ``Sitemap:`` lines included) and listing
pages, follows ``rel="next"`` pagination and the links the site's patterns allow, and extracts every
JobPosting of every page it reaches. The site's limits become Scrapy settings before the crawl starts.

    scrapy crawl jobposting -a site=NAME [-a days=2025-03-01..2025-03-07]   # days: default yesterday (UTC)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import SitemapSpider

from scrapers.jobscrapers.items import JobPosting
from scrapers.jobscrapers.jobposting import DayRange, Hints, embedded_postings, normalize, page_context
from scrapers.jobscrapers.sites import Site, SiteRegistryError, load_registry

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)
NEXT_PAGE = (
    '//a[contains(concat(" ", normalize-space(@rel), " "), " next ")]/@href'
    ' | //link[contains(concat(" ", normalize-space(@rel), " "), " next ")]/@href'
)


class JobPostingSpider(SitemapSpider):
    name = "jobposting"

    def __init__(self, site: Site, days: DayRange, **kwargs: Any):
        self.site, self.days = site, days
        self.allowed_domains = list(site.allowed_domains)
        self.sitemap_urls = list(site.sitemaps)
        self.sitemap_rules = [(pattern, "parse") for pattern in site.item_links] or [("", "parse")]
        super().__init__(**kwargs)
        self.hints = Hints(country=site.country, language=site.language)
        patterns = [*site.item_links, *site.follow_links]
        self.links = LinkExtractor(allow=patterns) if patterns else None  # off-site links: OffsiteMiddleware

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, site: str = "", days: str = "", **kwargs: Any) -> Self:
        try:
            board, day_range = cls._configure(crawler, site, days)
        except ValueError as exc:  # the registry's and -a days' errors: their message is all a person needs
            _report_in_one_line(exc)
            raise
        return super().from_crawler(crawler, *args, site=board, days=day_range, **kwargs)

    @classmethod
    def _configure(cls, crawler: Crawler, site: str, days: str) -> tuple[Site, DayRange]:
        """The site's registry entry and the days to crawl; the registry's identity and limits become settings."""
        registry = load_registry(crawler.settings.get("JOBSCRAPERS_SITES") or None)
        board = registry.site(site)
        if board.spider != cls.name:
            raise SiteRegistryError(f"site {site!r} is crawled by the {board.spider!r} spider, not {cls.name!r}")
        for name, value in {
            "USER_AGENT": registry.crawler.user_agent,
            "ROBOTSTXT_USER_AGENT": registry.crawler.robots_name,
            "DEPTH_LIMIT": board.limits.max_depth,
            "CLOSESPIDER_ITEMCOUNT": board.limits.max_items,
            "JOBSCRAPERS_MAX_PAGES": board.limits.max_pages,
        }.items():
            crawler.settings.set(name, value, priority="spider")  # -s on the command line still wins
        if not days:
            yesterday = datetime.now(UTC).date() - timedelta(days=1)
            return board, DayRange(yesterday, yesterday)
        try:
            return board, DayRange.parse(days)
        except ValueError as exc:
            raise ValueError(f"-a days={days}: {exc} (give YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)") from exc

    async def start(self) -> AsyncIterator[Any]:
        async for request in super().start():  # the sitemaps
            yield request
        for url in self.site.start_urls:
            yield Request(url, callback=self.parse)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[JobPosting | Request]:
        if not isinstance(response, TextResponse):
            return
        page = page_context(response.selector.root, response.url)
        postings = self.raw_postings(response)
        self.crawler.stats.inc_value("jobscrapers/postings_found", len(postings))
        for raw in postings:
            yield normalize(raw, page, self.hints)
        links = response.xpath(NEXT_PAGE).getall()
        if self.links:
            links += [link.url for link in self.links.extract_links(response)]
        yield from response.follow_all(links, callback=self.parse)

    def raw_postings(self, response: TextResponse) -> list[dict[str, Any]]:
        """The page's JobPostings as schema.org-shaped dicts."""
        found = embedded_postings(response.selector.root, response.url)
        if found.malformed_jsonld:
            self.crawler.stats.inc_value("jobscrapers/malformed_jsonld", found.malformed_jsonld)
        return found.postings


def _report_in_one_line(error: ValueError) -> None:
    """Log ``error`` as one line, and keep asyncio from logging it again under a traceback of Scrapy's insides.

    Scrapy lets an error of ``from_crawler`` escape from its crawl task (``scrapy crawl`` exits 1), and asyncio
    reports it as "Task exception was never retrieved" with the traceback, burying the line that matters.
    """
    logger.error(str(error))
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # not under asyncio: Scrapy's own report stands
        return
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if context.get("exception") is error:
            return
        if previous:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
