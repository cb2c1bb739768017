"""Time and memory per stage from a raw drop to ranked candidates, at 100k or 1M posts, then a new drop on top.

    .venv/bin/python bench/pipeline_scale.py --posts 100000 [--new-posts 10000] [--config FILE]

The drop comes from the demo generator (``lib/demo/``): five languages, ordinary and emerging occupations,
noisy titles, re-posts, and half the titles specialised from a heavy-tailed list ("sap logistics accountant"),
so titles repeat heavily at the head and a long tail stays rare, as on real boards. It is written as a CSV in
a child process, so that generating it does not count in this process's memory.

Stages are the lib functions the assets run, in order: read (validate the drop and mask it, as
``raw_job_posts`` stores it), union (dedupe by content hash, detect languages through the detection cache), clean
(pass-through translation, cleaning and normalized titles through the cleaning cache), embed (unique titles,
through the embedding cache), code (unique coding titles, through the codes cache), cluster (PCA + HDBSCAN,
stable ids), rank (activity table and candidates), report (plots and HTML). For each: wall seconds, the process
RSS after it and the highest RSS seen during it (sampled every 50 ms). The second part adds a drop of
``--new-posts`` posts dated a month later and runs every stage again the way the graph does: reading and masking
only the new drop; union, cleaning, clustering and ranking over all posts, with detection, cleaning, embedding
and coding paying only for texts their caches have not seen.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import psutil
from stages import cluster_titles, embed_titles, rank

from isco_assets.lib.classify.coding import CodingService, code_posts
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.common.layout import DataLayout
from isco_assets.lib.config import load_config
from isco_assets.lib.demo.drop import write_demo_drop
from isco_assets.lib.discover.cluster_periods import post_periods
from isco_assets.lib.discover.cluster_tracking import RegistryState, record_drops
from isco_assets.lib.discover.novelty import candidates_of
from isco_assets.lib.discover.report import render_report, report_figures
from isco_assets.lib.ingest.drops import PartnerSpec, read_drop
from isco_assets.lib.prepare.language import LanguageDetector
from isco_assets.lib.prepare.posts import clean_posts, masked_drop, union_posts
from isco_assets.resources.environment import config_from_env, layout_from_env

MIB = 1024 * 1024


class Stages:
    """Times stages and samples the process's resident memory while each runs."""

    def __init__(self, label: str):
        self.label = label
        self.process = psutil.Process()
        self.rows: list[tuple[str, float, float, float]] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        peak = [self.process.memory_info().rss]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], self.process.memory_info().rss)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        start = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - start
            done.set()
            sampler.join()
            rss = self.process.memory_info().rss
            self.rows.append((name, seconds, rss / MIB, max(peak[0], rss) / MIB))
            print(f"  [{self.label}] {name:<8} {seconds:8.1f} s", flush=True)

    def table(self) -> str:
        lines = [f"\n{self.label}", "| stage | seconds | RSS after (MiB) | peak RSS (MiB) |", "|---|---:|---:|---:|"]
        lines += [f"| {n} | {s:.1f} | {r:,.0f} | {p:,.0f} |" for n, s, r, p in self.rows]
        total = sum(s for _, s, _, _ in self.rows)
        lines.append(f"| **total** | **{total:.1f}** | | **{max(p for *_, p in self.rows):,.0f}** |")
        return "\n".join(lines)


def generate(path: Path, n_posts: int, seed: int, start: date, days: int) -> Path:
    """The drop, written by a child process (its memory is not this process's)."""
    child = multiprocessing.get_context("spawn").Process(
        target=write_demo_drop, args=(path, n_posts, seed, 20), kwargs={"tail_share": 0.5, "start": start,
                                                                        "days": days})
    child.start()
    child.join()
    if child.exitcode:
        raise RuntimeError(f"generating {path} failed")
    return path


def process(
    stages: Stages, raw: pd.DataFrame, service: CodingService, state: RegistryState, run_id: str, layout: DataLayout,
) -> tuple[RegistryState, pd.DataFrame]:
    taxonomy = load_taxonomy()
    at = pd.Timestamp.now(tz="UTC")
    with stages.stage("union"):
        posts, union = union_posts(raw, LanguageDetector(cache_root=layout.language_cache))
    with stages.stage("clean"):
        posts, _ = clean_posts(posts.assign(title_en=posts["job_title"], desc_en=posts["job_desc"],
                                            title_language=posts["language"], desc_language=posts["language"]),
                               layout.cleaning_cache)
        posts = posts.drop(columns=["job_desc", "desc_clean"])  # what discovery no longer needs
    with stages.stage("embed"):
        titles, weights, vectors, encoded = embed_titles(service, posts["title_norm"])
    with stages.stage("code"):
        coded, _ = code_posts(posts, service.coder.labels, service.embedder.model_id, service.coder.settings,
                              layout, taxonomy, lambda: service)
    with stages.stage("cluster"):
        clustered = cluster_titles(titles, weights, vectors, load_config().clustering, state, run_id, at)
    with stages.stage("rank"):
        state = record_drops(clustered.state, coded["drop_id"].unique().tolist(), at)
        arrival = coded["drop_id"].map(state.drops.set_index("drop_id")["first_seen"])
        coded = coded.assign(period=post_periods(coded["posted_at"], arrival), source=coded["partner"])
        config = load_config()
        judged, _ = rank(clustered, coded, taxonomy, service.coder.labels, config.novelty, config.coder.main_languages)
        candidates = candidates_of(judged)
    with stages.stage("report"):
        render_report(candidates, clustered.assignments, report_figures(candidates, clustered.assignments))
    coding_titles = coded.drop_duplicates("title_code")
    voted = int(coding_titles["multilingual_vote"].sum())
    described = int(coded["description_vote"].sum())
    print(f"  {union.rows_in:,} rows, {union.rows_out:,} after dedup, {len(titles):,} unique normalized titles "
          f"({encoded:,} encoded now), {len(coding_titles):,} coding titles ({voted:,} with the multilingual vote), "
          f"{described:,} posts read with their description, "
          f"{len(judged):,} clusters, {len(candidates):,} candidates "
          f"({clustered.tracked.matched} kept their id, {clustered.tracked.new} new), "
          f"{int((clustered.tracked.labels == -1).sum()):,} noise titles")
    return state, candidates


def read(stages: Stages, path: Path, drop_id: str) -> pd.DataFrame:
    with stages.stage("read"):
        return masked_drop(read_drop(path.read_bytes(), path.name, PartnerSpec("generic"), drop_id).accepted)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--new-posts", type=int, default=10_000)
    parser.add_argument("--config", default="", help="settings file (index sources); default: the offline index")
    parser.add_argument("--cache", default="", help="embedding cache folder to reuse; default: a fresh one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        layout = layout_from_env(Path(args.cache).resolve().parents[1] if args.cache else folder / "data")
        start = time.perf_counter()
        big = generate(folder / "big.csv", args.posts, 1, date(2026, 1, 1), 334)
        new = generate(folder / "new.csv", args.new_posts, 2, date(2026, 12, 1), 31)
        print(f"generated {args.posts:,} + {args.new_posts:,} posts in {time.perf_counter() - start:.0f} s "
              f"({big.stat().st_size / MIB:,.0f} MiB CSV)")
        with_index = Stages("index")
        with with_index.stage("index"):
            service = CodingService.build(config_from_env(args.config or ""), layout)
        print(with_index.table())
        first = Stages(f"{args.posts:,} posts, cold")
        raw = read(first, big, "generic__big.csv__0000000001")
        state, _ = process(first, raw, service, RegistryState.empty(), "first", layout)
        print(first.table())
        second = Stages(f"+{args.new_posts:,} posts on top")
        raw = pd.concat([raw, read(second, new, "generic__new.csv__0000000002")], ignore_index=True)
        process(second, raw, service, state, "second", layout)
        print(second.table())


if __name__ == "__main__":
    main()
