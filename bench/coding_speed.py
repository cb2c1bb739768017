"""Throughput of the retrieval coder: unique titles a second, encoding and coding apart.

    .venv/bin/python bench/coding_speed.py [--config bench/reference_sources.yaml] [--titles 5000]

Titles come from the generated demo drop (made unique by a counter-free variant set), so the
benchmark runs anywhere; the index embeddings are cached under $ISCO_DATA_DIR as in normal use.
The first line codes every title with the main model alone; the second, the titles in a language outside
``coder.main_languages`` as the pipeline codes them, with the multilingual model's vote (its encoding and its
own retrieval over the index) added; the third, those of them the glossary learned from the index reads, with the
main model's vote for their English gloss added too (glossing, its encoding and its retrieval).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from isco_assets.lib.classify.coder import MultilingualVote
from isco_assets.lib.classify.coding import CodingService
from isco_assets.lib.demo.drop import generate_posts
from isco_assets.lib.prepare.language import outside
from isco_assets.lib.prepare.text import coding_title
from isco_assets.resources.environment import config_from_env, layout_from_env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="")
    parser.add_argument("--titles", type=int, default=5000)
    args = parser.parse_args()
    service = CodingService.build(config_from_env(args.config), layout_from_env())
    language: dict[str, str] = {}
    seed = 0
    while len(language) < args.titles:
        language |= {p["job_title"]: p["language"] for p in generate_posts(5000, seed=seed) if p["job_title"]
                     not in language}
        seed += 1
    raw = list(language)[: args.titles]
    titles = [coding_title(t) for t in raw]
    start = time.perf_counter()
    vectors = service.embedder.encode(titles)
    encoded = time.perf_counter() - start
    start = time.perf_counter()
    service.coder.code(titles, vectors)
    coded = time.perf_counter() - start
    labels = len(service.coder.labels)
    print(f"{len(titles):,} titles against {labels:,} index labels on {service.embedder.device}:")
    print(f"  encode {len(titles) / encoded:,.0f} titles/s   code {len(titles) / coded:,.0f} titles/s   "
          f"end to end {len(titles) / (encoded + coded):,.0f} titles/s")
    rows = outside(service.config.coder.main_languages, [language[t] for t in raw])
    second = service.second if rows.any() else None
    if second is None:
        return
    chosen = [t for t, r in zip(titles, rows, strict=True) if r]
    start = time.perf_counter()
    other = second.embedder.encode(chosen)
    encoded_second = time.perf_counter() - start
    opinion = MultilingualVote(second.coder, other, np.ones(len(chosen), dtype=bool), second.weight)
    start = time.perf_counter()
    service.coder.code(chosen, vectors[rows], second=opinion)
    coded_both = time.perf_counter() - start
    n = len(chosen)
    per_title = encoded / len(titles) + encoded_second / n + coded_both / n
    print(f"{n:,} of them outside {list(service.config.coder.main_languages)}, with the vote of "
          f"{second.embedder.model_id}:")
    print(f"  encode {n / encoded_second:,.0f} titles/s (that model)   code {n / coded_both:,.0f} titles/s (both "
          f"retrievals)   end to end {1 / per_title:,.0f} titles/s")
    start = time.perf_counter()
    gloss = service.gloss_vote(chosen, np.ones(n, dtype=bool), [language[t] for t, r in zip(raw, rows, strict=True)
                                                                if r])
    glossed = time.perf_counter() - start
    if gloss is None:
        return
    start = time.perf_counter()
    service.coder.code(chosen, vectors[rows], second=opinion, gloss=gloss)
    coded_all = time.perf_counter() - start
    read = int(gloss.rows.sum())
    print(f"{read:,} of those read as an English gloss too (glossary learned and titles glossed and encoded in "
          f"{glossed:.1f} s): code {n / coded_all:,.0f} titles/s (three readings)   end to end "
          f"{1 / (per_title + glossed / n + (coded_all - coded_both) / n):,.0f} titles/s")


if __name__ == "__main__":
    main()
