"""Leave-out evaluation of the candidate ranking: can the pipeline rediscover occupations the index lost?

    .venv/bin/python bench/novelty_leaveout.py [--removed 20] [--seed 0] [--data ../shared/data]

1. Removed occupations: ESCO occupations with no label in the ILO index of titles (the ILO never listed them)
   and at least ``--min-labels`` English labels no other occupation carries; ``--removed`` of them at random.
2. They leave the index through the configuration: a settings file with the ILO and ESCO reference sources
   (structure, index of titles, ESCO en/es/it/pt) and ``index.exclude_files`` naming their URIs (their ESCO
   labels go; the rest of their unit group stays, as for a real new occupation).
3. Posts: the removed occupations' own English labels as titles, 30 to 120 posts each with Zipf-like
   repetition, mixed with every JobBERT title of the other occupations (about 14,000 real raw vacancy titles);
   employers and months are drawn at random, the same way for all posts, so neither helps.
4. Embed, code against the reduced index, cluster, rank; then, with K = 2 x removed: a top-K candidate is
   correct when most of its posts belong to a removed occupation (precision@K), and a removed occupation is
   found when it is the majority of some top-K candidate (recall@K). Also printed for K = removed and 3 x removed.
   A removed occupation split over several clusters counts once in recall but each time in precision, so
   precision@K at K = 2 x removed can pass 0.5 only through such splits; K = removed shows the ranking alone.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from stages import cluster_titles, code_posts, embed_titles, rank

from isco_assets.lib.cluster_tracking import RegistryState
from isco_assets.lib.coding import CodingService
from isco_assets.lib.config import load_config
from isco_assets.lib.layout import DataLayout
from isco_assets.lib.taxonomy import load_taxonomy
from isco_assets.lib.text import coding_title, normalize_title

BENCH = Path(__file__).resolve().parent
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]


def esco_labels(data: Path) -> pd.DataFrame:
    """One row per (English ESCO occupation, label), with the label normalized like a job title."""
    esco = pd.read_csv(data / "reference" / "esco_occupations_en.csv", dtype=str, keep_default_na=False)
    labels = esco.assign(label=(esco["preferred_label"] + "|" + esco["alt_labels"]).str.split(r"[|\n]")).explode(
        "label")
    labels["label"] = labels["label"].str.strip()
    labels["norm"] = labels["label"].map(normalize_title)
    return labels[labels["norm"] != ""].drop_duplicates(["esco_uri", "norm"])[["esco_uri", "preferred_label", "label",
                                                                               "norm"]]


def choose_removed(data: Path, labels: pd.DataFrame, n: int, min_labels: int, seed: int) -> list[str]:
    """URIs of ESCO occupations none of whose labels is an ILO index title, with at least ``min_labels`` labels
    of their own (labels that no other occupation carries), ``n`` of them at random."""
    ilo = pd.read_csv(data / "reference" / "isco08_index_titles.csv", dtype=str, keep_default_na=False)
    ilo_titles = {normalize_title(_uninvert(t)) for t in ilo["title"]}
    in_ilo = set(labels.loc[labels["norm"].isin(ilo_titles), "esco_uri"])
    own = labels[~labels["norm"].duplicated(keep=False)]
    sizes = own.groupby("esco_uri").size()
    pool = sorted(set(sizes[sizes >= min_labels].index) - in_ilo)
    rng = np.random.default_rng(seed)
    return sorted(rng.choice(pool, size=min(n, len(pool)), replace=False).tolist())


def removed_posts(labels: pd.DataFrame, removed: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """Posts titled with the removed occupations' own labels: 30 to 120 posts each, spread over the labels with
    Zipf-like weights (a few labels common, most rare), as real ads name an occupation."""
    own = labels[~labels["norm"].duplicated(keep=False) & labels["esco_uri"].isin(removed)]
    rows = []
    for uri, part in own.groupby("esco_uri"):
        order = rng.permutation(len(part))
        weights = 1.0 / (1 + np.arange(len(part)))
        picks = rng.choice(order, size=int(rng.integers(30, 121)), p=weights / weights.sum())
        rows += [(part["label"].iloc[i], uri) for i in picks]
    return pd.DataFrame(rows, columns=["job_title", "esco_uri"])


def _uninvert(title: str) -> str:
    head, sep, qualifier = title.partition(",")
    return f"{qualifier.strip()} {head.strip()}" if sep and "," not in qualifier else title


def leaveout_config(folder: Path, data: Path, removed: list[str]) -> Path:
    """A settings file: the ILO and ESCO reference sources, minus the removed occupations. O*NET stays out: its
    titles would bring the removed occupations back under other names."""
    reference = data.resolve() / "reference"
    sources = [{"kind": "isco_structure", "path": str(reference / "isco08_structure.csv")},
               {"kind": "ilo_index", "path": str(reference / "isco08_index_titles.csv")}]
    sources += [{"kind": "esco", "path": str(reference / f"esco_occupations_{lang}.csv"), "language": lang}
                for lang in ("en", "es", "it", "pt")]
    exclude = folder / "removed_occupations.txt"
    exclude.write_text("\n".join(removed) + "\n", encoding="utf-8")
    path = folder / "leaveout.yaml"
    path.write_text(yaml.safe_dump({"index": {"sources": sources, "exclude_files": [str(exclude)]}}), encoding="utf-8")
    return path


def evaluate(candidates: pd.DataFrame, assignments: pd.DataFrame, posts: pd.DataFrame, removed: list[str],
             k: int) -> dict[str, float]:
    """Precision and recall at ``k``: a candidate is correct when most of its posts are of a removed occupation."""
    labelled = posts.merge(assignments[["title_norm", "cluster_id"]], on="title_norm")
    majority = labelled[labelled["cluster_id"] >= 0].groupby("cluster_id")["esco_uri"].agg(
        lambda s: s.value_counts().index[0] if s.value_counts().iloc[0] / len(s) > 0.5 else "")
    top = candidates.head(k)["cluster_id"].map(majority).fillna("")
    hits = top[top.isin(removed)]
    return {"k": k, "precision": len(hits) / max(1, len(top)), "recall": hits.nunique() / len(removed),
            "found": hits.nunique()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--removed", type=int, default=20)
    parser.add_argument("--min-labels", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=BENCH.parent.parent / "shared" / "data")
    parser.add_argument("--dump", type=Path, help="write the ranked candidates with their majority occupation here")
    args = parser.parse_args()
    labels = esco_labels(args.data)
    removed = choose_removed(args.data, labels, args.removed, args.min_labels, args.seed)
    rng = np.random.default_rng(args.seed)
    jobs = pd.read_csv(args.data / "jobs" / "jobbert_v1_titles_dev.csv", dtype=str, keep_default_na=False)
    jobs = pd.concat([jobs.loc[(jobs["esco_uri"] != "") & ~jobs["esco_uri"].isin(removed), ["job_title", "esco_uri"]],
                      removed_posts(labels, removed, rng)], ignore_index=True)
    posts = pd.DataFrame({
        "job_title": jobs["job_title"], "esco_uri": jobs["esco_uri"], "language": "en",
        "title_norm": jobs["job_title"].map(lambda t: normalize_title(t) or t.strip().lower()),
        "title_code": jobs["job_title"].map(lambda t: coding_title(t) or t.strip().lower()),
        "company": [f"employer {i}" for i in rng.integers(0, 300, len(jobs))],
        "period": rng.choice(MONTHS, len(jobs)), "source": "jobbert", "country": "SG",
    })
    taxonomy = load_taxonomy()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(leaveout_config(Path(tmp), args.data, removed))
    layout = DataLayout.from_env()
    service = CodingService.build(config, layout)
    titles, weights, vectors, _ = embed_titles(service, posts["title_norm"])
    coded = code_posts(service, posts, taxonomy, layout.cache / "codes")
    clustered = cluster_titles(titles, weights, vectors, config.clustering, RegistryState.empty(), "leaveout",
                               pd.Timestamp.now(tz="UTC"))
    candidates, _ = rank(clustered, coded, taxonomy)
    seconds = time.perf_counter() - start
    n_removed_posts = int(posts["esco_uri"].isin(removed).sum())
    print(f"{len(removed)} occupations removed ({n_removed_posts:,} of {len(posts):,} posts), "
          f"{len(service.coder.labels):,} index labels left, {len(titles):,} unique titles, "
          f"{len(candidates):,} clusters, {seconds:.0f} s")
    print("| K | precision@K | recall@K | removed occupations found |\n|---|---|---|---|")
    for k in (len(removed), 2 * len(removed), 3 * len(removed)):
        r = evaluate(candidates, clustered.assignments, posts, removed, k)
        print(f"| {k} | {r['precision']:.2f} | {r['recall']:.2f} | {r['found']} of {len(removed)} |")
    names = labels.drop_duplicates("esco_uri").set_index("esco_uri")["preferred_label"]
    top = candidates.head(2 * len(removed))
    labelled = posts.merge(clustered.assignments[["title_norm", "cluster_id"]], on="title_norm")
    if args.dump:
        shares = labelled[labelled["cluster_id"] >= 0].groupby("cluster_id")["esco_uri"].agg(
            lambda s: (s.value_counts().index[0], s.value_counts().iloc[0] / len(s)))
        found = candidates["cluster_id"].map(shares)
        candidates.assign(majority=found.str[0], majority_share=found.str[1],
                          removed=found.str[0].isin(removed) & (found.str[1] > 0.5)).to_parquet(args.dump)
    print("\nTop candidates (majority occupation, * = removed):")
    for row in top.itertuples(index=False):
        part = labelled[labelled["cluster_id"] == row.cluster_id]["esco_uri"].value_counts()
        uri, share = part.index[0], part.iloc[0] / part.sum()
        mark = "*" if uri in removed and share > 0.5 else " "
        print(f"{row.rank:>3} {mark} {row.novelty_score:.3f} {row.n_posts:>4} {row.name[:40]:<40} "
              f"{names.get(uri, uri)[:40]} ({share:.0%})")


if __name__ == "__main__":
    main()
