"""The site registry (``sites.yaml``): who the crawler says it is, and each job board it crawls.

Which file: ``-s JOBSCRAPERS_SITES=PATH`` for one crawl, else the file ``ISCO_SCRAPE_SITES`` names, else
``scrapers/sites.yaml`` (``registry_path``; ``scrapy crawl`` and the Dagster resource alike).

Adding a board is an entry here, no code: where to start (sitemaps, ``robots.txt`` to find them, or
listing pages), which links to follow, hints for what its postings leave out, and limits. Boards with
schema.org ``JobPosting`` markup use the generic ``jobposting`` spider; a board without markup uses the
``selectors`` spider with CSS or XPath selectors per schema.org property.

.. code-block:: yaml

    crawler:
      bot_name: isco-jobscrapers/0.1       # the User-Agent's product token; robots.txt groups match its name
      contact: mailto:data-team@example.org  # required: where a site owner reaches us (in the User-Agent)
      start_date: "2025-01-01"             # the first day partition
    sites:
      empleos-example:                     # letters, digits and "-": a partition key, a partner and a folder
        spider: jobposting                 # jobposting (default) | selectors
        sitemaps: [https://empleos.example.org/robots.txt]   # sitemaps, sitemap indexes, or robots.txt
        start_urls: [https://empleos.example.org/ofertas]    # listing pages
        allowed_domains: [empleos.example.org]               # default: the hosts of the URLs above
        links:
          items: ['/ofertas/\\d+']         # posting pages (also filters sitemap entries)
          follow: ['/ofertas\\?page=\\d+']  # listing pages; rel="next" links are always followed
        country: ES                        # hints for postings that leave them out
        language: es
        limits: {max_pages: 1000, max_items: 5000, max_depth: 5}
        selectors:                         # selectors spider only: schema.org property -> CSS, or {xpath: ...}
          posting: article.vacancy         # the element holding one posting (default: the page)
          title: h1::text
          description: div.body
          datePosted: {xpath: ".//time/@datetime"}
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

DEFAULT_SITES_FILE = Path(__file__).resolve().parents[1] / "sites.yaml"
SITES_ENV = "ISCO_SCRAPE_SITES"
SPIDERS = ("jobposting", "selectors")
SELECTABLE = (
    "title", "description", "datePosted", "validThrough", "hiringOrganization", "jobLocation", "employmentType",
    "occupationalCategory", "skills", "educationRequirements", "identifier", "url",
)
_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_SITE_KEYS = {
    "spider", "sitemaps", "start_urls", "allowed_domains", "links", "country", "language", "limits", "selectors",
}


class SiteRegistryError(ValueError):
    """The site registry is malformed or names no such site; the message says which key."""


@dataclass(frozen=True)
class Limits:
    max_pages: int = 1000  # requests sent to the site (retries included, robots.txt not)
    max_items: int = 5000  # postings written
    max_depth: int = 5  # links followed from a start URL or sitemap


@dataclass(frozen=True)
class FieldSelector:
    css: str = ""
    xpath: str = ""


@dataclass(frozen=True)
class Site:
    name: str
    spider: str = "jobposting"
    sitemaps: tuple[str, ...] = ()
    start_urls: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()
    item_links: tuple[str, ...] = ()
    follow_links: tuple[str, ...] = ()
    country: str = ""
    language: str = ""
    limits: Limits = Limits()
    selectors: Mapping[str, FieldSelector] = field(default_factory=dict)


@dataclass(frozen=True)
class CrawlerIdentity:
    bot_name: str = "isco-jobscrapers/0.1"
    contact: str = ""

    @property
    def user_agent(self) -> str:
        if not self.contact:
            raise SiteRegistryError("crawler.contact is empty: set an e-mail or URL where site owners can reach "
                                    "you (it goes into the User-Agent)")
        return f"{self.bot_name} (+{self.contact})"

    @property
    def robots_name(self) -> str:
        return self.bot_name.split("/")[0]


@dataclass(frozen=True)
class SiteRegistry:
    crawler: CrawlerIdentity
    start_date: date
    sites: Mapping[str, Site]
    source: Path

    def site(self, name: str) -> Site:
        if name not in self.sites:
            known = ", ".join(sorted(self.sites)) or "none"
            raise SiteRegistryError(
                f"no site {name!r} in the site registry {self.source} (known: {known}); add it under 'sites:' there "
                f"(scrapers/jobscrapers/sites.py lists the keys), or name another registry with {SITES_ENV}"
            )
        return self.sites[name]


def registry_path(path: str | Path | None = None) -> Path:
    """The registry to read: ``path`` when given, else ``$ISCO_SCRAPE_SITES``, else ``scrapers/sites.yaml``.

    The one place that decides, so that a hand-run ``scrapy crawl`` and the Dagster asset read the same file.
    """
    chosen = path or os.environ.get(SITES_ENV, "")
    return Path(chosen).expanduser().resolve() if chosen else DEFAULT_SITES_FILE


def load_registry(path: str | Path | None = None) -> SiteRegistry:
    file = registry_path(path)
    if not file.is_file():
        raise SiteRegistryError(f"site registry not found: {file} (set {SITES_ENV} to the registry's path)")
    raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict) or set(raw) - {"crawler", "sites"}:
        raise SiteRegistryError(f"{file}: expected a mapping with 'crawler' and 'sites'")
    crawler = dict(raw.get("crawler") or {})
    start = crawler.pop("start_date", "2025-01-01")
    try:
        identity = CrawlerIdentity(**crawler)
        start_date = date.fromisoformat(str(start))
    except (TypeError, ValueError) as exc:
        raise SiteRegistryError(f"{file}: crawler: {exc}") from exc
    sites = raw.get("sites") or {}
    if not isinstance(sites, dict):
        raise SiteRegistryError(f"{file}: 'sites' maps site names to settings")
    try:
        parsed = {str(name): _site(str(name), spec or {}) for name, spec in sites.items()}
    except SiteRegistryError as exc:
        raise SiteRegistryError(f"{file}: {exc}") from exc
    return SiteRegistry(crawler=identity, start_date=start_date, sites=parsed, source=file)


def _site(name: str, spec: Any) -> Site:
    if not _NAME.match(name):
        raise SiteRegistryError(f"site {name!r}: use lower-case letters, digits and '-' in names")
    if not isinstance(spec, dict):
        raise SiteRegistryError(f"site {name!r}: expected a mapping, got {spec!r}")
    unknown = set(spec) - _SITE_KEYS
    if unknown:
        raise SiteRegistryError(f"site {name!r}: unknown keys {sorted(unknown)}; known: {sorted(_SITE_KEYS)}")
    spider = spec.get("spider", "jobposting")
    if spider not in SPIDERS:
        raise SiteRegistryError(f"site {name!r}: spider {spider!r} is not one of {list(SPIDERS)}")
    sitemaps, start_urls = _strings(name, spec, "sitemaps"), _strings(name, spec, "start_urls")
    if not sitemaps and not start_urls:
        raise SiteRegistryError(f"site {name!r}: give sitemaps or start_urls")
    links = spec.get("links") or {}
    if not isinstance(links, dict) or set(links) - {"items", "follow"}:
        raise SiteRegistryError(f"site {name!r}: 'links' takes 'items' and 'follow' (lists of regular expressions)")
    for pattern in [*_strings(name, links, "items"), *_strings(name, links, "follow")]:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SiteRegistryError(f"site {name!r}: link pattern {pattern!r}: {exc}") from exc
    selectors = _selectors(name, spec.get("selectors"))
    if (spider == "selectors") != bool(selectors):
        raise SiteRegistryError(f"site {name!r}: the selectors spider needs 'selectors', and only it takes them")
    return Site(
        name=name, spider=spider, sitemaps=sitemaps, start_urls=start_urls,
        allowed_domains=_strings(name, spec, "allowed_domains")
        or tuple(dict.fromkeys(urlsplit(u).hostname or "" for u in (*sitemaps, *start_urls))),
        item_links=_strings(name, links, "items"), follow_links=_strings(name, links, "follow"),
        country=str(spec.get("country", "")).upper(), language=str(spec.get("language", "")).lower(),
        limits=_limits(name, spec.get("limits")), selectors=selectors,
    )


def _strings(name: str, spec: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = spec.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise SiteRegistryError(f"site {name!r}: '{key}' is a list of strings, got {value!r}")
    return tuple(value)


def _limits(name: str, value: Any) -> Limits:
    value = value or {}
    fields = set(Limits.__dataclass_fields__)
    if not isinstance(value, dict) or set(value) - fields:
        raise SiteRegistryError(f"site {name!r}: 'limits' takes {sorted(fields)}")
    if not all(isinstance(v, int) and v > 0 for v in value.values()):
        raise SiteRegistryError(f"site {name!r}: limits are positive whole numbers, got {value!r}")
    return Limits(**value)


def _selectors(name: str, value: Any) -> dict[str, FieldSelector]:
    value = value or {}
    allowed = {"posting", *SELECTABLE}
    if not isinstance(value, dict) or set(value) - allowed:
        raise SiteRegistryError(f"site {name!r}: 'selectors' maps these properties to selectors: {sorted(allowed)}")
    parsed = {}
    for prop, selector in value.items():
        if isinstance(selector, str) and selector:
            parsed[prop] = FieldSelector(css=selector)
        elif isinstance(selector, dict) and set(selector) == {"xpath"} and selector["xpath"]:
            parsed[prop] = FieldSelector(xpath=selector["xpath"])
        else:
            raise SiteRegistryError(f"site {name!r}: selector for {prop!r} is a CSS string or {{xpath: ...}}, "
                                    f"got {selector!r}")
    if "title" not in parsed and parsed:
        raise SiteRegistryError(f"site {name!r}: selectors need at least 'title'")
    return parsed
