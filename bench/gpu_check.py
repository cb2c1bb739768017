"""The GPU paths against the CPU on one machine: the same code run twice, once with the GPU hidden.

    python bench/gpu_check.py [--labels index_labels.parquet] [--model FOLDER] [--titles 5000]

Each run encodes generated titles and the index's labels with the sentence encoder, builds the coder (its group head
trained on the device), codes the titles, reduces a million vectors with the clustering's PCA and clusters the
index's labels, and takes a few fine-tuning steps. It prints the speed of each step on each device and how far the
GPU's results are from the CPU's, and exits 1 when they disagree beyond rounding. On a machine without CUDA it prints
the CPU's speeds only. ``--labels``: an index label table saved earlier (the ``isco_index`` asset's labels), for a
machine without the index's sources; default: the index of the default config.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

MIN_COSINE = 0.999  # per title, GPU against CPU vectors
MIN_TOP1_AGREEMENT = 0.95  # the group head trains on each device; on the CPU, two seeds agree on 0.97 of titles
MIN_DISTANCE_CORRELATION = 0.999  # between PCA coordinates' pairwise distances
MIN_CLUSTER_AGREEMENT = 0.95  # adjusted Rand index of the label clusters
PCA_ROWS = 1_000_000
FINE_TUNE_PAIRS = 3_200


def _titles(n: int) -> list[str]:
    from isco_assets.lib.demo.drop import generate_posts
    from isco_assets.lib.prepare.text import coding_title

    seen: dict[str, None] = {}
    seed = 0
    while len(seen) < n and seed < 200:
        seen |= dict.fromkeys(coding_title(p["job_title"]) for p in generate_posts(5000, seed=seed))
        seed += 1
    return list(seen)[:n]


def _labels(path: str) -> pd.DataFrame:
    if path:
        return pd.read_parquet(path)
    from isco_assets.lib.classify.coding import index_labels
    from isco_assets.lib.classify.taxonomy import load_taxonomy
    from isco_assets.lib.config import load_config
    from isco_assets.resources.environment import layout_from_env

    return index_labels(load_config(""), layout_from_env(), load_taxonomy())


def _timed(step, *args, **kwargs):
    start = time.perf_counter()
    value = step(*args, **kwargs)
    return value, time.perf_counter() - start


def measure(args: argparse.Namespace, out: Path) -> None:
    """One device's run (whatever torch sees); results to ``out`` (.npz) and timings to ``out``.json."""
    import torch

    from isco_assets.lib.classify.coder import IscoCoder
    from isco_assets.lib.classify.taxonomy import load_taxonomy
    from isco_assets.lib.config import CoderSettings
    from isco_assets.lib.discover.clustering import cluster_vectors, reduce_dimensions
    from isco_assets.lib.embed.embedding import SentenceTransformerEmbedder
    from isco_assets.lib.embed.finetune import FineTuneSettings, fine_tune

    titles, labels = _titles(args.titles), _labels(args.labels)
    embedder = SentenceTransformerEmbedder(args.model or None)
    embedder.encode(titles[:256])  # load and warm up
    seconds: dict[str, float] = {}
    title_vectors, seconds["encode titles"] = _timed(embedder.encode, titles)
    label_vectors, seconds["encode index"] = _timed(embedder.encode, labels["label_norm"].tolist())
    settings = CoderSettings(head_weight=0.2)
    coder, seconds["build coder (head)"] = _timed(IscoCoder, labels, label_vectors, load_taxonomy(), settings)
    coder.code(titles[:256], title_vectors[:256])
    result, seconds["code titles"] = _timed(coder.code, titles, title_vectors)
    rng = np.random.default_rng(0)
    many = label_vectors[rng.integers(0, len(label_vectors), PCA_ROWS)]
    many += rng.normal(0, 0.02, many.shape).astype(np.float32)
    reduced, seconds["PCA 1M vectors"] = _timed(reduce_dimensions, many, 10, 200_000)
    cluster_vectors(label_vectors[:2000])  # numba compiles HDBSCAN's kernels on first use
    clusters, seconds["cluster index labels"] = _timed(cluster_vectors, label_vectors)
    with tempfile.TemporaryDirectory() as folder:
        tuned, seconds["fine-tune"] = _timed(
            fine_tune, embedder.model_path, "check", labels, Path(folder), FineTuneSettings(max_pairs=FINE_TUNE_PAIRS))
        report = json.loads((tuned / "isco_training.json").read_text())
        SentenceTransformerEmbedder(tuned).encode(titles[:100])  # the saved model loads and encodes
    half = {}
    if embedder.device == "cuda":  # would half precision be worth it? (the embedder runs in float32)
        embedder.model.half()
        embedder.encode(titles[:256])
        half["titles_half"], seconds["encode titles (fp16)"] = _timed(embedder.encode, titles)
    rates = {"encode titles": len(titles), "encode titles (fp16)": len(titles), "encode index": len(labels),
             "code titles": len(titles),
             "PCA 1M vectors": PCA_ROWS, "fine-tune": report["pairs"]}
    np.savez(out, titles=title_vectors, top=result.codes.astype(str), confidence=result.confidence,
             reduced=reduced[:20_000], clusters=clusters.labels, **half)
    out.with_suffix(".json").write_text(json.dumps({
        "device": embedder.device, "name": torch.cuda.get_device_name() if embedder.device == "cuda" else "cpu",
        "threads": torch.get_num_threads(), "seconds": seconds, "rates": rates, "labels": len(labels),
        "titles": len(titles), "fine_tune_steps": report["steps"], "fine_tune_loss": report["final_loss"],
    }))


def compare(cpu: dict, gpu: dict) -> dict[str, tuple[float, float]]:
    """Agreement of the GPU run with the CPU run: name -> (value, least acceptable value)."""
    from sklearn.metrics import adjusted_rand_score

    cosine = (cpu["titles"] * gpu["titles"]).sum(axis=1)
    pairs = np.random.default_rng(1).integers(0, len(cpu["reduced"]), (20_000, 2))

    def distances(x: np.ndarray) -> np.ndarray:
        return np.linalg.norm(x[pairs[:, 0]] - x[pairs[:, 1]], axis=1)

    found = {"embedding cosine, least": (float(cosine.min()), MIN_COSINE)}
    if "titles_half" in gpu:
        found["fp16 embedding cosine, least"] = (float((cpu["titles"] * gpu["titles_half"]).sum(axis=1).min()), 0.0)
    return found | {
        "first code agrees": (float((cpu["top"][:, 0] == gpu["top"][:, 0]).mean()), MIN_TOP1_AGREEMENT),
        "top-5 list agrees": (float((cpu["top"] == gpu["top"]).all(axis=1).mean()), 0.0),
        "confidence, mean absolute difference": (float(np.abs(cpu["confidence"] - gpu["confidence"]).mean()), 0.0),
        "PCA distances, correlation": (float(np.corrcoef(distances(cpu["reduced"]), distances(gpu["reduced"]))[0, 1]),
                                       MIN_DISTANCE_CORRELATION),
        "label clusters, adjusted Rand": (float(adjusted_rand_score(cpu["clusters"], gpu["clusters"])),
                                          MIN_CLUSTER_AGREEMENT),
    }


def _run(args: argparse.Namespace, out: Path, hide_gpu: bool) -> tuple[dict, dict]:
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="") if hide_gpu else dict(os.environ)
    command = [sys.executable, __file__, "--measure", str(out), "--titles", str(args.titles),
               "--labels", args.labels, "--model", args.model]
    subprocess.run(command, env=env, check=True)
    with np.load(out, allow_pickle=False) as data:
        arrays = dict(data)
    return arrays, json.loads(out.with_suffix(".json").read_text())


def _print_run(info: dict) -> None:
    print(f"{info['name']} ({info['threads']} CPU threads): {info['titles']:,} titles, {info['labels']:,} index "
          f"labels, {PCA_ROWS:,} vectors for PCA, {FINE_TUNE_PAIRS:,} fine-tuning pairs", flush=True)
    for step, seconds in info["seconds"].items():
        rate = f"   {info['rates'][step] / seconds:,.0f} a second" if step in info["rates"] else ""
        print(f"  {step:<22} {seconds:8.2f} s{rate}")
    print(f"  fine-tuning: {info['fine_tune_steps']} steps, final loss {info['fine_tune_loss']}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--titles", type=int, default=5_000)
    parser.add_argument("--labels", default="")
    parser.add_argument("--model", default="", help="a sentence-transformers folder; default: the packaged MiniLM")
    parser.add_argument("--measure", default="", help=argparse.SUPPRESS)  # one device's run, for main()
    args = parser.parse_args()
    if args.measure:
        measure(args, Path(args.measure))
        return
    import torch

    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        for device in ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",):
            runs[device] = _run(args, Path(folder) / f"{device}.npz", hide_gpu=device == "cpu")
            _print_run(runs[device][1])
    if "cuda" not in runs:
        print("no CUDA device: CPU only")
        return
    failed = False
    print("GPU against CPU:")
    for name, (value, least) in compare(runs["cpu"][0], runs["cuda"][0]).items():
        ok = value >= least
        failed |= not ok
        print(f"  {name:<38} {value:.4f}" + (f"   (at least {least})" if least else "") + ("" if ok else "   FAILED"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
