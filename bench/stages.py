"""The discovery half of the pipeline as plain calls, shared by the benchmarks.

The same lib functions the assets run (embed unique titles through the cache, cluster, track ids, tabulate
activity, rank; posts are coded by ``lib.coding.code_posts``, as the asset codes them), without Dagster and its
Parquet round trips, so each stage can be timed alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from isco_assets.lib.classify.coding import CodingService
from isco_assets.lib.classify.taxonomy import IscoTaxonomy
from isco_assets.lib.config import ClusterSettings, NoveltySettings
from isco_assets.lib.discover.cluster_periods import activity_table
from isco_assets.lib.discover.cluster_tracking import ClusterTables, RegistryState, cluster_tables
from isco_assets.lib.discover.clustering import cluster_vectors
from isco_assets.lib.discover.index_words import IndexWords
from isco_assets.lib.discover.novelty import judge_clusters


def embed_titles(service: CodingService, title_norm: pd.Series) -> tuple[list[str], np.ndarray, np.ndarray, int]:
    """Unique normalized titles, their post counts and vectors (through the cache), and how many were encoded."""
    counts = title_norm.value_counts(sort=False)
    titles = counts.index.tolist()
    vectors, encoded = service.cache.embed(titles, service.embedder)
    return titles, counts.to_numpy(dtype=np.float64), vectors, encoded


def cluster_titles(
    titles: list[str], weights: np.ndarray, vectors: np.ndarray, knobs: ClusterSettings, state: RegistryState,
    run_id: str, at: pd.Timestamp,
) -> ClusterTables:
    clustering = cluster_vectors(vectors, weights, knobs.min_cluster_size, knobs.dimensions, knobs.sample_size)
    return cluster_tables(state, run_id, at, titles, weights, vectors, clustering.labels)


def rank(
    clustered: ClusterTables, coded: pd.DataFrame, taxonomy: IscoTaxonomy, labels: pd.DataFrame,
    settings: NoveltySettings, main_languages: tuple[str, ...] = ("en",),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every cluster judged (candidates first) and the activity table; ``coded`` holds one row per post with the
    coder's columns, ``title_norm`` and whichever of period, source, country, language, company it has; ``labels``
    the index's. Names are the most common title."""
    posts = coded.merge(clustered.assignments[["title_norm", "cluster_id"]], on="title_norm", how="left")
    activity = activity_table(posts)
    clusters = clustered.clusters.drop(columns=["centroid"])
    names = pd.DataFrame({"cluster_id": clusters["cluster_id"], "summary": "",
                          "name": [next(iter(t)) for t in clusters["top_titles"]]})
    words = IndexWords.of(labels, settings.generic_groups, main_languages)
    return judge_clusters(clusters, names, posts, taxonomy, activity, settings, words, main_languages), activity
