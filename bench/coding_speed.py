"""Throughput of the retrieval coder: unique titles a second, encoding and coding apart.

    .venv/bin/python bench/coding_speed.py [--config bench/reference_sources.yaml] [--titles 5000]

Titles come from the generated demo drop (made unique by a counter-free variant set), so the
benchmark runs anywhere; the index embeddings are cached under $ISCO_DATA_DIR as in normal use.
"""

from __future__ import annotations

import argparse
import time

from isco_assets.lib.coding import CodingService
from isco_assets.lib.config import load_config
from isco_assets.lib.demo import generate_posts
from isco_assets.lib.layout import DataLayout
from isco_assets.lib.text import coding_title


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="")
    parser.add_argument("--titles", type=int, default=5000)
    args = parser.parse_args()
    service = CodingService.build(load_config(args.config), DataLayout.from_env())
    titles: list[str] = []
    seed = 0
    while len(titles) < args.titles:
        titles = list(dict.fromkeys([*titles, *(p["job_title"] for p in generate_posts(5000, seed=seed))]))
        seed += 1
    titles = [coding_title(t) for t in titles[: args.titles]]
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


if __name__ == "__main__":
    main()
