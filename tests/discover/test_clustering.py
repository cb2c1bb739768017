"""Density clustering of title vectors, noise handling, keywords and cluster summaries."""

from __future__ import annotations

import numpy as np
import pytest

from isco_assets.lib.discover.clustering import (
    NOISE,
    _drop_light_clusters,
    _settle_noise,
    auto_min_cluster_size,
    cluster_centroids,
    cluster_vectors,
    ctfidf_keywords,
    map_coordinates,
    reduce_dimensions,
    summarize_clusters,
)

DIM = 384
BLOB = 30


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def _data(seed: int = 0, n_noise: int = 8, jitter: float = 0.005) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = _unit(rng.normal(size=(3, DIM)))
    blobs = [_unit(c + jitter * rng.normal(size=(BLOB, DIM))) for c in centers]
    noise = _unit(rng.normal(size=(n_noise, DIM)))
    return np.vstack([*blobs, noise]), centers


def test_auto_min_cluster_size() -> None:
    assert auto_min_cluster_size(0) == 5
    assert auto_min_cluster_size(100) == 5
    assert auto_min_cluster_size(250_000) == 50
    assert auto_min_cluster_size(1_000_000) == 100
    assert auto_min_cluster_size(10**9) == 100


def test_reduce_dimensions_shape() -> None:
    vectors, _ = _data()
    assert reduce_dimensions(vectors, 10, 200_000).shape == (len(vectors), 10)
    assert reduce_dimensions(vectors[:4], 10, 200_000).shape == (4, 3)  # at most n - 1 components
    assert reduce_dimensions(vectors, 5, 50).shape == (len(vectors), 5)  # fit on a sample


def test_reduce_dimensions_is_exact_pca_with_fixed_signs() -> None:
    """The projection is the exact principal components (scikit-learn's full SVD agrees up to sign), each oriented
    so its largest loading is positive: the same result on any device, run after run."""
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(3)
    vectors = _unit(rng.normal(size=(500, 40)) * (0.8 ** np.arange(40)))
    reduced = reduce_dimensions(vectors, 5, 200_000)
    expected = PCA(n_components=5, svd_solver="full").fit_transform(vectors)
    signs = np.sign((reduced * expected).sum(axis=0))
    np.testing.assert_allclose(reduced, expected * signs, atol=1e-4)
    mean = vectors.mean(axis=0)
    components = np.linalg.lstsq(reduced, vectors - mean, rcond=None)[0]  # rows: the components
    largest = components[np.arange(5), np.abs(components).argmax(axis=1)]
    assert (largest > 0).all()
    np.testing.assert_array_equal(reduce_dimensions(vectors, 5, 200_000), reduced)


@pytest.mark.parametrize("seed", [0, 1])
def test_three_blobs_give_three_clusters(seed: int) -> None:
    vectors, _ = _data(seed)
    result = cluster_vectors(vectors, min_cluster_size=10, dimensions=10)
    assert result.min_cluster_size == 10
    assert result.labels.shape == (len(vectors),)
    assert result.reduced.shape == (len(vectors), 10)
    blob_labels = [set(result.labels[i * BLOB:(i + 1) * BLOB].tolist()) for i in range(3)]
    assert all(len(s) == 1 for s in blob_labels)
    ids = [next(iter(s)) for s in blob_labels]
    assert NOISE not in ids
    assert len(set(ids)) == 3
    assert set(result.labels.tolist()) <= {*ids, NOISE}


def test_too_little_data_is_all_noise() -> None:
    vectors, _ = _data(0, n_noise=0)
    assert (cluster_vectors(vectors[:2]).labels == NOISE).all()
    small = cluster_vectors(vectors[:15], min_cluster_size=10)  # weight 15 < 2 * 10
    assert (small.labels == NOISE).all()
    assert small.min_cluster_size == 10


def test_settle_noise() -> None:
    rng = np.random.default_rng(3)
    a, b, far_heavy, far_light = _unit(rng.normal(size=(4, DIM)))
    members_a = _unit(a + 0.01 * rng.normal(size=(5, DIM)))
    members_b = _unit(b + 0.01 * rng.normal(size=(5, DIM)))
    near_a = _unit(a + 0.02 * rng.normal(size=DIM))
    vectors = np.vstack([members_a, members_b, near_a, far_heavy, far_light])
    labels = np.array([0] * 5 + [1] * 5 + [NOISE, NOISE, NOISE])
    weights = np.array([1.0] * 10 + [1.0, 40.0, 3.0])
    settled = _settle_noise(vectors, weights, labels, size=10)
    assert settled[:10].tolist() == labels[:10].tolist()
    assert settled[10] == 0  # close to cluster 0's centroid: absorbed
    assert settled[11] == 2  # heavy and alone: a cluster of its own
    assert settled[12] == NOISE  # light and alone: stays noise
    assert labels[10] == NOISE  # the input is not modified


def test_clusters_lighter_than_the_minimum_size_become_noise() -> None:
    labels = np.array([0, 0, 1, 2, 2, NOISE])
    weights = np.array([6.0, 5.0, 1.0, 3.0, 3.0, 50.0])
    assert _drop_light_clusters(labels, weights, size=10).tolist() == [0, 0, NOISE, NOISE, NOISE, NOISE]
    assert _drop_light_clusters(np.full(3, NOISE), np.ones(3), size=10).tolist() == [NOISE] * 3


def test_settle_noise_without_clusters() -> None:
    rng = np.random.default_rng(4)
    vectors = _unit(rng.normal(size=(3, DIM)))
    settled = _settle_noise(vectors, np.array([20.0, 1.0, 25.0]), np.full(3, NOISE), size=10)
    assert settled.tolist() == [0, NOISE, 1]


def test_heavy_single_title_becomes_a_cluster() -> None:
    vectors, _ = _data(0, n_noise=0)
    rng = np.random.default_rng(9)
    heavy = _unit(rng.normal(size=(1, DIM)))
    all_vectors = np.vstack([vectors, heavy])
    weights = np.ones(len(all_vectors))
    weights[-1] = 60.0  # one title carried by 60 posts, no variants
    result = cluster_vectors(all_vectors, weights, min_cluster_size=10, dimensions=10)
    blob_ids = {int(result.labels[i * BLOB]) for i in range(3)}
    assert len(blob_ids) == 3
    assert result.labels[-1] != NOISE
    assert result.labels[-1] not in blob_ids


def test_ctfidf_keywords_pick_distinctive_words() -> None:
    docs = {
        0: [("data engineer", 3.0), ("senior data engineer", 1.0), ("data platform engineer", 2.0)],
        1: [("truck driver", 5.0), ("delivery driver", 2.0), ("driver 2024", 1.0)],
        2: [("prompt engineer", 4.0), ("ai prompt engineer", 1.0)],
    }
    keywords = ctfidf_keywords(docs, top_n=3)
    assert set(keywords) == {0, 1, 2}
    assert keywords[0][0] == "data"
    assert keywords[1][0] == "driver"
    assert keywords[2][0] == "prompt"
    assert all(len(v) <= 3 for v in keywords.values())
    assert "2024" not in keywords[1]  # digits are not words
    assert "ai" in ctfidf_keywords(docs)[2]


def test_summarize_clusters() -> None:
    rng = np.random.default_rng(5)
    c0, c1 = _unit(rng.normal(size=(2, DIM)))
    texts = ["data engineer", "big data engineer", "data engineer lead", "truck driver", "lorry driver", "astronaut"]
    vectors = np.vstack([
        _unit(c0 + 0.01 * rng.normal(size=DIM)),
        _unit(c0 + 0.30 * rng.normal(size=DIM)),  # far from the centroid
        _unit(c0 + 0.10 * rng.normal(size=DIM)),
        _unit(c1 + 0.01 * rng.normal(size=DIM)),
        _unit(c1 + 0.01 * rng.normal(size=DIM)),
        _unit(rng.normal(size=DIM)),
    ])
    weights = np.array([1.0, 1.0, 1.0, 1.0, 4.0, 7.0])
    labels = np.array([3, 3, 3, 7, 7, NOISE])
    frame = summarize_clusters(texts, weights, vectors, labels, n_exemplars=2)
    assert list(frame.columns) == ["cluster_id", "n_posts", "n_titles", "exemplars", "top_titles", "cohesion",
                                   "centroid", "keywords"]
    assert frame["cluster_id"].tolist() == [3, 7]  # noise is no cluster
    first = frame.iloc[0]
    assert first["n_posts"] == 3
    assert first["n_titles"] == 3
    assert first["exemplars"] == ["data engineer", "data engineer lead"]  # nearest the centroid first
    assert first["top_titles"] == ["data engineer", "big data engineer"]  # ties keep input order
    assert first["keywords"][0] == "data"
    assert first["centroid"].shape == (DIM,)
    assert first["centroid"].dtype == np.float32
    assert np.linalg.norm(first["centroid"]) == pytest.approx(1.0, abs=1e-5)
    assert 0 < first["cohesion"] <= 1
    second = frame.iloc[1]
    assert second["n_posts"] == 5
    assert second["n_titles"] == 2
    assert second["top_titles"] == ["lorry driver", "truck driver"]  # by post count
    assert second["keywords"][0] == "driver"
    assert second["cohesion"] > first["cohesion"]


def test_summarize_clusters_only_noise() -> None:
    vectors = _unit(np.random.default_rng(6).normal(size=(2, DIM)))
    frame = summarize_clusters(["a", "b"], np.ones(2), vectors, np.full(2, NOISE))
    assert frame.empty
    assert "keywords" in frame.columns


def test_cluster_centroids_are_weighted_and_unit_length() -> None:
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    ids, centroids = cluster_centroids(vectors, np.array([3.0, 1.0, 1.0, 5.0]), np.array([2, 2, 5, NOISE]))
    assert ids.tolist() == [2, 5]
    assert centroids[0] == pytest.approx(np.array([3.0, 1.0]) / np.sqrt(10.0))
    assert centroids[1] == pytest.approx([0.0, 1.0])
    assert cluster_centroids(vectors, np.ones(4), np.full(4, NOISE))[1].shape == (0, 2)


def test_map_coordinates_keep_blobs_apart() -> None:
    vectors, _ = _data(0, n_noise=0)
    labels = np.repeat([0, 1, 2], BLOB)
    plane = map_coordinates(vectors, np.ones(len(vectors)), labels)
    assert plane.shape == (len(vectors), 2)
    centres = np.stack([plane[labels == c].mean(axis=0) for c in range(3)])
    spread = max(np.linalg.norm(plane[labels == c] - centres[c], axis=1).max() for c in range(3))
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a, b in ((0, 1), (0, 2), (1, 2))]
    assert min(gaps) > 2 * spread
    assert not map_coordinates(vectors[:2], np.ones(2), np.full(2, NOISE)).any()  # too little to map
