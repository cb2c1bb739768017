"""A trained head over the index: a small network that reads a label's vector and predicts its unit group.

The retrieval vote looks at the nearest labels only; the head learns from every label of the index (taxonomy
wordings and coded posts alike) which directions of the embedding separate the unit groups, so it weighs words
the way the coders whose posts are in the index did. Its probabilities are blended into the vote
(``CoderSettings.head_weight``). On the JobBERT dev titles (5-fold leave-out of own titles) the blend at 0.4 took
top-5 from 0.756 to about 0.770 and top-1 up by under a point (docs/measured.md).

Training takes about a minute on a 2-core CPU for the reference index (87k labels; seconds on a GPU), so a trained
head is kept under ``<cache>/heads/<key>.pt``, keyed by the labels, their vectors and the head's settings; the
``KEEP`` most recently used heads stay (a leave-out evaluation trains one per fold and model).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from isco_assets.lib.common.storage import atomic_write, cached
from isco_assets.lib.embed.embedding import best_device

HEAD_FORMAT = "1"
BATCH = 512
LEARNING_RATE = 3e-3
WEIGHT_DECAY = 1e-4
LABEL_SMOOTHING = 0.1  # many labels are disputable; smoothing keeps the head from being sure of them
DROPOUT = 0.2
LOG = logging.getLogger(__name__)
KEEP = 12  # a 5-fold leave-out with a multilingual second model trains 10


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
        for _ in range(epochs):
            order = torch.randperm(len(x), generator=generator).to(device)
            for start in range(0, len(x), BATCH):
                batch = order[start:start + BATCH]
                optimizer.zero_grad()
                loss(network(x[batch]), y[batch]).backward()
                optimizer.step()
                schedule.step()
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
        network = cls._network(dim, hidden, groups)
        network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return cls(network)


def head_key(codes: Sequence[str], texts: Sequence[str], vectors: np.ndarray, hidden: int, epochs: int) -> str:
    """What a trained head depends on: the labels in order, their vectors (the model), and its settings."""
    digest = hashlib.sha1(f"{HEAD_FORMAT}\n{hidden}\n{epochs}\n".encode())
    for code, text in zip(codes, texts, strict=True):
        digest.update(f"{code}\t{text}\n".encode())
    digest.update(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
    return digest.hexdigest()[:20]


def trained_head(
    vectors: np.ndarray, groups: np.ndarray, n_groups: int, hidden: int, epochs: int, cache: Path | None,
    key: str,
) -> GroupHead:
    """The head for these labels: loaded from ``cache`` when trained before, else trained (and kept there)."""
    def train() -> GroupHead:
        LOG.info("training the group head on %s labels, %s epochs (kept for the next run)", f"{len(vectors):,}",
                 epochs)
        return GroupHead.train(vectors, groups, n_groups, hidden, epochs)

    return cached(cache, key, train, ".pt", KEEP,
                  save=lambda head, path: head.save(path),
                  load=lambda path: GroupHead.load(path, vectors.shape[1], hidden, n_groups))
