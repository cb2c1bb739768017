"""The spider for boards without markup: the site's CSS/XPath selectors, one per schema.org property.

It crawls like the generic spider; only the extraction differs. The registry's ``selectors`` map
property names (``title``, ``description``, ``datePosted``, ...) to selectors, evaluated inside each
element ``posting`` selects (default: the whole page), on the pages the ``links.items`` patterns
match (default: every page). The values go through the same normalization as JSON-LD.

    scrapy crawl selectors -a site=NAME [-a days=2025-03-01..2025-03-07]
"""

from __future__ import annotations

import re
from typing import Any

from parsel import Selector, SelectorList
from scrapy.http import TextResponse

from scrapers.jobscrapers.sites import FieldSelector, Site
from scrapers.jobscrapers.spiders.jobposting import JobPostingSpider


class SelectorSpider(JobPostingSpider):
    name = "selectors"

    def __init__(self, site: Site, **kwargs: Any):
        super().__init__(site=site, **kwargs)
        self.item_pages = [re.compile(p) for p in site.item_links]
        self.fields = {prop: s for prop, s in site.selectors.items() if prop != "posting"}

    def raw_postings(self, response: TextResponse) -> list[dict[str, Any]]:
        if self.item_pages and not any(p.search(response.url) for p in self.item_pages):
            return []
        container = self.site.selectors.get("posting")
        scopes = _select(response.selector, container) if container else [response.selector]
        postings = []
        for scope in scopes:
            values = {prop: [v for v in _select(scope, s).getall() if v.strip()] for prop, s in self.fields.items()}
            postings.append({"@type": "JobPosting", **{prop: v for prop, v in values.items() if v}})
        return postings


def _select(scope: Selector, selector: FieldSelector) -> SelectorList[Selector]:
    return scope.xpath(selector.xpath) if selector.xpath else scope.css(selector.css)
