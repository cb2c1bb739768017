"""schema.org JobPosting extraction and normalization (scrapers.jobscrapers.jobposting), without a crawl."""

from datetime import date

import lxml.html
import pytest

from scrapers.jobscrapers.jobposting import (
    DayRange,
    Hints,
    JobPosting,
    PageContext,
    embedded_postings,
    filing_day,
    find_postings,
    html_to_text,
    iso_date,
    normalize,
    page_context,
)

PAGE = PageContext(url="https://jobs.example/listing/7?ref=x", canonical_url="https://jobs.example/listing/7",
                   language="es")


def test_postings_are_found_wherever_they_are_nested() -> None:
    data = [
        {"@type": "WebSite", "name": "Jobs"},
        {"@context": "https://schema.org", "@type": "ItemList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "item": {"@type": "JobPosting", "title": "A"}},
            {"@type": "ListItem", "position": 2, "item": {"@type": "http://schema.org/JobPosting", "title": "B"}},
        ]},
        {"@graph": [{"@type": ["JobPosting", "Thing"], "title": "C"}, {"@type": "Organization", "name": "X"}]},
    ]
    assert [p["title"] for p in find_postings(data)] == ["A", "B", "C"]


def test_every_shape_of_a_property_normalizes_to_the_same_record() -> None:
    objects = normalize({
        "@type": "JobPosting", "title": {"@value": "Electricista &amp; técnico"},
        "hiringOrganization": [{"@type": "Organization", "name": "Voltio SA"}],
        "jobLocation": {"@type": "Place", "address": {"addressLocality": "Sevilla", "addressCountry": "es"}},
        "identifier": {"@type": "PropertyValue", "name": "Voltio SA", "value": 991},
        "occupationalCategory": ["47-2111.00", {"@type": "CategoryCode", "codeValue": "7411"}],
        "skills": [{"@type": "DefinedTerm", "name": "REBT"}, "soldadura"],
        "employmentType": "FULL_TIME", "url": "/ofertas/991#apply",
    }, PAGE)
    text = normalize({
        "@type": "JobPosting", "title": "Electricista & técnico", "hiringOrganization": "Voltio SA",
        "jobLocation": "Sevilla, ES", "identifier": "991", "occupationalCategory": "47-2111.00; 7411",
        "skills": "REBT, soldadura", "employmentType": ["FULL_TIME"], "url": "https://jobs.example/ofertas/991",
    }, PAGE, Hints(country="es"))
    assert objects == text == JobPosting(
        title="Electricista & técnico", company="Voltio SA", location="Sevilla, ES", country="ES",
        identifier="991", occupational_category="47-2111.00; 7411", skills=("REBT", "soldadura"),
        employment_type=("FULL_TIME",), url="https://jobs.example/ofertas/991", language="es",
    )


def test_missing_properties_fall_back_to_the_page_and_the_site_hints() -> None:
    posting = normalize({"@type": "JobPosting", "name": "Camarero"}, PAGE, Hints(country="mx", language="ES"))
    assert (posting.title, posting.url, posting.country, posting.language) == (
        "Camarero", "https://jobs.example/listing/7", "MX", "es")
    remote = normalize({"title": "Analista", "applicantLocationRequirements": [{"@type": "Country", "name": "Chile"}]},
                       PAGE, Hints(country="ES"))
    assert remote.country == "Chile"  # the posting's own country wins over the hint


def test_same_identifier_or_same_url_and_title_is_the_same_posting() -> None:
    a = JobPosting(title="Cook", company="Diner", identifier="7", url="https://x/1")
    assert a.dedupe_key == JobPosting(title="Chef", company="DINER", identifier="7", url="https://x/2").dedupe_key
    assert a.dedupe_key != JobPosting(title="Cook", company="Other", identifier="7", url="https://x/1").dedupe_key
    b = JobPosting(title="Cook", url="https://x/1")
    assert b.dedupe_key == JobPosting(title="COOK", url="https://x/1").dedupe_key
    assert b.dedupe_key != JobPosting(title="Waiter", url="https://x/1").dedupe_key  # two postings on one page


@pytest.mark.parametrize(("raw", "text"), [
    ("<p>One&nbsp;two</p><p>three<br>four</p>", "One two\nthree\nfour"),
    ("&lt;ul&gt;&lt;li&gt;a &amp;amp; b&lt;/li&gt;&lt;li&gt;c&lt;/li&gt;&lt;/ul&gt;", "a & b\nc"),
    ("<div>keep<script>var x = '<p>no</p>';</script><style>p {}</style></div>", "keep"),
    ("plain   text\n\n\n with  spaces", "plain text\nwith spaces"),
    ("salary 3 < 4 & more", "salary 3 < 4 & more"),
])
def test_html_is_reduced_to_text_a_line_per_block(raw: str, text: str) -> None:
    assert html_to_text(raw) == text


@pytest.mark.parametrize(("value", "day"), [
    ("2025-03-02", "2025-03-02"), ("2025-03-02T23:30:00-05:00", "2025-03-02"), ("2025-03-02T10:00:00Z", "2025-03-02"),
    ("2025-03-02T10:00:00.123456789Z", "2025-03-02"), ("2025-03-02T10:00+0100", "2025-03-02"),
    ("2 March 2025", ""), ("", ""), ("2025-13-02", ""),
])
def test_dates_keep_the_calendar_day_as_written(value: str, day: str) -> None:
    assert iso_date(value) == day


def test_day_ranges_and_filing() -> None:
    week = DayRange.parse("2025-03-01..2025-03-07")
    assert str(week) == "2025-03-01..2025-03-07" and str(DayRange.parse("2025-03-02")) == "2025-03-02"
    assert date(2025, 3, 7) in week and date(2025, 3, 8) not in week
    with pytest.raises(ValueError, match="after the last"):
        DayRange.parse("2025-03-07..2025-03-01")
    today = date(2025, 3, 8)
    assert filing_day("2025-03-03", week, today) == date(2025, 3, 3)
    assert filing_day("2025-02-28", week, today) is None
    assert filing_day("", week, today) == date(2025, 3, 7)  # yesterday: the scheduled crawl
    assert filing_day("", week, date(2025, 3, 20)) is None  # a crawl of past days: undated belongs to none
    assert filing_day("", DayRange.parse("2025-03-07..2025-03-31"), today) == today  # never a future day


def test_a_broken_json_ld_block_costs_only_itself() -> None:
    tree = lxml.html.fromstring("""<html lang="pt-BR"><head>
        <link rel="canonical" href="/vaga/1">
        <script type="application/ld+json">{"@type": "JobPosting", "title": "Ok"}</script>
        <script type="application/ld+json">{"@type": "JobPosting", "title": </script>
        </head><body><div itemscope itemtype="https://schema.org/JobPosting"><h1 itemprop="title">Micro</h1></div>
        </body></html>""")
    found = embedded_postings(tree, "https://vagas.example/vaga/1?utm=x")
    assert [p["title"] for p in found.postings] == ["Ok", "Micro"] and found.malformed_jsonld == 1
    assert page_context(tree, "https://vagas.example/vaga/1?utm=x") == PageContext(
        url="https://vagas.example/vaga/1?utm=x", canonical_url="https://vagas.example/vaga/1", language="pt")
