"""Fine-tuning: pairs from the index, batches without shared unit groups, a versioned model that loads."""

import json

import numpy as np
import pandas as pd

from isco_assets.lib.embed.embedding import SentenceTransformerEmbedder, default_model_path
from isco_assets.lib.embed.finetune import FineTuneSettings, batches_without_shared_groups, fine_tune, training_pairs

LABELS = pd.DataFrame(
    [
        ("2221", "registered nurse", "esco:nurse"), ("2221", "enfermera", "esco:nurse"), ("2221", "nurse", "2221"),
        ("2512", "software developer", "esco:dev"), ("2512", "programmer", "esco:dev"),
        ("2512", "desarrollador de software", "esco:dev"), ("8332", "truck driver", "8332"),
        ("8332", "lorry driver", "8332"), ("5120", "cook", "5120"), ("5120", "chef", "5120"),
        ("9999", "lonely label", "9999"),
    ],
    columns=["code", "label_norm", "concept"],
)


def test_pairs_share_a_concept_or_a_group():
    pairs = training_pairs(LABELS, max_pairs=100)
    concept = dict(zip(LABELS["label_norm"], LABELS["concept"], strict=True))
    code = dict(zip(LABELS["label_norm"], LABELS["code"], strict=True))
    assert all(a != p for a, p, _ in pairs)
    assert all(code[a] == code[p] == g for a, p, g in pairs)
    # a label whose concept has siblings is paired inside the concept
    assert all(concept[p] == concept[a] for a, p, _ in pairs if a == "enfermera")
    assert "lonely label" not in {a for a, _, _ in pairs}  # nothing to pair it with
    assert len(training_pairs(LABELS, max_pairs=3)) == 3


def test_a_concept_holding_one_text_twice_pairs_within_the_groups():
    """A coded title under two codes is one concept with the same text twice: never a pair with itself."""
    twice = pd.DataFrame([("2512", "dev ops", "dev ops"), ("2522", "dev ops", "dev ops"), ("2512", "programmer", "x"),
                          ("2522", "sysadmin", "y")], columns=["code", "label_norm", "concept"])
    assert sorted(training_pairs(twice, max_pairs=10)) == [
        ("dev ops", "programmer", "2512"), ("dev ops", "sysadmin", "2522"),
        ("programmer", "dev ops", "2512"), ("sysadmin", "dev ops", "2522")]


def test_batches_never_hold_a_group_twice():
    pairs = training_pairs(LABELS, max_pairs=100)
    batches = batches_without_shared_groups(pairs, size=3)
    for batch in batches:
        groups = [g for _, _, g in batch]
        assert len(groups) == len(set(groups)) and len(batch) <= 3
    assert sum(len(b) for b in batches) <= len(pairs)


def test_fine_tune_saves_a_versioned_model_that_encodes(tmp_path):
    settings = FineTuneSettings(max_pairs=16, batch_size=4, learning_rate=1e-5)
    out = fine_tune(default_model_path(), "minilm", LABELS, tmp_path, settings, device="cpu")
    assert out.parent == tmp_path and out.name.startswith("isco-minilm-")
    meta = json.loads((out / "isco_training.json").read_text())
    assert meta["pairs"] == 10 and meta["steps"] > 0  # every label that has a partner
    embedder = SentenceTransformerEmbedder(out, device="cpu")
    vectors = embedder.encode(["nurse", "truck driver"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert embedder.model_id == out.name
