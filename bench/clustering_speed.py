"""Clustering time at scale: PCA + HDBSCAN on synthetic title embeddings.

    .venv/bin/python bench/clustering_speed.py --titles 100000

The vectors are unit-normalized draws around a few thousand random "occupation" centres in 384
dimensions, with heavy-tailed post counts as weights, which is the shape of real title embeddings
closely enough for timing (not for quality).
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from isco_assets.lib.clustering import NOISE, cluster_vectors, summarize_clusters


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--titles", type=int, default=100_000)
    parser.add_argument("--centres", type=int, default=3_000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(args.centres, 384)).astype(np.float32)
    owner = rng.integers(0, args.centres, args.titles)
    vectors = centres[owner] + 0.35 * rng.normal(size=(args.titles, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    weights = np.minimum(rng.zipf(2.0, args.titles), 10_000).astype(np.float64)
    cluster_vectors(vectors[:2000], weights[:2000])  # compile the numba kernels outside the timing
    start = time.perf_counter()
    result = cluster_vectors(vectors, weights)
    fitted = time.perf_counter() - start
    texts = [f"title {i}" for i in range(args.titles)]
    summary = summarize_clusters(texts, weights, vectors, result.labels)
    total = time.perf_counter() - start
    noise = float((result.labels == NOISE).mean())
    print(f"{args.titles:,} titles: clustering {fitted:.1f} s, with summaries {total:.1f} s; "
          f"{len(summary):,} clusters, {noise:.1%} noise titles, min_cluster_size {result.min_cluster_size}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
