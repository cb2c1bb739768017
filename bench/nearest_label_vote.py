"""A quick screen of an embedding model or a vote setting on JobBERT dev, before the full coder is run with it.

    .venv/bin/python bench/nearest_label_vote.py [--model FOLDER] [--sample 4000] [--seed 0] [--neighbours 50]
        [--temperature 0.1] [--shortlist 128]

Codes JobBERT dev titles by the plain soft vote of their nearest labels: the bundle's English ESCO labels and the
other JobBERT dev posts (a post's own title is left out, as ``isco-eval`` leaves out own titles), no lexical score,
no head, no second model. On MiniLM it scores within a point of the full coder with ``bench/reference_sources.yaml``
(0.50 top-1), in minutes rather than the hour a full run takes with a model whose vectors are not shipped. It prints
the vote over labels and the vote over concepts (each ESCO occupation votes once, with its nearest label; each post
title is its own concept), so a model or setting that cannot move this number is not worth the full run. The reverse
does not hold: the vote over concepts gained a point here and nothing in the full coder (docs/reference-index.md).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from isco_assets.lib.classify.index_sources import build_index_labels
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.embed.embedding import SentenceTransformerEmbedder
from isco_assets.lib.prepare.text import coding_text
from isco_assets.resources.environment import config_from_env

JOBBERT = Path(__file__).resolve().parents[2] / "shared" / "data" / "jobs" / "jobbert_v1_titles_dev.csv"


def vote(similarity: np.ndarray, codes: np.ndarray, keys: np.ndarray | None, args: argparse.Namespace) -> list[str]:
    """The codes of one title's nearest labels ranked by their soft vote; with ``keys``, one vote per key."""
    shortlist = np.argpartition(-similarity, args.shortlist)[:args.shortlist]
    shortlist = shortlist[np.argsort(-similarity[shortlist])]
    if keys is not None:
        shortlist = shortlist[np.unique(keys[shortlist], return_index=True)[1]]
        shortlist = shortlist[np.argsort(-similarity[shortlist])]
    near = shortlist[:args.neighbours]
    weights = np.exp((similarity[near] - similarity[near[0]]) / args.temperature)
    totals = pd.Series(weights).groupby(codes[near]).sum()
    return totals.sort_values(ascending=False).index.tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="", help="sentence-transformers folder (default: the packaged MiniLM)")
    parser.add_argument("--sample", type=int, default=4000, help="JobBERT dev titles graded (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--neighbours", type=int, default=50)
    parser.add_argument("--temperature", type=float, default=0.1)
    parser.add_argument("--shortlist", type=int, default=128)
    args = parser.parse_args()
    if not JOBBERT.is_file():
        raise SystemExit(f"{JOBBERT} is absent: this benchmark needs the JobBERT dev titles")
    posts = pd.read_csv(JOBBERT, dtype=str, keep_default_na=False)
    posts = posts[posts["isco_code"] != ""].assign(text=lambda f: f["job_title"].map(coding_text))
    esco = [s for s in config_from_env("").index_sources if s.name == "esco_en"]
    reference = build_index_labels(load_taxonomy(), esco)[["label_norm", "code", "concept"]]
    coded = posts[["text", "isco_code"]].drop_duplicates().rename(columns={"text": "label_norm", "isco_code": "code"})
    labels = pd.concat([reference, coded.assign(concept="post:" + coded["label_norm"])], ignore_index=True)
    is_post = labels["concept"].str.startswith("post:").to_numpy()
    graded = posts.sample(args.sample, random_state=args.seed) if 0 < args.sample < len(posts) else posts
    embedder = SentenceTransformerEmbedder(args.model or None, batch_size=64)
    start = time.perf_counter()
    texts = sorted(set(labels["label_norm"]) | set(graded["text"]))
    vectors = dict(zip(texts, embedder.encode(texts), strict=True))
    seconds = time.perf_counter() - start
    label_vectors = np.stack([vectors[t] for t in labels["label_norm"]])
    codes, keys, names = labels["code"].to_numpy(), labels["concept"].to_numpy(), labels["label_norm"].to_numpy()
    right = {"labels": [0, 0], "concepts": [0, 0]}
    for title, gold in zip(graded["text"], graded["isco_code"], strict=True):
        similarity = label_vectors @ vectors[title]
        similarity[is_post & (names == title)] = -np.inf  # its own title leaves, as in isco-eval
        for name, by in (("labels", None), ("concepts", keys)):
            ranked = vote(similarity, codes, by, args)
            right[name][0] += ranked[0] == gold
            right[name][1] += gold in ranked[:5]
    n = len(graded)
    print(json.dumps({"model": embedder.model_id, "titles": n, "labels": len(labels), "encode_s": round(seconds, 1),
                      **{f"{name}_top{k}": round(hits[i] / n, 4) for name, hits in right.items()
                         for i, k in enumerate((1, 5))},
                      "neighbours": args.neighbours, "temperature": args.temperature, "seed": args.seed}))


if __name__ == "__main__":
    main()
