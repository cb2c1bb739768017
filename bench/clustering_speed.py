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
import pandas as pd

from isco_assets.lib.discover.cluster_tracking import RegistryState, track_run
from isco_assets.lib.discover.clustering import NOISE, cluster_vectors, summarize_clusters


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
    start = time.perf_counter()
    at = pd.Timestamp.now(tz="UTC")
    state, _ = track_run(RegistryState.empty(), "first", at, texts, weights, vectors, result.labels)
    first = time.perf_counter() - start
    shuffled = np.random.default_rng(1).permutation(result.labels.max() + 1)  # HDBSCAN's numbers change per run
    relabelled = np.where(result.labels == NOISE, NOISE, shuffled[result.labels])
    _, again = track_run(state, "second", at, texts, weights, vectors, relabelled)
    print(f"stable ids: first run {first:.1f} s, matching a renumbered run {time.perf_counter() - start - first:.1f} s "
          f"({again.matched:,} kept their id, {again.new:,} new)")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main()
