"""Running one crawl in a subprocess (Twisted's reactor cannot be restarted within a process), from any
working directory, and reading back its stats and files.

    result = run_crawl(registry.site("empleos-example"), DayRange.parse("2025-03-01..2025-03-07"), work_dir)
    result.files    # {"2025-03-03": Path(".../output/empleos-example/2025-03-03.jsonl"), ...}
    result.summary  # pages, items, dropped (by reason), robots_denied, http_errors, duration_s, ...
    describe(result.summary, result.days, "...")  # "found 9 postings, kept 6, dropped 3: 1 duplicate, ..."
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapers.jobscrapers.jobposting import DayRange
from scrapers.jobscrapers.sites import Site

PROJECT_DIR = Path(__file__).resolve().parents[1]  # holds scrapy.cfg
SETTINGS_MODULE = "scrapers.jobscrapers.settings"
LOG_TAIL_CHARS = 4000
IGNORED = "scrapy.exceptions.IgnoreRequest"
OUTSIDE_DAYS, UNDATED_PAST = "posted outside the crawled days", "undated, past days"  # the pipelines' drop reasons


class CrawlError(RuntimeError):
    """The crawl did not run to its end (bad registry entry, crash, timeout); the message has the log's end."""


@dataclass(frozen=True)
class CrawlResult:
    site: str
    days: DayRange
    stats: Mapping[str, Any]
    files: Mapping[str, Path]  # ISO day -> JSONL file of that day's postings (days without postings: none)
    log_file: Path

    @property
    def summary(self) -> dict[str, Any]:
        return summarize(self.stats)


def run_crawl(
    site: Site, days: DayRange, work_dir: Path, sites_file: Path, settings: Mapping[str, str] | None = None,
    timeout_s: float | None = None,
) -> CrawlResult:
    """Crawl ``site`` for the postings of ``days`` with ``scrapy crawl``; files land in ``work_dir/output``.

    ``settings`` are Scrapy settings (``-s NAME=VALUE``); ``timeout_s`` kills a crawl that runs longer (give
    ``CLOSESPIDER_TIMEOUT`` too, so that a crawl normally stops itself, with its stats, before that).
    """
    output, stats_file, log_file = work_dir / "output", work_dir / "stats.json", work_dir / "crawl.log"
    work_dir.mkdir(parents=True, exist_ok=True)
    overrides = {
        "JOBSCRAPERS_SITES": str(sites_file), "JOBSCRAPERS_OUTPUT": str(output),
        "JOBSCRAPERS_STATS_FILE": str(stats_file), "LOG_FILE": str(log_file), **(settings or {}),
    }
    command = [
        sys.executable, "-m", "scrapy", "crawl", site.spider, "-a", f"site={site.name}", "-a", f"days={days}",
        *(arg for name, value in overrides.items() for arg in ("-s", f"{name}={value}")),
    ]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": SETTINGS_MODULE}
    try:
        done = subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        raise CrawlError(f"crawl of {site.name} killed after {timeout_s} s\n{_log_tail(log_file, '')}") from exc
    if done.returncode != 0 or not stats_file.is_file():
        raise CrawlError(f"crawl of {site.name} failed (exit {done.returncode})\n{_log_tail(log_file, done.stderr)}")
    files = {path.stem: path for path in sorted((output / site.name).glob("*.jsonl"))}
    return CrawlResult(site=site.name, days=days, stats=json.loads(stats_file.read_text(encoding="utf-8")),
                       files=files, log_file=log_file)


def summarize(stats: Mapping[str, Any]) -> dict[str, Any]:
    """What a crawl did, from its Scrapy stats: pages fetched, postings found and written, postings
    dropped by reason, requests robots.txt denied, HTTP error responses by status, download errors by
    type, retries, duration and why it finished."""
    def by_suffix(prefix: str) -> dict[str, int]:
        return {k.removeprefix(prefix): v for k, v in sorted(stats.items()) if k.startswith(prefix)}

    return {
        "pages": stats.get("response_received_count", 0),
        "postings_found": stats.get("jobscrapers/postings_found", 0),
        "items": stats.get("item_scraped_count", 0),
        "dropped": by_suffix("jobscrapers/dropped/"),
        "malformed_jsonld": stats.get("jobscrapers/malformed_jsonld", 0),
        "robots_denied": stats.get("robotstxt/forbidden", 0),
        "http_errors": {s: n for s, n in by_suffix("downloader/response_status_count/").items() if int(s) >= 400},
        "download_errors": {  # requests ignored on purpose (robots.txt, page budget) are counted apart
            e: n for e, n in by_suffix("downloader/exception_type_count/").items() if e != IGNORED
        },
        "retries": stats.get("retry/count", 0),
        "max_pages_ignored": stats.get("jobscrapers/max_pages_ignored", 0),
        "duration_s": round(float(stats.get("elapsed_time_seconds", 0.0)), 3),
        "finish_reason": stats.get("finish_reason", ""),
    }


def describe(summary: Mapping[str, Any], days: DayRange, widen: str) -> str:
    """What became of the postings a crawl found, for a person: how many were kept, how many dropped and why.
    ``widen`` (how to crawl other days) is added when postings were dropped for their dates."""
    dropped = summary["dropped"]
    line = f"found {summary['postings_found']} postings, kept {summary['items']}, dropped {sum(dropped.values())}"
    if dropped:
        line += ": " + ", ".join(
            f"{count} {reason} {days}" if reason == OUTSIDE_DAYS else f"{count} {reason}"
            for reason, count in dropped.items()
        )
    if {OUTSIDE_DAYS, UNDATED_PAST} & set(dropped):
        line += f" ({widen})"
    return line


def kept_none(summary: Mapping[str, Any]) -> bool:
    """The crawl found postings and kept none of them: it ends well and writes nothing, worth a warning."""
    return summary["postings_found"] > 0 and summary["items"] == 0


def _log_tail(log_file: Path, stderr: str) -> str:
    log = log_file.read_text(encoding="utf-8", errors="replace") if log_file.is_file() else ""
    return (log + stderr)[-LOG_TAIL_CHARS:]
