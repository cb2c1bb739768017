"""Density clustering of title embeddings: PCA down to a few dimensions, then HDBSCAN.

Titles are clustered once per unique normalized title, weighted by how many posts carry it. Large
inputs are fit on a sample and the rest assigned to the nearest cluster, which bounds time and memory.
Noise (label -1) is kept: posts that fit no cluster yet are signal for later drops.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from isco_assets.lib.embed.embedding import best_device

NOISE = -1
PROJECT_CHUNK = 65_536  # rows moved to the device at a time
ABSORB_SIMILARITY = 0.8
TOKEN = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray  # (n,) cluster id per input row, -1 for noise
    reduced: np.ndarray  # (n, d) coordinates the clustering ran in
    min_cluster_size: int


def auto_min_cluster_size(total_weight: float) -> int:
    """Grows slowly with volume: 5 posts for a small drop, 100 for about a million posts."""
    return int(min(100, max(5, round(math.sqrt(total_weight) / 10))))


def reduce_dimensions(vectors: np.ndarray, dimensions: int, sample_size: int, seed: int = 0) -> np.ndarray:
    """PCA fit on a sample, applied to all rows, on the GPU when there is one.

    The components are the sample covariance's top eigenvectors, computed exactly (a 384 x 384 problem) with each
    one's largest entry made positive, so the projection is the same on either device up to rounding.
    """
    import torch

    n, dim = vectors.shape
    k = max(1, min(dimensions, dim, n - 1))
    rng = np.random.default_rng(seed)
    sample = vectors if n <= sample_size else vectors[rng.choice(n, sample_size, replace=False)]
    device = best_device()
    with torch.inference_mode():
        mean = torch.from_numpy(np.ascontiguousarray(sample.mean(axis=0), dtype=np.float32)).to(device)
        centred = torch.from_numpy(np.ascontiguousarray(sample, dtype=np.float32)).to(device) - mean
        _, eigenvectors = torch.linalg.eigh((centred.T @ centred).double())  # ascending eigenvalues
        components = eigenvectors[:, -k:].flip(1)
        components *= torch.sign(components.gather(0, components.abs().argmax(0, keepdim=True)))
        components = components.float()
        return np.concatenate([
            ((torch.from_numpy(np.ascontiguousarray(vectors[i:i + PROJECT_CHUNK], dtype=np.float32)).to(device)
              - mean) @ components).cpu().numpy()
            for i in range(0, n, PROJECT_CHUNK)
        ])


def cluster_vectors(
    vectors: np.ndarray, weights: np.ndarray | None = None, min_cluster_size: int = 0, dimensions: int = 10,
    sample_size: int = 200_000, seed: int = 0, selection: str = "leaf",
) -> Clustering:
    """``selection``: HDBSCAN's cluster selection. ``leaf`` (the default) keeps the finest stable clusters:
    occupations are many and small, and ``eom`` tends to merge dense title spaces into a few huge clusters
    (on 10k real vacancy titles, one cluster of 1,620 posts with no occupation above 7%)."""
    from fast_hdbscan import HDBSCAN

    n = len(vectors)
    weights = np.ones(n, dtype=np.float64) if weights is None else np.asarray(weights, dtype=np.float64)
    size = min_cluster_size or auto_min_cluster_size(float(weights.sum()))
    if n < 3 or weights.sum() < 2 * size:
        return Clustering(np.full(n, NOISE), np.zeros((n, 2), np.float32), size)
    reduced = reduce_dimensions(vectors, dimensions, sample_size, seed)
    fit_rows = np.arange(n)
    if n > sample_size:
        fit_rows = np.sort(np.random.default_rng(seed).choice(n, sample_size, replace=False))
    model = HDBSCAN(min_cluster_size=size, min_samples=min(size, 5), cluster_selection_method=selection,
                    reproducible=True)
    # weights only when titles differ in frequency: fast_hdbscan's weighted mode differs from the plain one
    fit_weights = weights[fit_rows] if np.ptp(weights) > 0 else None
    model.fit(reduced[fit_rows], sample_weight=fit_weights)
    labels = np.full(n, NOISE)
    labels[fit_rows] = model.labels_
    if len(fit_rows) < n:
        rest = np.setdiff1d(np.arange(n), fit_rows)
        labels[rest] = _assign_to_nearest(reduced[fit_rows], model.labels_, reduced[rest])
    return Clustering(_settle_noise(vectors, weights, _drop_light_clusters(labels, weights, size), size), reduced,
                      size)


def _drop_light_clusters(labels: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Clusters carrying fewer than ``size`` posts become noise. fast_hdbscan's weighted mode returns some (a
    single title of one post, in the leave-out benchmark); they are no evidence of an occupation and took
    candidate slots. Their titles may still join a nearby cluster when the noise settles."""
    clustered = labels != NOISE
    ids, inverse = np.unique(labels[clustered], return_inverse=True)
    light = np.bincount(inverse, weights=weights[clustered], minlength=len(ids)) < size
    return np.where(np.isin(labels, ids[light]), NOISE, labels)


def _settle_noise(vectors: np.ndarray, weights: np.ndarray, labels: np.ndarray, size: int,
                  min_similarity: float = ABSORB_SIMILARITY) -> np.ndarray:
    """HDBSCAN sees one point per unique title, so a frequent title without variants looks like noise.

    Noise titles that are close to a cluster's centroid join it; frequent ones that stay alone become
    clusters of their own. The rest stays noise.
    """
    labels = labels.copy()
    noise = np.flatnonzero(labels == NOISE)
    ids = np.unique(labels[labels != NOISE])
    if len(noise) and len(ids):
        _, centroids = cluster_centroids(vectors, weights, labels)
        sims = vectors[noise] @ centroids.T
        best = sims.argmax(axis=1)
        close = sims[np.arange(len(noise)), best] >= min_similarity
        labels[noise[close]] = ids[best[close]]
    next_id = int(ids.max()) + 1 if len(ids) else 0
    for i in np.flatnonzero((labels == NOISE) & (weights >= size)):
        labels[i] = next_id
        next_id += 1
    return labels


def cluster_centroids(vectors: np.ndarray, weights: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cluster ids (sorted, noise left out) and their post-weighted unit-length centroids, in one sparse product."""
    from scipy.sparse import csr_matrix

    keep = np.flatnonzero(labels != NOISE)
    ids, inverse = np.unique(labels[keep], return_inverse=True)
    if len(ids) == 0:
        return ids, np.zeros((0, vectors.shape[1]), dtype=np.float32)
    membership = csr_matrix((weights[keep], (inverse, keep)), shape=(len(ids), len(vectors)))
    centroids = np.asarray(membership @ vectors, dtype=np.float64)
    centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    return ids, centroids.astype(np.float32)


def map_coordinates(vectors: np.ndarray, weights: np.ndarray, labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """2-D coordinates for a map of the clusters: PCA fit on the cluster centroids (so the axes spread clusters
    apart, rather than following the largest variation among titles, often language), applied to every title."""
    from sklearn.decomposition import PCA

    _, centroids = cluster_centroids(vectors, weights, labels)
    basis = centroids if len(centroids) >= 3 else vectors
    out = np.zeros((len(vectors), 2), dtype=np.float32)
    if len(basis) >= 3:
        pca = PCA(n_components=2, random_state=seed).fit(basis)
        out[:] = pca.transform(vectors)
    return out


def _assign_to_nearest(fitted: np.ndarray, fitted_labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rows join the nearest cluster centroid when they are as close as that cluster's own members."""
    ids = np.unique(fitted_labels[fitted_labels != NOISE])
    if len(ids) == 0:
        return np.full(len(rows), NOISE)
    centroids = np.stack([fitted[fitted_labels == c].mean(axis=0) for c in ids])
    radius = np.array([
        np.quantile(np.linalg.norm(fitted[fitted_labels == c] - centroids[i], axis=1), 0.9)
        for i, c in enumerate(ids)
    ])
    out = np.full(len(rows), NOISE)
    for start in range(0, len(rows), 50_000):
        block = rows[start : start + 50_000]
        dist = np.linalg.norm(block[:, None, :] - centroids[None, :, :], axis=2)
        nearest = dist.argmin(axis=1)
        ok = dist[np.arange(len(block)), nearest] <= radius[nearest]
        out[start : start + len(block)] = np.where(ok, ids[nearest], NOISE)
    return out


def title_words(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


def ctfidf_keywords(
    docs: dict[int, list[tuple[str, float]]], top_n: int = 8, terms: Callable[[str], Iterable[str]] = title_words,
) -> dict[int, list[str]]:
    """Class-based TF-IDF (as in BERTopic): terms frequent in one cluster and rare in the others; ``terms`` splits
    a text into its terms (words by default, phrases for descriptions)."""
    counts = {c: Counter() for c in docs}
    for c, items in docs.items():
        for text, weight in items:
            for token in terms(text):
                counts[c][token] += weight
    total = Counter()
    for counter in counts.values():
        total.update(counter)
    avg_words = sum(total.values()) / max(1, len(counts))
    out = {}
    for c, counter in counts.items():
        size = sum(counter.values()) or 1
        scored = {w: (f / size) * math.log(1 + avg_words / total[w]) for w, f in counter.items()}
        out[c] = [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))[:top_n]]
    return out


def summarize_clusters(
    texts: Sequence[str], weights: np.ndarray, vectors: np.ndarray, labels: np.ndarray, n_exemplars: int = 5,
) -> pd.DataFrame:
    """One row per cluster: post and title counts, exemplars nearest the centroid, keywords, centroid."""
    texts = list(texts)
    rows = []
    docs: dict[int, list[tuple[str, float]]] = {}
    ids, centroids = cluster_centroids(vectors, weights, labels)
    order_by_label = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order_by_label], ids, side="left"), np.searchsorted(
        labels[order_by_label], ids, side="right")
    for c, centroid, lo, hi in zip(ids.tolist(), centroids, *bounds, strict=True):
        members = order_by_label[lo:hi]
        w = weights[members]
        closeness = vectors[members] @ centroid
        order = members[np.lexsort((-w, -closeness))]
        docs[c] = [(texts[i], float(weights[i])) for i in members]
        rows.append({
            "cluster_id": int(c),
            "n_posts": int(w.sum()),
            "n_titles": len(members),
            "exemplars": [texts[i] for i in order[:n_exemplars]],
            "top_titles": [texts[i] for i in members[np.argsort(-w, kind="stable")][:n_exemplars]],
            "cohesion": float(closeness.mean()),
            "centroid": centroid,
        })
    keywords = ctfidf_keywords(docs)
    frame = pd.DataFrame(rows, columns=["cluster_id", "n_posts", "n_titles", "exemplars", "top_titles", "cohesion",
                                        "centroid"])
    frame["keywords"] = [keywords.get(c, []) for c in frame["cluster_id"]]
    return frame
