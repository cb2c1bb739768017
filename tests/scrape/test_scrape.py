"""The job-board scrapers against a fixture board served on 127.0.0.1 (one server per site, each on its
own port), through real ``scrapy crawl`` subprocesses, and a scrape partition materialized in Dagster
followed into ``job_posts``.

The boards (``tests/scrape/fixtures/jobboard/<site>/``) are templates: ``${base}`` is the site's URL and
``${day_N}`` the date N days before today (UTC), so the postings' dates fall where the tests expect them.
alpha: JSON-LD pages listed by a sitemap index that robots.txt names, a path robots.txt disallows, malformed
JSON-LD (one broken, one only lenient parsers read), the same posting under two URLs, a page that answers
500 then 200, a page too slow to wait for, a posting without a title, an undated one, an old one.
beta: microdata pages reached through a paginated listing (rel="next" and a link pattern), a page in
Latin-1, the same page under a second URL with a canonical link, no robots.txt. gamma: no markup at all,
crawled by the selectors spider.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import urlsplit

import dagster as dg
import pytest

from isco_assets.definitions import build_definitions
from isco_assets.defs.ingest.sensors import landing_zone_sensor
from isco_assets.defs.partitions import drops_partitions
from isco_assets.defs.scrape.resources import JobBoardScraper
from isco_assets.lib.ingest.drops import parse_drop_id
from isco_assets.resources.landing import LandingZoneResource
from isco_assets.resources.parquet_io import read_table
from scrapers.jobscrapers.jobposting import DayRange
from scrapers.jobscrapers.runner import OUTSIDE_DAYS, PROJECT_DIR, CrawlError, CrawlResult, run_crawl, summarize
from scrapers.jobscrapers.sites import SiteRegistryError, load_registry

FIXTURES = Path(__file__).parent / "fixtures" / "jobboard"
TODAY = datetime.now(UTC).date()
DAYS = {f"day_{n}": (TODAY - timedelta(days=n)).isoformat() for n in range(31)}
WEEK = DayRange(TODAY - timedelta(days=7), TODAY)
SLOW_PAGE_S = 3.0
# fast and deterministic enough for a test, still through AutoThrottle, retries with backoff and timeouts
FAST = {
    "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_START_DELAY": "0", "AUTOTHROTTLE_MAX_DELAY": "1", "DOWNLOAD_TIMEOUT": "1",
    "RETRY_TIMES": "1", "RETRY_BACKOFF_BASE": "0.1", "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
}
CONTENT_TYPES = {".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
                 ".html": "text/html; charset=utf-8", ".latin1.html": "text/html; charset=iso-8859-1"}


class Board:
    """One site of the fixture board: its folder's files as templates, on a free port, every request logged."""

    def __init__(self, name: str):
        self.folder = FIXTURES / name
        self.requests: list[str] = []
        self.user_agents: set[str] = set()
        self.down = False  # answer 404 to everything
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"board": self}))
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def respond(self, target: str, user_agent: str) -> tuple[int, str, bytes]:
        with self.lock:
            self.requests.append(target)
            self.user_agents.add(user_agent)
            hits = self.requests.count(target)
        path = urlsplit(target).path.strip("/")
        if self.down:
            return 404, "text/plain", b"gone"
        if path == "jobs/flaky" and hits == 1:
            return 500, "text/plain", b"try again"
        if path == "jobs/slow":
            self.stopping.wait(SLOW_PAGE_S)
        for suffix in ("", ".html", ".latin1.html"):
            file = self.folder / f"{path}{suffix}"
            if file.is_file():
                kind = ".latin1.html" if suffix == ".latin1.html" else file.suffix
                encoding = "iso-8859-1" if kind == ".latin1.html" else "utf-8"
                text = Template(file.read_text(encoding=encoding)).substitute(base=self.base, **DAYS)
                return 200, CONTENT_TYPES[kind], text.encode(encoding)
        return 404, "text/plain", b"not found"

    def paths(self) -> list[str]:
        return [urlsplit(t).path for t in self.requests]

    def close(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    board: Board

    def do_GET(self) -> None:
        status, content_type, body = self.board.respond(self.path, self.headers.get("User-Agent", ""))
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up waiting (the slow page)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class JobBoard:
    boards: dict[str, Board]
    sites_file: Path

    def crawl(self, site: str, days: DayRange, work: Path) -> Crawl:
        """One crawl of ``site``; the requests its board saw during it."""
        registry = load_registry(self.sites_file)
        board = self.boards[site.split("-")[0]]
        board.requests.clear()
        result = run_crawl(registry.site(site), days, work, self.sites_file, FAST, timeout_s=120)
        return Crawl(result, list(board.paths()), board.base)


@dataclass
class Crawl:
    result: CrawlResult
    requests: list[str]
    base: str

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        return {day: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
                for day, path in self.result.files.items()}

    def titles(self) -> list[str]:
        return sorted(row["job_title"] for rows in self.rows().values() for row in rows)


@pytest.fixture(scope="module")
def jobboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JobBoard]:
    boards = {name: Board(name) for name in ("alpha", "beta", "gamma")}
    sites_file = tmp_path_factory.mktemp("jobboard") / "sites.yaml"
    template = Template((FIXTURES / "sites.yaml").read_text(encoding="utf-8"))
    sites_file.write_text(template.substitute(
        start_date=(TODAY - timedelta(days=60)).isoformat(), **{n: b.base for n, b in boards.items()}
    ), encoding="utf-8")
    try:
        yield JobBoard(boards, sites_file)
    finally:
        for board in boards.values():
            board.close()


@pytest.fixture(scope="module")
def alpha(jobboard: JobBoard, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return jobboard.crawl("alpha", WEEK, tmp_path_factory.mktemp("alpha"))


@pytest.fixture(scope="module")
def beta(jobboard: JobBoard, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    return jobboard.crawl("beta", WEEK, tmp_path_factory.mktemp("beta"))


def row(base: str, site: str, **values: Any) -> dict[str, Any]:
    """A landed row: the canonical columns, then the rest of the posting, empty unless given."""
    empty = {"job_desc": "", "post_id": "", "company": "", "country": "", "language": "", "posted_at": "",
             "url": "", "site": site, "valid_through": "", "location": "", "employment_type": [],
             "occupational_category": "", "skills": [], "education_requirements": "", "identifier": ""}
    values["url"] = base + values.get("url", "")
    values.setdefault("post_id", values.get("identifier") or values["url"])
    return {"job_title": values.pop("job_title"), **empty, **values}


# --- the JSON-LD board -------------------------------------------------------------------------------------------


def test_jsonld_postings_are_extracted_exactly_and_filed_by_day(alpha: Crawl) -> None:
    b, d = alpha.base, DAYS
    assert alpha.rows() == {
        d["day_0"]: [
            row(b, "alpha", job_title="Prompt Engineer & AI Trainer",
                job_desc="About\nWrite prompts & evaluate models.", identifier="A-2", company="Quill Labs",
                country="Ireland", language="en", posted_at=d["day_0"], url="/jobs/2",
                employment_type=["CONTRACTOR", "PART_TIME"],
                occupational_category="2511 Systems analysts", skills=["prompt design", "evaluation", "Python"],
                education_requirements="no requirements"),
            row(b, "alpha", job_title="Scrum Master", identifier="A-6", company="Agile Works", language="en",
                posted_at=d["day_0"], url="/jobs/lenient"),
            # undated: filed under the crawl's last day, which is today
            row(b, "alpha", job_title="Forklift Operator", company="Depot Ltd", language="en", url="/jobs/undated"),
        ],
        d["day_1"]: [
            row(b, "alpha", job_title="Registered Nurse",
                job_desc="Care for patients on the cardiology ward.\nNight shifts\nTeam of 12", identifier="A-1",
                company="St Mary's Hospital", country="GB", language="en", posted_at=d["day_1"], url="/jobs/1",
                valid_through=d["day_20"], location="Leeds, West Yorkshire, GB", employment_type=["FULL_TIME"],
                occupational_category="29-1141.00 Registered Nurses", skills=["patient care", "triage"],
                education_requirements="bachelor degree"),
            row(b, "alpha", job_title="Line Cook", identifier="A-4", company="Diner 66", language="en",
                posted_at=d["day_1"], url="/jobs/flaky"),
        ],
        d["day_3"]: [
            row(b, "alpha", job_title="Drone Pilot", job_desc="Survey farmland with drones.", identifier="A-3",
                company="SkyAg", country="IE", language="en", posted_at=d["day_3"], url="/jobs/3",
                location="Cork, IE / Galway, IE"),
        ],
    }


def test_robots_txt_is_obeyed_and_the_crawler_says_who_it_is(jobboard: JobBoard, alpha: Crawl) -> None:
    assert "/private/secret" not in alpha.requests
    assert jobboard.boards["alpha"].user_agents == {"isco-jobscrapers-test/0.1 (+mailto:scraping-tests@example.org)"}
    assert alpha.result.summary["robots_denied"] == 1
    for path in ("/robots.txt", "/sitemap_index.xml", "/sitemaps/jobs.xml", "/sitemaps/archive.xml", "/jobs/old"):
        assert path in alpha.requests


def test_duplicates_bad_pages_and_failures_are_counted_and_the_crawl_goes_on(alpha: Crawl) -> None:
    summary = alpha.result.summary
    assert summary["dropped"] == {"duplicate": 1, "missing title": 1, "posted outside the crawled days": 1}
    assert summary["malformed_jsonld"] == 1  # jobs/broken; jobs/lenient (comment, trailing comma) is read
    assert alpha.requests.count("/jobs/flaky") == 2 and summary["http_errors"] == {"500": 1}
    assert summary["download_errors"] == {"scrapy.exceptions.DownloadTimeoutError": 2}  # jobs/slow, and its retry
    assert summary["retries"] == 2
    assert summary["items"] == 6 and summary["postings_found"] == 9
    assert summary["finish_reason"] == "finished"
    assert summary["pages"] >= 14 and summary["duration_s"] > 0
    assert {"/jobs/3", "/jobs/3-copy"} <= set(alpha.requests)


def test_every_crawl_says_in_its_log_what_it_dropped_and_why(alpha: Crawl) -> None:
    log = alpha.result.log_file.read_text(encoding="utf-8")
    assert (f"INFO: found 9 postings, kept 6, dropped 3: 1 duplicate, 1 missing title, 1 {OUTSIDE_DAYS} {WEEK} "
            "(pass -a days=YYYY-MM-DD..YYYY-MM-DD to widen)") in log
    assert "kept 6" in log and "WARNING: found" not in log


def test_a_past_range_keeps_only_postings_of_those_days(jobboard: JobBoard, tmp_path: Path) -> None:
    days = DayRange(TODAY - timedelta(days=25), TODAY - timedelta(days=15))
    crawl = jobboard.crawl("alpha", days, tmp_path)
    assert crawl.rows() == {DAYS["day_20"]: [
        row(crawl.base, "alpha", job_title="Typesetter", identifier="A-8", company="Old Press", language="en",
            posted_at=DAYS["day_20"], url="/jobs/old"),
    ]}
    assert crawl.result.summary["dropped"] == {
        "duplicate": 1, "missing title": 1, "posted outside the crawled days": 5, "undated, past days": 1,
    }


# --- the microdata board, the selector board, limits --------------------------------------------------------------


def test_microdata_listing_with_pagination_latin1_and_canonical_duplicates(beta: Crawl) -> None:
    b, d = beta.base, DAYS
    assert beta.rows() == {
        d["day_0"]: [
            row(b, "beta", job_title="Cuidador de Idosos", identifier="B-13", company="Lar Feliz", country="BR",
                language="pt", posted_at=d["day_0"], url="/postings/13"),
        ],
        d["day_1"]: [
            row(b, "beta", job_title="Soldador MIG/MAG", job_desc="Soldagem de estruturas.\nTurno diurno.",
                identifier="B-10", company="Metalúrgica Sul", country="BR", language="pt", posted_at=d["day_1"],
                url="/postings/10", location="Porto Alegre, RS, BR", employment_type=["FULL_TIME"],
                skills=["solda MIG", "leitura de desenho"]),
            row(b, "beta", job_title="Motorista de Caminhão", job_desc="Entregas regionais. CNH categoria E.",
                company="Transportes Rápidos", country="BR", language="pt", posted_at=d["day_1"],
                url="/postings/11"),
        ],
        d["day_3"]: [
            row(b, "beta", job_title="Técnico de Manutenção Elétrica",
                job_desc="Manutenção preventiva; ação rápida em paradas.", identifier="B-12",
                company="Indústrias Açoriana", country="BR", language="pt", posted_at=d["day_3"], url="/postings/12"),
        ],
    }
    assert beta.result.summary["dropped"] == {"duplicate": 1}  # /postings/11?utm_source=list
    assert {"/listing/page/2", "/listing/page/3"} <= set(beta.requests)  # rel="next", then the link pattern
    assert "/about" not in beta.requests  # matches no link pattern
    assert beta.result.summary["robots_denied"] == 0  # no robots.txt (404): everything allowed


def test_selector_spider_reads_a_board_without_markup(jobboard: JobBoard, tmp_path: Path) -> None:
    crawl = jobboard.crawl("gamma", WEEK, tmp_path)
    b, d = crawl.base, DAYS
    assert crawl.rows() == {
        d["day_0"]: [row(b, "gamma", job_title="Rececionista", job_desc="Atendimento ao público.",
                         identifier="G-2", company="Clínica Mar", country="PT", language="pt",
                         posted_at=d["day_0"], url="/vacancy/2")],
        d["day_1"]: [row(b, "gamma", job_title="Pasteleiro (m/f)",
                         job_desc="Massas & bolos.\nTurno da manhã\nEquipa de 4", identifier="G-1",
                         company="Hotel Sol", country="PT", language="pt", posted_at=d["day_1"], url="/vacancy/1",
                         location="Lisboa", employment_type=["Tempo inteiro"], skills=["pastelaria", "decoração"])],
    }
    assert crawl.result.summary["dropped"] == {}  # the listing page is not read as a posting


@pytest.mark.parametrize("site", ["beta-few-items", "beta-few-pages", "beta-shallow"])
def test_limits_stop_the_crawl(jobboard: JobBoard, beta: Crawl, site: str, tmp_path: Path) -> None:
    crawl = jobboard.crawl(site, WEEK, tmp_path)
    pages = [p for p in crawl.requests if p != "/robots.txt"]
    titles = crawl.titles()
    if site == "beta-few-items":  # max_items: 2
        assert len(titles) == 2 and set(titles) <= set(beta.titles())
        assert crawl.result.summary["finish_reason"] == "closespider_itemcount"
    elif site == "beta-few-pages":  # max_pages: 2
        assert len(pages) == 2 and crawl.result.summary["max_pages_ignored"] > 0
    else:  # max_depth: 1, the listing's links are followed, theirs are not
        assert titles == ["Motorista de Caminhão", "Soldador MIG/MAG"]
        assert "/listing/page/2" in pages and not {"/listing/page/3", "/postings/12", "/postings/13"} & set(pages)
    assert len(pages) < len(beta.requests)


# --- the registry and the runner ----------------------------------------------------------------------------------


def test_registry_rejects_what_it_cannot_crawl(tmp_path: Path) -> None:
    def load(text: str) -> None:
        (tmp_path / "sites.yaml").write_text(text, encoding="utf-8")
        load_registry(tmp_path / "sites.yaml")

    with pytest.raises(SiteRegistryError, match="give sitemaps or start_urls"):
        load("sites: {a: {}}\n")
    with pytest.raises(SiteRegistryError, match=r"unknown keys \['proxy'\]"):
        load("sites: {a: {start_urls: [http://x/], proxy: http://p/}}\n")
    with pytest.raises(SiteRegistryError, match="the selectors spider needs 'selectors'"):
        load("sites: {a: {spider: selectors, start_urls: [http://x/]}}\n")
    with pytest.raises(SiteRegistryError, match="lower-case letters"):
        load("sites: {A__b: {start_urls: [http://x/]}}\n")
    load("sites: {a: {start_urls: ['http://x.example/jobs']}}\n")
    assert load_registry(tmp_path / "sites.yaml").site("a").allowed_domains == ("x.example",)


def scrapy_crawl(sites_file: Path, *args: str, work: Path) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl`` as a person runs it: from scrapers/, the registry named by ISCO_SCRAPE_SITES only."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    env["ISCO_SCRAPE_SITES"] = str(sites_file)
    settings = {**FAST, "JOBSCRAPERS_OUTPUT": str(work / "output"), "JOBSCRAPERS_STATS_FILE": str(work / "stats.json")}
    command = [sys.executable, "-m", "scrapy", "crawl", *args,
               *(arg for name, value in settings.items() for arg in ("-s", f"{name}={value}"))]
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60)


def test_scrapy_crawl_reads_the_registry_that_ISCO_SCRAPE_SITES_names_and_warns_when_it_keeps_nothing(
    jobboard: JobBoard, tmp_path: Path
) -> None:
    jobboard.boards["gamma"].requests.clear()
    done = scrapy_crawl(jobboard.sites_file, "selectors", "-a", "site=gamma", "-a", f"days={DAYS['day_5']}",
                        work=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "/vacancy/1" in jobboard.boards["gamma"].paths()
    assert (f"WARNING: found 2 postings, kept 0, dropped 2: 2 {OUTSIDE_DAYS} {DAYS['day_5']} "
            "(pass -a days=YYYY-MM-DD..YYYY-MM-DD to widen)") in done.stderr
    summary = summarize(json.loads((tmp_path / "stats.json").read_text(encoding="utf-8")))
    assert (summary["postings_found"], summary["items"], summary["dropped"]) == (2, 0, {OUTSIDE_DAYS: 2})
    assert not (tmp_path / "output").exists()


def test_scrapy_crawl_of_an_unknown_site_or_bad_days_fails_in_one_clear_line(
    jobboard: JobBoard, tmp_path: Path
) -> None:
    unknown = scrapy_crawl(jobboard.sites_file, "jobposting", "-a", "site=site1", work=tmp_path)
    assert unknown.returncode != 0
    assert (f"ERROR: no site 'site1' in the site registry {jobboard.sites_file} (known: alpha, beta, "
            "beta-few-items, beta-few-pages, beta-shallow, gamma); add it under 'sites:' there") in unknown.stderr
    assert "ISCO_SCRAPE_SITES" in unknown.stderr
    bad_days = scrapy_crawl(jobboard.sites_file, "jobposting", "-a", "site=alpha", "-a", "days=yesterday",
                            work=tmp_path)
    assert bad_days.returncode != 0 and "ERROR: -a days=yesterday: " in bad_days.stderr
    for done in (unknown, bad_days):
        assert "Traceback" not in done.stderr and "Task exception was never retrieved" not in done.stderr


def test_a_crawl_without_a_contact_address_does_not_start(jobboard: JobBoard, tmp_path: Path) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text(jobboard.sites_file.read_text().replace("mailto:scraping-tests@example.org", '""'))
    jobboard.boards["gamma"].requests.clear()
    with pytest.raises(CrawlError, match=r"crawler\.contact is empty"):
        run_crawl(load_registry(sites).site("gamma"), WEEK, tmp_path / "work", sites, FAST, timeout_s=60)
    assert jobboard.boards["gamma"].requests == []


# --- Dagster -------------------------------------------------------------------------------------------------------

def _defs(
    jobboard: JobBoard, data_dir: Path, partners: tuple[str, ...] = ("alpha",), sites_file: str | None = None
) -> dg.Definitions:
    """The code location; its scraper reads the fixture's registry, or ``sites_file`` ("": the default one)."""
    config = data_dir / "platform.yaml"
    config.write_text("partners:\n" + "".join(f"  {partner}: {{}}\n" for partner in partners))
    sites = str(jobboard.sites_file) if sites_file is None else sites_file
    scraper = JobBoardScraper(sites_file=sites, settings=FAST, max_crawl_seconds=60)
    return build_definitions(str(data_dir), str(config), LandingZoneResource(local_dir=str(data_dir / "landing")),
                             scraper)


def test_the_code_location_has_the_scrape_asset_job_and_schedule(jobboard: JobBoard, data_dir: Path) -> None:
    defs = _defs(jobboard, data_dir)
    dg.Definitions.validate_loadable(defs)
    node = defs.resolve_asset_graph().get(dg.AssetKey("scraped_job_posts"))
    assert node.group_name == "scrape" and node.description
    assert node.partitions_def.get_partition_key_from_str(f"{DAYS['day_1']}|gamma").keys_by_dimension == {
        "date": DAYS["day_1"], "site": "gamma"}
    assert {c.name for c in node.check_keys} == {"crawl_found_postings"}
    # the pipeline job (everything after ingestion) leaves the crawl to its own job and schedule
    assert dg.AssetKey("scraped_job_posts") not in defs.resolve_job_def("pipeline").asset_layer.executable_asset_keys


def test_the_schedule_crawls_every_site_for_yesterday(jobboard: JobBoard, data_dir: Path) -> None:
    schedule = _defs(jobboard, data_dir).resolve_schedule_def("scrape_job_boards_schedule")
    assert schedule.cron_schedule == "0 3 * * *" and schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    tick = datetime(TODAY.year, TODAY.month, TODAY.day, 3, tzinfo=UTC)
    with dg.instance_for_test() as instance, dg.build_schedule_context(instance, tick) as context:
        requests = schedule.evaluate_tick(context).run_requests
    sites = sorted(load_registry(jobboard.sites_file).sites)
    assert [r.partition_key for r in requests] == [f"{DAYS['day_1']}|{site}" for site in sites]


def test_a_scrape_that_keeps_nothing_warns_and_its_metadata_counts_the_drops(
    jobboard: JobBoard, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISCO_SCRAPE_SITES", str(jobboard.sites_file))  # the resource's default, as scrapy crawl's
    defs = _defs(jobboard, data_dir, partners=("gamma",), sites_file="")
    partition = f"{DAYS['day_5']}|gamma"
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("scrape_job_boards").execute_in_process(
            instance=instance, partition_key=partition)
        assert result.success
        meta = {k: v.value for k, v in instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=dg.AssetKey("scraped_job_posts"), asset_partitions=[partition]), limit=1
        ).records[0].asset_materialization.metadata.items()}
        warnings = [e.message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]
    assert (meta["postings_found"], meta["crawl_items"], meta["items"]) == (2, 0, 0)
    assert meta["dropped"] == {OUTSIDE_DAYS: 2} and meta["landing"] == ""
    report = (f"gamma: found 2 postings, kept 0, dropped 2: 2 {OUTSIDE_DAYS} {DAYS['day_5']} "
              "(backfill the days they were posted)")
    assert meta["crawl_report"] == report
    assert any(report in message for message in warnings)


@pytest.mark.slow
def test_a_backfilled_scrape_lands_rows_in_job_posts(jobboard: JobBoard, data_dir: Path) -> None:
    defs = _defs(jobboard, data_dir)
    scrape = defs.resolve_job_def("scrape_job_boards")
    asset, check = dg.AssetKey("scraped_job_posts"), dg.AssetCheckKey(dg.AssetKey("scraped_job_posts"),
                                                                       "crawl_found_postings")
    first, last = f"{DAYS['day_3']}|alpha", f"{DAYS['day_1']}|alpha"
    with dg.instance_for_test() as instance:
        # a single-run backfill over three days of one site: one run, one crawl, three partitions
        jobboard.boards["alpha"].requests.clear()
        result = scrape.execute_in_process(instance=instance, tags={
            "dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last})
        assert result.success
        assert jobboard.boards["alpha"].paths().count("/sitemap_index.xml") == 1
        assert set(instance.get_materialized_partitions(asset)) == {first, f"{DAYS['day_2']}|alpha", last}
        meta = {k: v.value for k, v in instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=asset, asset_partitions=[last]), limit=1
        ).records[0].asset_materialization.metadata.items()}
        assert meta["items"] == 3 and meta["crawl_items"] == 4 and meta["robots_denied"] == 1
        assert meta["dropped"] == {"duplicate": 1, "missing title": 1, "posted outside the crawled days": 3}
        assert meta["http_errors"] == {"500": 1} and meta["crawl_days"] == f"{DAYS['day_3']}..{DAYS['day_1']}"
        assert meta["landing"].endswith(f"landing/alpha/{DAYS['day_1']}.jsonl")
        assert instance.get_latest_asset_check_evaluation_record(check).event.asset_check_evaluation.passed

        # the landing-zone sensor registers the two files as drops and requests their runs, as for partners
        settings, landing = defs.resources["settings"], defs.resources["landing_zone"]
        with dg.build_sensor_context(instance=instance, resources={"settings": settings, "landing_zone": landing}) as c:
            tick = landing_zone_sensor(c)
        drops = [r.partition_key for r in tick.run_requests]
        assert sorted(parse_drop_id(d)[:2] for d in drops) == [
            ("alpha", f"{DAYS['day_3']}.jsonl"), ("alpha", f"{DAYS['day_1']}.jsonl")]
        assert meta["drop_id"] in drops
        instance.add_dynamic_partitions(drops_partitions.name, drops)
        ingest = defs.resolve_job_def("ingest_drop")
        for drop_id in drops:
            assert ingest.execute_in_process(instance=instance, partition_key=drop_id).success
        assert defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[dg.AssetKey("job_posts")]).success
        posts = read_table(data_dir / "tables" / "job_posts.parquet")
        assert sorted(posts["job_title"]) == ["Drone Pilot", "Forklift Operator", "Line Cook", "Registered Nurse"]
        assert set(posts["partner"]) == {"alpha"} and set(posts["drop_id"]) == set(drops)

        # the board goes blank: the crawl finds nothing where it found postings before, and the check warns
        jobboard.boards["alpha"].down = True
        try:
            assert scrape.execute_in_process(instance=instance, partition_key=last).success
        finally:
            jobboard.boards["alpha"].down = False
        evaluation = instance.get_latest_asset_check_evaluation_record(check).event.asset_check_evaluation
        assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
        assert evaluation.metadata["flagged"].value == ["alpha"]


@pytest.mark.slow
def test_a_site_missing_from_the_partner_registry_fails_before_crawling(jobboard: JobBoard, data_dir: Path) -> None:
    defs = _defs(jobboard, data_dir)
    jobboard.boards["gamma"].requests.clear()
    with dg.instance_for_test() as instance:
        result = defs.resolve_job_def("scrape_job_boards").execute_in_process(
            instance=instance, partition_key=f"{DAYS['day_1']}|gamma", raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure).step_failure_data.user_failure_data
    assert "'gamma' is not in the partner registry" in failure.description
    assert jobboard.boards["gamma"].requests == []
