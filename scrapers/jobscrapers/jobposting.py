"""schema.org ``JobPosting``: finding it in a page (JSON-LD and microdata, through extruct) and
normalizing it into one flat, typed record, whatever shape the site gave each property.

Sites write the same property in many shapes: ``hiringOrganization`` as a name or an ``Organization``,
``jobLocation`` as one ``Place`` or a list, ``identifier`` as text or a ``PropertyValue``,
``occupationalCategory`` as free text, an O*NET/ISCO code or a ``CategoryCode``, ``skills`` as a list or
one comma-separated string, ``description`` as HTML (sometimes entity-escaped twice). :func:`normalize`
accepts all of them; ``occupationalCategory`` is kept as a free label, never interpreted as a code.

A crawl covers a range of days (:class:`DayRange`); :func:`filing_day` says under which day a posting
is filed: its ``datePosted`` when that falls in the range, and for an undated posting the last day of
the range (today, when the range goes on past it) when that day is today or yesterday: the crawl is the
first sight of it. An undated posting seen by a crawl of past days belongs to none of them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urldefrag, urljoin

import extruct
from lxml.html import HtmlElement
from w3lib.html import remove_tags, remove_tags_with_content

JOB_POSTING = "JobPosting"
_SCHEMA_PREFIX = re.compile(r"^https?://schema\.org/", re.I)
_BLOCK_END = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/ul|/ol|/section|/article)\b[^>]*>", re.I)
_LIST_SPLIT = re.compile(r"\s*[,;\n•]\s*")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


@dataclass(frozen=True)
class DayRange:
    """The days a crawl collects postings for, first to last, inclusive."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError(f"day range {self.first}..{self.last}: the first day is after the last")

    @classmethod
    def parse(cls, text: str) -> DayRange:
        """``2025-03-01`` or ``2025-03-01..2025-03-07``."""
        first, _, last = text.strip().partition("..")
        return cls(date.fromisoformat(first), date.fromisoformat(last or first))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}..{self.last}"


def filing_day(date_posted: str, days: DayRange, today: date) -> date | None:
    """The day of ``days`` a posting belongs to, or None when it belongs to none."""
    if date_posted:
        posted = date.fromisoformat(date_posted)
        return posted if posted in days else None
    day = min(days.last, today)
    return day if day in days and day >= today - timedelta(days=1) else None


@dataclass(frozen=True)
class PageContext:
    """What a page says about itself: its canonical URL and its language."""

    url: str
    canonical_url: str
    language: str  # ISO 639-1 from <html lang>, or ""


@dataclass(frozen=True)
class Hints:
    """A site's hints for what its postings leave out."""

    country: str = ""
    language: str = ""


@dataclass(frozen=True)
class JobPosting:
    """One job posting, normalized. ``url`` is the posting's canonical URL."""

    title: str
    description: str = ""
    date_posted: str = ""  # ISO date
    valid_through: str = ""  # ISO date
    company: str = ""
    location: str = ""
    country: str = ""  # ISO 3166-1 alpha-2 when the site gave a code, else the name it gave
    employment_type: tuple[str, ...] = ()
    occupational_category: str = ""
    skills: tuple[str, ...] = ()
    education_requirements: str = ""
    identifier: str = ""
    url: str = ""
    language: str = ""

    @property
    def dedupe_key(self) -> str:
        """Same identifier (of the same employer), or same canonical URL and title: the same posting."""
        if self.identifier:
            return f"id\x1f{self.company.lower()}\x1f{self.identifier}"
        return f"url\x1f{self.url}\x1f{self.title.lower()}"

    def landing_row(self, site: str) -> dict[str, Any]:
        """The canonical drop columns (what ``raw_job_posts`` reads) and the rest of the posting beside them."""
        return {
            "job_title": self.title, "job_desc": self.description, "post_id": self.identifier or self.url,
            "company": self.company, "country": self.country, "language": self.language,
            "posted_at": self.date_posted, "url": self.url,
            "site": site, "valid_through": self.valid_through, "location": self.location,
            "employment_type": list(self.employment_type), "occupational_category": self.occupational_category,
            "skills": list(self.skills), "education_requirements": self.education_requirements,
            "identifier": self.identifier,
        }


@dataclass
class EmbeddedPostings:
    postings: list[dict[str, Any]] = field(default_factory=list)
    malformed_jsonld: int = 0  # <script type="application/ld+json"> blocks that are not JSON


def page_context(tree: HtmlElement, url: str) -> PageContext:
    canonical = tree.xpath('string((//link[@rel="canonical"]/@href)[1])').strip()
    lang = tree.xpath("string(/html/@lang)").strip()
    return PageContext(
        url=url,
        canonical_url=urldefrag(urljoin(url, canonical))[0] if canonical else urldefrag(url)[0],
        language=lang.split("-")[0].split("_")[0].lower()[:2],
    )


def embedded_postings(tree: HtmlElement, url: str) -> EmbeddedPostings:
    """JobPosting objects of a page's JSON-LD blocks (each block on its own, so a broken one costs
    only itself) and microdata, as extruct's uniform dicts."""
    found = EmbeddedPostings()
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = extruct.extract(script, base_url=url, syntaxes=["json-ld"], errors="strict")
        except ValueError:  # json.JSONDecodeError, and jstyleson's errors
            found.malformed_jsonld += 1
            continue
        found.postings.extend(find_postings(data.get("json-ld", [])))
    microdata = extruct.extract(tree, base_url=url, syntaxes=["microdata"], uniform=True, errors="ignore")
    found.postings.extend(find_postings(microdata.get("microdata", [])))
    return found


def find_postings(data: Any) -> list[dict[str, Any]]:
    """Every JobPosting object in parsed JSON-LD or microdata: top level, in ``@graph``, in lists,
    or nested in other objects (an ItemList's elements, a WebPage's mainEntity)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if JOB_POSTING in _types(node):
                found.append(node)
                return
            for value in node.values():
                walk(value)

    walk(data)
    return found


def _types(node: Mapping[str, Any]) -> set[str]:
    value = node.get("@type", node.get("type", ()))
    return {_SCHEMA_PREFIX.sub("", str(t)) for t in (value if isinstance(value, list) else [value])}


def normalize(raw: Mapping[str, Any], page: PageContext, hints: Hints = Hints()) -> JobPosting:
    """A JobPosting dict (schema.org property names) as a flat record; missing properties are empty."""
    places = list(_values(raw.get("jobLocation")))
    url = _text(raw.get("url"))
    return JobPosting(
        title=_clean_line(_text(raw.get("title")) or _text(raw.get("name"))),
        description=html_to_text(" ".join(_texts(raw.get("description")))),
        date_posted=iso_date(_text(raw.get("datePosted"))),
        valid_through=iso_date(_text(raw.get("validThrough"))),
        company=_clean_line(_text(raw.get("hiringOrganization"))),
        location=" / ".join(filter(None, (_place(p) for p in places))),
        country=_country(places, raw.get("applicantLocationRequirements")) or hints.country.upper(),
        employment_type=tuple(_clean_line(t) for t in _texts(raw.get("employmentType"))),
        occupational_category="; ".join(_category(c) for c in _values(raw.get("occupationalCategory"))),
        skills=tuple(_split_list(raw.get("skills"))),
        education_requirements="; ".join(_credential(e) for e in _values(raw.get("educationRequirements"))),
        identifier=_identifier(raw.get("identifier")),
        url=urldefrag(urljoin(page.url, url))[0] if url else page.canonical_url,
        language=(hints.language or page.language).lower(),
    )


def html_to_text(value: str) -> str:
    """Text of an HTML fragment (entity-escaped HTML too): tags and scripts removed, a line per block."""
    if "&lt;" in value and "<" not in value:
        value = html.unescape(value)  # HTML written into JSON entity-escaped
    value = remove_tags_with_content(value, which_ones=("script", "style"))
    value = html.unescape(remove_tags(_BLOCK_END.sub("\n", value)))
    lines = (_SPACES.sub(" ", line).strip() for line in value.split("\n"))
    return "\n".join(line for line in lines if line)


def iso_date(value: str) -> str:
    """The calendar date of an ISO 8601 date or date-time, as written (no time-zone shift); "" when not ISO."""
    value = value.strip()
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return ""


def _values(value: Any) -> Iterator[Any]:
    if value is None or value == "":
        return
    if isinstance(value, list):
        for item in value:
            yield from _values(item)
    else:
        yield value


def _text(value: Any) -> str:
    """The first text a property holds: a string or number, or the name/value of an object."""
    for item in _values(value):
        if isinstance(item, dict):
            text = _text(item.get("name", item.get("@value", item.get("value"))))
        else:
            text = str(item).strip()
        if text:
            return text
    return ""


def _texts(value: Any) -> list[str]:
    return [t for t in (_text(v) for v in _values(value)) if t]


def _clean_line(value: str) -> str:
    return " ".join(html_to_text(value).split())


def _split_list(value: Any) -> Iterable[str]:
    items = _texts(value)
    parts = _LIST_SPLIT.split(items[0]) if len(items) == 1 else items
    return (p for p in (_clean_line(p) for p in parts) if p)


def _place(place: Any) -> str:
    if not isinstance(place, dict):
        return _clean_line(str(place))
    address = place.get("address")
    if isinstance(address, dict):
        parts = [_text(address.get(k)) for k in ("addressLocality", "addressRegion")]
        parts.append(_country_code(_text(address.get("addressCountry"))))
        text = ", ".join(dict.fromkeys(p for p in parts if p))
        if text:
            return text
    return _text(address) or _text(place.get("name"))


def _country(places: list[Any], requirements: Any) -> str:
    candidates = [p.get("address") for p in places if isinstance(p, dict) and isinstance(p.get("address"), dict)]
    for value in [*(a.get("addressCountry") for a in candidates), *_values(requirements)]:
        text = _country_code(_text(value))
        if text:
            return text
    return ""


def _country_code(text: str) -> str:
    return text.upper() if len(text) == 2 and text.isalpha() else text


def _category(value: Any) -> str:
    if isinstance(value, dict):
        parts = [_text(value.get("codeValue")), _text(value.get("name"))]
        return " ".join(p for p in parts if p)
    return _clean_line(str(value))


def _credential(value: Any) -> str:
    if isinstance(value, dict):
        return _text(value.get("credentialCategory")) or _text(value.get("name"))
    return _clean_line(str(value))


def _identifier(value: Any) -> str:
    for item in _values(value):
        text = _text(item.get("value", item.get("@id"))) if isinstance(item, dict) else str(item).strip()
        if text:
            return text
    return ""
