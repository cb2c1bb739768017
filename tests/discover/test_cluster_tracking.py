"""Stable cluster ids across runs, noise that grows into a cluster, and the registry on disk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from isco_assets.lib.discover.cluster_tracking import (
    ClusterRegistry,
    RegistryState,
    match_clusters,
    membership_overlap,
    record_drops,
    track_run,
)
from isco_assets.lib.discover.clustering import NOISE

DIM = 32
T1, T2, T3 = (pd.Timestamp(f"2026-0{m}-01", tz="UTC") for m in (1, 2, 3))


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def space() -> dict[str, np.ndarray]:
    """Three occupations (a, b, c), each with 10 title variants near its centre."""
    rng = np.random.default_rng(0)
    centres = _unit(rng.normal(size=(3, DIM)))
    return {name: _unit(centres[i] + 0.05 * rng.normal(size=(10, DIM))) for i, name in enumerate("abc")}


def _run(space: dict[str, np.ndarray], groups: dict[str, tuple[str, range, int]]) -> tuple[
        list[str], np.ndarray, np.ndarray, np.ndarray]:
    """``groups``: local label -> (occupation, which of its variants, label); -1 marks noise."""
    titles, vectors, labels = [], [], []
    for occupation, variants, label in groups.values():
        for v in variants:
            titles.append(f"{occupation} title {v}")
            vectors.append(space[occupation][v])
            labels.append(label)
    return titles, np.ones(len(titles)) * 3, np.stack(vectors), np.array(labels)


def test_ids_survive_renumbering_and_changed_membership(space: dict[str, np.ndarray]) -> None:
    state = RegistryState.empty()
    first = _run(space, {"a": ("a", range(0, 8), 0), "b": ("b", range(0, 8), 1)})
    state, run1 = track_run(state, "run-1", T1, *first)
    assert sorted(set(run1.labels.tolist())) == [0, 1]
    assert run1.new == 2 and run1.matched == 0
    # HDBSCAN numbers them the other way round, membership changes (2 variants leave, 2 arrive), c is new
    second = _run(space, {"b": ("b", range(2, 10), 0), "a": ("a", range(0, 10), 5), "c": ("c", range(0, 10), 2)})
    state, run2 = track_run(state, "run-2", T2, *second)
    titles = second[0]
    by_title = dict(zip(titles, run2.labels.tolist(), strict=True))
    assert by_title["a title 9"] == 0  # a keeps id 0
    assert by_title["b title 9"] == 1  # b keeps id 1
    assert by_title["c title 0"] == 2  # c is new: the next id
    assert run2.matched == 2 and run2.new == 1
    info = run2.clusters.set_index("cluster_id")
    assert info.loc[0, "runs_present"] == 2
    assert info.loc[0, "first_seen"] == T1
    assert info.loc[2, "first_seen"] == T2
    assert info.loc[2, "origin"] == "new"
    assert state.history.groupby("run_id").size().to_dict() == {"run-1": 2, "run-2": 3}


def test_a_cluster_that_vanished_does_not_lend_its_id(space: dict[str, np.ndarray]) -> None:
    state, _ = track_run(RegistryState.empty(), "r1", T1, *_run(space, {"a": ("a", range(10), 0)}))
    state, _ = track_run(state, "r2", T2, *_run(space, {"b": ("b", range(10), 0)}))
    state, run3 = track_run(state, "r3", T3, *_run(space, {"a": ("a", range(10), 0)}))
    assert set(run3.labels.tolist()) == {2}  # a was retired in r2; its return is a new cluster
    assert sorted(state.clusters["cluster_id"]) == [0, 1, 2]


def test_noise_that_grows_into_a_cluster_is_marked(space: dict[str, np.ndarray]) -> None:
    state, run1 = track_run(RegistryState.empty(), "r1", T1, *_run(
        space, {"a": ("a", range(10), 0), "c": ("c", range(0, 4), NOISE)}))
    assert (run1.labels[-4:] == NOISE).all()
    assert set(state.noise["title_norm"]) == {f"c title {v}" for v in range(4)}
    state, run2 = track_run(state, "r2", T2, *_run(space, {"a": ("a", range(10), 0), "c": ("c", range(0, 6), 1)}))
    info = run2.clusters.set_index("cluster_id")
    assert info.loc[1, "origin"] == "noise"
    assert info.loc[1, "from_noise_share"] == pytest.approx(4 / 6, abs=1e-4)
    assert info.loc[0, "origin"] == "new"
    noise = state.noise.set_index("title_norm")
    assert noise.loc["c title 0", "runs_as_noise"] == 1  # kept after it joined a cluster
    assert noise.loc["c title 0", "last_seen"] == T1
    assert state.runs["noise_titles"].tolist() == [4, 0]


def test_match_by_centroid_without_shared_titles() -> None:
    rng = np.random.default_rng(1)
    old = _unit(rng.normal(size=(2, DIM)))
    new = _unit(old[::-1] + 0.01 * rng.normal(size=(2, DIM)))
    empty = membership_overlap(pd.DataFrame(columns=["title_norm", "cluster_id", "n_posts"]),
                               pd.DataFrame(columns=["title_norm", "cluster_id", "n_posts"]))
    assert match_clusters(np.array([0, 1]), new, np.array([7, 9]), old, empty) == {0: 9, 1: 7}
    far = _unit(rng.normal(size=(1, DIM)))
    assert match_clusters(np.array([0]), far, np.array([7]), old[:1], empty) == {}


def test_a_split_keeps_the_id_on_its_larger_side() -> None:
    previous = pd.DataFrame({"title_norm": list("abcdef"), "cluster_id": [4] * 6, "n_posts": [1] * 6})
    current = pd.DataFrame({"title_norm": list("abcdef"), "cluster_id": [0, 0, 0, 0, 1, 1], "n_posts": [1] * 6})
    overlap = membership_overlap(current, previous).set_index("cluster_id")
    assert overlap.loc[0, "share"] == 1.0 and overlap.loc[0, "share_prev"] == pytest.approx(4 / 6, abs=1e-4)
    centroid = _unit(np.ones((1, DIM)))
    assert match_clusters(np.array([0, 1]), np.vstack([centroid, centroid]), np.array([4]), centroid,
                          overlap.reset_index()) == {0: 4}


def test_registry_round_trip_and_drop_arrivals(tmp_path, space: dict[str, np.ndarray]) -> None:
    registry = ClusterRegistry(tmp_path / "tracking")
    state = registry.load()
    assert state.clusters.empty
    state, _ = track_run(state, "r1", T1, *_run(space, {"a": ("a", range(10), 0), "b": ("b", range(10), 1)}))
    state = record_drops(state, ["p__one__1", "p__two__2"], T1)
    state = record_drops(state, ["p__two__2", "p__three__3"], T2)
    registry.save(state)
    loaded = registry.load()
    assert loaded.drops.set_index("drop_id")["first_seen"].to_dict() == {
        "p__one__1": T1, "p__two__2": T1, "p__three__3": T2}
    assert loaded.clusters["centroid"].iloc[0].shape == (DIM,)
    # the same data again, from disk: the same ids
    _, again = track_run(loaded, "r2", T2, *_run(space, {"a": ("a", range(10), 1), "b": ("b", range(10), 0)}))
    assert again.labels[:10].tolist() == [0] * 10 and again.labels[10:].tolist() == [1] * 10
    assert not list((tmp_path / "tracking").glob(".*.tmp"))
