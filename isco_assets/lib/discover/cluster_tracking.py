"""Stable cluster ids across runs, so that a candidate has a history, and the registry that remembers them.

HDBSCAN numbers its clusters afresh on every run. Each run's clusters are matched to the clusters the
registry last saw, by member-title overlap (weighted by posts) and centroid similarity, one-to-one
(Hungarian assignment); a matched cluster keeps its id, an unmatched one gets a new id, never reused.
A new cluster whose posts were mostly noise in the previous run is marked as grown out of the noise.

The registry is a set of Parquet tables under ``$ISCO_DATA_DIR/tracking/`` rather than the previous
materialization of an asset: it keeps every run's history (not only the last one), it survives a change
of IO manager or a wiped table, and a re-run on the same data maps every cluster to the same ids.
Each table is replaced atomically; a run that fails before saving leaves the registry as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from isco_assets.lib.common.storage import atomic_write
from isco_assets.lib.discover.clustering import NOISE, cluster_centroids, map_coordinates, summarize_clusters

REGISTRY_FOLDER = "tracking"
MIN_OVERLAP = 0.3  # share of the posts of either cluster carried by titles the two share
MIN_SIMILARITY = 0.9  # centroid cosine that matches clusters even without shared titles
FROM_NOISE_SHARE = 0.5  # a new cluster whose posts were at least this share noise before "grew out of the noise"

_CLUSTERS = ("cluster_id", "centroid", "first_run", "first_seen", "last_run", "last_seen", "runs_present",
             "origin", "from_noise_share")
_MEMBERS = ("title_norm", "cluster_id", "n_posts")
_RUNS = ("run_id", "at", "clusters", "new_clusters", "noise_titles", "noise_posts")
_HISTORY = ("run_id", "at", "cluster_id", "n_posts", "n_titles")
_NOISE = ("title_norm", "first_seen", "last_seen", "runs_as_noise", "n_posts")
_DROPS = ("drop_id", "first_seen")


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


@dataclass(frozen=True)
class RegistryState:
    """Everything the registry remembers; one frame per Parquet table."""

    clusters: pd.DataFrame  # every stable cluster ever seen, with its last centroid
    members: pd.DataFrame  # the last run's title -> stable cluster id (noise included), for the next match
    runs: pd.DataFrame  # one row per tracked run
    history: pd.DataFrame  # posts and titles per run and cluster
    noise: pd.DataFrame  # every title that was ever noise: when, how often, its last post count
    drops: pd.DataFrame  # when each drop was first seen (the period of posts without a date)

    @classmethod
    def empty(cls) -> RegistryState:
        return cls(_empty(_CLUSTERS), _empty(_MEMBERS), _empty(_RUNS), _empty(_HISTORY), _empty(_NOISE),
                   _empty(_DROPS))


@dataclass(frozen=True)
class TrackedRun:
    labels: np.ndarray  # stable cluster id per input title, -1 for noise
    clusters: pd.DataFrame  # per stable cluster of this run: first_seen, runs_present, origin, from_noise_share
    matched: int
    new: int


def membership_overlap(
    current: pd.DataFrame, previous: pd.DataFrame
) -> pd.DataFrame:
    """Per (current, previous) cluster pair that share titles: the share of each side's posts the shared titles
    carry. Both frames hold ``title_norm``, ``cluster_id`` and ``n_posts``; noise rows are ignored."""
    cur = current[current["cluster_id"] != NOISE]
    prev = previous[previous["cluster_id"] != NOISE]
    joined = cur.merge(prev, on="title_norm", suffixes=("", "_prev"))
    if joined.empty:
        return pd.DataFrame(columns=["cluster_id", "cluster_id_prev", "share", "share_prev"])
    shared = joined.groupby(["cluster_id", "cluster_id_prev"], as_index=False)[["n_posts", "n_posts_prev"]].sum()
    shared["share"] = shared["n_posts"] / shared["cluster_id"].map(cur.groupby("cluster_id")["n_posts"].sum())
    shared["share_prev"] = shared["n_posts_prev"] / shared["cluster_id_prev"].map(
        prev.groupby("cluster_id")["n_posts"].sum())
    return shared[["cluster_id", "cluster_id_prev", "share", "share_prev"]]


def match_clusters(
    current_ids: np.ndarray, current_centroids: np.ndarray, previous_ids: np.ndarray,
    previous_centroids: np.ndarray, overlap: pd.DataFrame, min_overlap: float = MIN_OVERLAP,
    min_similarity: float = MIN_SIMILARITY,
) -> dict[int, int]:
    """Current cluster id -> previous cluster id, one-to-one, for pairs that share enough posts' titles or sit
    close enough. The assignment maximizes overlap plus similarity, so a split keeps the id on its larger side."""
    from scipy.optimize import linear_sum_assignment

    if len(current_ids) == 0 or len(previous_ids) == 0:
        return {}
    similarity = np.clip(current_centroids @ previous_centroids.T, -1.0, 1.0)
    share = np.zeros_like(similarity)
    if len(overlap):
        row = pd.Index(current_ids).get_indexer(overlap["cluster_id"])
        col = pd.Index(previous_ids).get_indexer(overlap["cluster_id_prev"])
        ok = (row >= 0) & (col >= 0)
        share[row[ok], col[ok]] = np.maximum(overlap["share"].to_numpy(), overlap["share_prev"].to_numpy())[ok]
    eligible = (share >= min_overlap) | (similarity >= min_similarity)
    gain = np.where(eligible, share + 0.5 * similarity, 0.0)
    rows, cols = linear_sum_assignment(gain, maximize=True)
    return {int(current_ids[r]): int(previous_ids[c]) for r, c in zip(rows, cols, strict=True) if eligible[r, c]}


def track_run(
    state: RegistryState, run_id: str, at: pd.Timestamp, titles: list[str], weights: np.ndarray,
    vectors: np.ndarray, labels: np.ndarray,
) -> tuple[RegistryState, TrackedRun]:
    """Give this run's clusters stable ids and fold the run into the registry (a new state; nothing written)."""
    weights = np.asarray(weights, dtype=np.float64)
    ids, centroids = cluster_centroids(vectors, weights, labels)
    current = pd.DataFrame({"title_norm": titles, "cluster_id": labels, "n_posts": weights})
    prev = state.clusters
    prev_ids = prev["cluster_id"].to_numpy(dtype=np.int64)
    prev_centroids = np.stack(prev["centroid"].map(np.asarray).tolist()) if len(prev) else np.zeros((0, 1))
    # only clusters the last run saw compete for matches (older ones stay retired), and only in the same space
    live_rows = np.isin(prev_ids, state.members["cluster_id"].to_numpy(dtype=np.int64))
    if prev_centroids.shape[1] != centroids.shape[1]:  # another embedding model: nothing is comparable
        live_rows[:] = False
    mapping = match_clusters(ids, centroids, prev_ids[live_rows], prev_centroids[live_rows],
                             membership_overlap(current, state.members))
    next_id = int(prev_ids.max()) + 1 if len(prev_ids) else 0
    for c in ids.tolist():
        if c not in mapping:
            mapping[c] = next_id
            next_id += 1
    stable = np.array([mapping.get(int(c), NOISE) for c in labels], dtype=np.int64)
    new_ids = {mapping[c] for c in ids.tolist()} - set(prev_ids.tolist())
    from_noise = _from_noise_share(current.assign(cluster_id=stable), state.members)
    run_clusters = _updated_clusters(prev, ids, centroids, mapping, new_ids, from_noise, run_id, at)
    members = pd.DataFrame({"title_norm": titles, "cluster_id": stable, "n_posts": weights.astype(np.int64)})
    noise_rows = stable == NOISE
    sizes = members[~noise_rows].groupby("cluster_id").agg(n_posts=("n_posts", "sum"), n_titles=("title_norm", "size"))
    history = sizes.reset_index().assign(run_id=run_id, at=at)[list(_HISTORY)]
    run = pd.DataFrame([{
        "run_id": run_id, "at": at, "clusters": len(ids), "new_clusters": len(new_ids),
        "noise_titles": int(noise_rows.sum()), "noise_posts": int(weights[noise_rows].sum()),
    }])
    unchanged = prev[~prev["cluster_id"].isin(run_clusters["cluster_id"])]
    new_state = RegistryState(
        clusters=_concat(unchanged, run_clusters).sort_values("cluster_id").reset_index(drop=True),
        members=members,
        runs=_concat(state.runs, run),
        history=_concat(state.history, history),
        noise=_updated_noise(state.noise, members[noise_rows], at),
        drops=state.drops,
    )
    view = run_clusters[["cluster_id", "first_seen", "runs_present", "origin", "from_noise_share"]]
    return new_state, TrackedRun(stable, view.reset_index(drop=True), len(ids) - len(new_ids), len(new_ids))


def record_drops(state: RegistryState, drop_ids: list[str], at: pd.Timestamp) -> RegistryState:
    """Remember when each drop was first seen; a drop seen before keeps its first time."""
    known = set(state.drops["drop_id"])
    fresh = pd.DataFrame({"drop_id": sorted(set(drop_ids) - known), "first_seen": at})
    return replace(state, drops=_concat(state.drops, fresh)) if len(fresh) else state


def _from_noise_share(current: pd.DataFrame, previous: pd.DataFrame) -> pd.Series:
    """Per current cluster: the share of its posts carried by titles that were noise in the previous run."""
    was_noise = set(previous.loc[previous["cluster_id"] == NOISE, "title_norm"])
    members = current[current["cluster_id"] != NOISE]
    noisy = members["title_norm"].isin(was_noise)
    totals = members.groupby("cluster_id")["n_posts"].sum()
    return (members[noisy].groupby("cluster_id")["n_posts"].sum() / totals).reindex(totals.index, fill_value=0.0)


def _updated_clusters(
    prev: pd.DataFrame, ids: np.ndarray, centroids: np.ndarray, mapping: dict[int, int],
    new_ids: set[int], from_noise: pd.Series, run_id: str, at: pd.Timestamp,
) -> pd.DataFrame:
    known = prev.set_index("cluster_id") if len(prev) else None
    rows = []
    for c, centroid in zip(ids.tolist(), centroids, strict=True):
        sid = mapping[c]
        share = float(from_noise.get(sid, 0.0))
        if sid in new_ids or known is None:
            first_run, first_seen, runs = run_id, at, 1
            origin = "noise" if share >= FROM_NOISE_SHARE else "new"
        else:
            old = known.loc[sid]
            first_run, first_seen, runs, origin = old["first_run"], old["first_seen"], int(old["runs_present"]) + 1, (
                old["origin"])
            share = float(old["from_noise_share"])
        rows.append({
            "cluster_id": sid, "centroid": centroid, "first_run": first_run, "first_seen": first_seen,
            "last_run": run_id, "last_seen": at, "runs_present": runs, "origin": origin,
            "from_noise_share": round(share, 4),
        })
    return pd.DataFrame(rows, columns=list(_CLUSTERS))


def _updated_noise(noise: pd.DataFrame, current: pd.DataFrame, at: pd.Timestamp) -> pd.DataFrame:
    """One row per title ever noise; this run's noise titles get their last count and one more run."""
    now = current[["title_norm", "n_posts"]].set_index("title_norm")
    old = noise.set_index("title_norm")
    merged = old.reindex(old.index.union(now.index))
    seen_now = merged.index.isin(now.index)
    merged.loc[seen_now, "n_posts"] = now["n_posts"]
    merged.loc[seen_now, "last_seen"] = at
    merged["first_seen"] = merged["first_seen"].where(merged["first_seen"].notna(), at)
    merged["runs_as_noise"] = merged["runs_as_noise"].fillna(0).astype(int) + seen_now.astype(int)
    return merged.reset_index()[list(_NOISE)]


def _concat(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    parts = [f for f in (a, b) if len(f)]
    if not parts:
        return a.iloc[0:0]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)


class ClusterRegistry:
    """The registry's Parquet tables in one folder (``$ISCO_DATA_DIR/tracking``)."""

    TABLES = ("clusters", "members", "runs", "history", "noise", "drops")

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def load(self) -> RegistryState:
        empty = RegistryState.empty()
        frames = {}
        for name in self.TABLES:
            path = self.folder / f"{name}.parquet"
            frames[name] = pq.read_table(path).to_pandas() if path.exists() else getattr(empty, name)
        if len(frames["clusters"]):
            frames["clusters"]["centroid"] = frames["clusters"]["centroid"].map(
                lambda v: np.asarray(v, dtype=np.float32))
        return RegistryState(**frames)

    def save(self, state: RegistryState, tables: tuple[str, ...] = TABLES) -> None:
        """Write ``tables`` of ``state`` (all by default); each file is replaced atomically."""
        for name in tables:
            table = pa.Table.from_pandas(getattr(state, name), preserve_index=False)
            atomic_write(self.folder / f"{name}.parquet", lambda path, table=table: pq.write_table(table, path))


@dataclass(frozen=True)
class ClusterTables:
    """A clustering with stable ids, as the pipeline keeps it: the registry's new state, the tracking result, the
    clusters (summaries with their tracking columns) and the assignments (title -> cluster, with map coordinates)."""

    state: RegistryState
    tracked: TrackedRun
    clusters: pd.DataFrame
    assignments: pd.DataFrame


def cluster_tables(
    state: RegistryState, run_id: str, at: pd.Timestamp, titles: list[str], weights: np.ndarray,
    vectors: np.ndarray, labels: np.ndarray,
) -> ClusterTables:
    state, tracked = track_run(state, run_id, at, titles, weights, vectors, labels)
    clusters = summarize_clusters(titles, weights, vectors, tracked.labels).merge(tracked.clusters, on="cluster_id")
    plane = map_coordinates(vectors, weights, tracked.labels)
    assignments = pd.DataFrame({"title_norm": titles, "cluster_id": tracked.labels,
                                "n_posts": np.asarray(weights).astype(int), "map_x": plane[:, 0], "map_y": plane[:, 1]})
    return ClusterTables(state, tracked, clusters, assignments)
