"""A trained head over the index: a small network that reads a label's vector and predicts its unit group.

The retrieval vote looks at the nearest labels only; the head learns from every label of the index (taxonomy
wordings and coded posts alike) which directions of the embedding separate the unit groups, so it weighs words
the way the coders whose posts are in the index did. Its probabilities are blended into the vote
(``CoderSettings.head_weight``). On the JobBERT dev titles (5-fold leave-out of own titles) the blend at 0.4 took
top-5 from 0.756 to about 0.770 and top-1 up by under a point (docs/measured.md).

Training takes about a minute and a half on a 2-core CPU for the bundled index (113k labels; seconds on a GPU),
so a trained head is kept under ``<cache>/heads/<key>.pt``, keyed by the labels, their vectors and the head's
settings; the ``KEEP`` most recently used heads stay (a leave-out evaluation trains one per fold and model). The
package ships the heads of the bundled index, one per packaged model (``reference/bundle/heads/``, written by
``isco-index --write-vectors``): a fresh machine trains none, and an index that adds a few labels to the bundle
(expert feedback, a small set of coded posts) uses the shipped head as it is, while the vote reads the new labels.
An index that lacks any label the shipped head learned (a leave-out run, a newer release) gets a head of its own,
so no head has seen a label its index leaves out.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import torch

from isco_assets.lib.common.storage import atomic_write, cached
from isco_assets.lib.embed.embedding import best_device, model_slug, text_hash

HEAD_FORMAT = "1"
BATCH = 512
LEARNING_RATE = 3e-3
WEIGHT_DECAY = 1e-4
LABEL_SMOOTHING = 0.1  # many labels are disputable; smoothing keeps the head from being sure of them
DROPOUT = 0.2
LOG = logging.getLogger(__name__)
PROGRESS_EVERY = 5  # epochs between progress lines
KEEP = 12  # a 5-fold leave-out with a multilingual second model trains 10
SHIPPED = Path(__file__).resolve().parents[2] / "reference" / "bundle" / "heads"
SHIPPED_SLACK = 0.02  # a shipped head serves an index whose labels it learned, plus at most this share of new ones


class GroupHead:
    def __init__(self, network: torch.nn.Sequential):
        self.network = network.eval()

    @staticmethod
    def _network(dim: int, hidden: int, groups: int) -> torch.nn.Sequential:
        return torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.GELU(), torch.nn.Dropout(DROPOUT),
                                   torch.nn.Linear(hidden, groups))

    @classmethod
    def train(
        cls, vectors: np.ndarray, groups: np.ndarray, n_groups: int, hidden: int, epochs: int, seed: int = 0,
    ) -> GroupHead:
        """Fit on (label vector, group index) pairs with AdamW and a one-cycle schedule; deterministic per seed."""
        device = best_device()
        generator = torch.Generator().manual_seed(seed)
        torch.manual_seed(seed)
        x = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)).to(device)
        y = torch.from_numpy(np.asarray(groups, dtype=np.int64)).to(device)
        network = cls._network(x.shape[1], hidden, n_groups).to(device)
        optimizer = torch.optim.AdamW(network.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
        steps_per_epoch = (len(x) + BATCH - 1) // BATCH
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=LEARNING_RATE,
                                                       total_steps=max(1, epochs * steps_per_epoch))
        loss = torch.nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)
        network.train()
        for epoch in range(1, epochs + 1):
            order = torch.randperm(len(x), generator=generator).to(device)
            for start in range(0, len(x), BATCH):
                batch = order[start:start + BATCH]
                optimizer.zero_grad()
                loss(network(x[batch]), y[batch]).backward()
                optimizer.step()
                schedule.step()
            if epoch % PROGRESS_EVERY == 0 and epoch < epochs:  # a minute and more on a CPU: say how far it is
                LOG.info("group head: %s of %s epochs", epoch, epochs)
        return cls(network.cpu())

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """(n, groups) float32, each row summing to 1."""
        with torch.inference_mode():
            logits = self.network(torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32)))
            return torch.softmax(logits, dim=1).numpy()

    def save(self, path: Path) -> None:
        atomic_write(path, lambda partial: torch.save(self.network.state_dict(), partial))

    @classmethod
    def load(cls, path: Path, dim: int, hidden: int, groups: int) -> GroupHead:
        return cls.of(torch.load(path, map_location="cpu", weights_only=True), dim, hidden, groups)

    @classmethod
    def of(cls, state: dict[str, torch.Tensor], dim: int, hidden: int, groups: int) -> GroupHead:
        network = cls._network(dim, hidden, groups)
        network.load_state_dict({name: tensor.float() for name, tensor in state.items()})
        return cls(network)


def head_key(codes: Sequence[str], texts: Sequence[str], vectors: np.ndarray, hidden: int, epochs: int) -> str:
    """What a trained head depends on: the labels in order, their vectors (the model), and its settings."""
    digest = hashlib.sha1(f"{HEAD_FORMAT}\n{hidden}\n{epochs}\n".encode())
    for code, text in zip(codes, texts, strict=True):
        digest.update(f"{code}\t{text}\n".encode())
    digest.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return digest.hexdigest()[:20]


def label_hashes(codes: Sequence[str], texts: Sequence[str]) -> np.ndarray:
    """The index's labels as sorted unique 64-bit hashes of (code, text): what a shipped head learned."""
    return np.unique(np.array([int(text_hash(f"{c}\t{t}"), 16) for c, t in zip(codes, texts, strict=True)],
                              dtype=np.uint64))


def shipped_file(model_id: str) -> Path:
    return SHIPPED / f"{model_slug(model_id)}.pt"


def write_shipped(model_id: str, head: GroupHead, codes: Sequence[str], texts: Sequence[str],
                  group_codes: Sequence[str], epochs: int) -> Path:
    """Ship ``head`` for ``model_id`` with what it learned from: its labels' hashes and its groups. Half precision
    halves the file; JobBERT dev codes to the same top-1 with it as with a float32 head trained on the machine."""
    state = {name: tensor.half() for name, tensor in head.network.state_dict().items()}
    file = shipped_file(model_id)
    file.parent.mkdir(parents=True, exist_ok=True)
    payload = {"state": state, "labels": torch.from_numpy(label_hashes(codes, texts).view(np.int64)),
               "groups": list(group_codes), "epochs": epochs}
    atomic_write(file, lambda partial: torch.save(payload, partial))
    return file


def shipped_head(
    model_id: str, codes: Sequence[str], texts: Sequence[str], group_codes: Sequence[str], dim: int, hidden: int,
    epochs: int,
) -> GroupHead | None:
    """The head shipped for ``model_id`` when it serves these labels: the same groups and settings, every label it
    learned still in the index, and at most ``SHIPPED_SLACK`` of the index's labels new to it; else None."""
    file = shipped_file(model_id) if model_id else None
    if file is None or not file.is_file():
        return None
    payload = torch.load(file, map_location="cpu", weights_only=True)
    state = payload["state"]
    if payload["epochs"] != epochs or list(payload["groups"]) != list(group_codes) or tuple(
            state["0.weight"].shape) != (hidden, dim):
        return None
    learned, index = payload["labels"].numpy().view(np.uint64), label_hashes(codes, texts)
    if len(index) - len(learned) > SHIPPED_SLACK * len(index) or not np.isin(learned, index).all():
        return None
    return GroupHead.of(state, dim, hidden, len(group_codes))


def trained_head(
    vectors: np.ndarray, groups: np.ndarray, n_groups: int, hidden: int, epochs: int, cache: Path | None,
    key: str, shipped: Callable[[], GroupHead | None] = lambda: None,
) -> GroupHead:
    """The head for these labels: loaded from ``cache`` when made before, else the ``shipped`` one when it serves
    them, else trained (and kept in ``cache`` either way)."""
    def make() -> GroupHead:
        if (head := shipped()) is not None:
            return head
        LOG.info("training the group head on %s labels, %s epochs (kept for the next run)", f"{len(vectors):,}",
                 epochs)
        return GroupHead.train(vectors, groups, n_groups, hidden, epochs)

    return cached(cache, key, make, ".pt", KEEP,
                  save=lambda head, path: head.save(path),
                  load=lambda path: GroupHead.load(path, vectors.shape[1], hidden, n_groups))
