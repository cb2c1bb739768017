"""Downloader middlewares: retries with exponential backoff, and the site's page budget."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries (same settings, same stats), waiting ``RETRY_BACKOFF_BASE * 2**(n-1)`` seconds,
    at most ``RETRY_BACKOFF_MAX``, before the n-th retry of a request, so a struggling site gets room."""

    def __init__(self, settings: BaseSettings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE")
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX")

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        return await self._after_backoff(super().process_response(request, response))

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        return await self._after_backoff(super().process_exception(request, exception))

    async def _after_backoff(self, result: Request | Response | None) -> Request | Response | None:
        if isinstance(result, Request):
            await asyncio.sleep(min(self.backoff_max, self.backoff_base * 2 ** (result.meta["retry_times"] - 1)))
        return result


class PageBudgetMiddleware:
    """Sends at most ``JOBSCRAPERS_MAX_PAGES`` requests (retries included, robots.txt not) and ignores the
    rest, so a site's page limit holds exactly, whatever is in flight."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.budget = crawler.settings.getint("JOBSCRAPERS_MAX_PAGES")
        self.sent = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt") or not self.budget:
            return
        if self.sent >= self.budget:
            self.crawler.stats.inc_value("jobscrapers/max_pages_ignored")
            raise IgnoreRequest(f"page budget of {self.budget} spent")
        self.sent += 1
