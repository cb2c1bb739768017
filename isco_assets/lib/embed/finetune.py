"""Fine-tuning the sentence encoder on the index, so that titles of one occupation sit together.

Pairs come from the index itself (and so from accepted expert feedback once it is a source): two
labels of the same concept (an ESCO occupation in any language, or a unit group for sources without
finer concepts). Training uses in-batch negatives (multiple-negatives ranking loss), with batches
built so that no unit group appears twice in one batch: a second label of the same group would be a
false negative. The result is saved as a versioned sentence-transformers folder that the coder loads
through ``ISCO_EMBEDDING_MODEL``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

Progress = Callable[[int, int, float], None]  # step, total steps, running loss


@dataclass(frozen=True)
class FineTuneSettings:
    epochs: int = 1
    batch_size: int = 64
    learning_rate: float = 3e-5
    scale: float = 20.0  # inverse temperature of the cosine logits
    max_pairs: int = 40_000
    seed: int = 0


def training_pairs(labels: pd.DataFrame, max_pairs: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """(anchor, positive, unit group) triples: each label with another wording of its concept, or of its
    unit group when the concept has no other."""
    rng = random.Random(seed)
    by_concept = labels.groupby("concept")["label_norm"].apply(list).to_dict()
    by_code = labels.groupby("code")["label_norm"].apply(list).to_dict()
    pairs = []
    for row in labels.itertuples(index=False):
        # another wording: one concept may hold the same text twice (a coded title under two codes)
        pool = [t for t in by_concept.get(row.concept, []) if t != row.label_norm]
        if not pool:
            pool = [t for t in by_code[row.code] if t != row.label_norm]
        if not pool:
            continue
        pairs.append((row.label_norm, rng.choice(pool), row.code))
    rng.shuffle(pairs)
    return pairs[:max_pairs]


def batches_without_shared_groups(pairs: list[tuple[str, str, str]], size: int) -> list[list[tuple[str, str, str]]]:
    """Greedy packing: a pair waits for a later batch when its unit group is already in this one."""
    batches: list[list[tuple[str, str, str]]] = []
    pending = list(pairs)
    while pending:
        batch, groups, rest = [], set(), []
        for pair in pending:
            if len(batch) < size and pair[2] not in groups:
                batch.append(pair)
                groups.add(pair[2])
            else:
                rest.append(pair)
        if len(batch) < 2:
            break
        batches.append(batch)
        pending = rest
    return batches


def fine_tune(
    base_model: Path, base_name: str, labels: pd.DataFrame, output_root: Path,
    settings: FineTuneSettings | None = None, device: str | None = None, progress: Progress | None = None,
) -> Path:
    """Train on pairs from ``labels`` and save the model under ``output_root/isco-<base_name>-<timestamp>``."""
    import torch
    from sentence_transformers import SentenceTransformer

    from isco_assets.lib.embed.embedding import best_device

    settings = settings or FineTuneSettings()
    torch.manual_seed(settings.seed)
    device = device or best_device()
    model = SentenceTransformer(str(base_model), device=device)
    pairs = training_pairs(labels, settings.max_pairs, settings.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate)
    plan = [b for epoch in range(settings.epochs)
            for b in batches_without_shared_groups(random.Random(settings.seed + epoch).sample(pairs, len(pairs)),
                                                   settings.batch_size)]
    model.train()
    running, started = 0.0, time.perf_counter()

    def embed(texts: list[str]) -> torch.Tensor:
        features = {k: v.to(device) if hasattr(v, "to") else v for k, v in model.preprocess(texts).items()}
        return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)

    for step, batch in enumerate(plan, start=1):
        anchors, positives = embed([a for a, _, _ in batch]), embed([p for _, p, _ in batch])
        logits = settings.scale * anchors @ positives.T
        target = torch.arange(len(batch), device=device)
        loss = (torch.nn.functional.cross_entropy(logits, target)
                + torch.nn.functional.cross_entropy(logits.T, target)) / 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        value = loss.item()
        running = 0.98 * running + 0.02 * value if step > 1 else value
        if progress and (step % 20 == 0 or step == len(plan)):
            progress(step, len(plan), running)
    model.eval()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target_dir = output_root / f"isco-{base_name}-{stamp}"
    model.save(str(target_dir))
    (target_dir / "isco_training.json").write_text(json.dumps({
        "base_model": str(base_model), "pairs": len(pairs), "steps": len(plan), "final_loss": round(running, 4),
        "seconds": round(time.perf_counter() - started, 1), "labels": len(labels), "settings": asdict(settings),
        "created": stamp,
    }, indent=2))
    return target_dir
