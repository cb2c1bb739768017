"""Leave-out evaluation of the candidate ranking on real vacancy titles: can the pipeline find work the index lost?

    .venv/bin/python bench/novelty_leaveout.py [--titles jobbert|polish] [--leave-out groups|occupations]
        [--removed 25] [--seeds 0 1] [--data ../shared/data] [--dump folder]

1. Posts: every title of a labelled set of real ads: ``jobbert``, the JobBERT dev titles (about 15,000 raw English
   vacancy titles with their ESCO occupation and ISCO-08 unit group), or ``polish``, the hand-coded Polish ads
   (2,446 titles with the unit group experts gave them; groups only, they have no ESCO occupation), each posted 1
   to a few times (the same geometric draw for every title), with employers and months drawn at random the same
   way for all posts, so neither helps.
2. What leaves the index, from every source of the default bundle (ESCO, the ILO index, the structure, the UK,
   Colombian and Brazilian indexes):
   - ``groups``: whole unit groups (every label of the code, its structure title included, and every label of
     another group that reads like one of them or like one of the group's posted titles), drawn among the groups
     with 15 to 150 of the titles; the work is then new to the index as a unit group would be. The right suggested
     parent is a group of the same minor group (where an expert would place the new unit group).
   - ``occupations``: ESCO occupations with at least 12 titles, with every label, in any source and language, that
     reads like one of their ESCO labels or one of their posted titles; their unit group stays. The right
     suggested parent is their unit group.
3. Embed, code against the reduced default index, cluster, rank, as the pipeline does; then, with K = 2 x removed:
   a candidate is correct when most of its posts are of removed work; precision@10, precision@K, recall@K (a
   removed group or occupation is found when it is the majority of some top-K candidate), and the share of correct
   top-K candidates whose suggested parent is right.
Seeds 0 and 1 are the ones the ranking was tuned on; report the others (docs/novelty.md says which were used).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from stages import cluster_titles, embed_titles, rank

from isco_assets.lib.classify.coding import CodingService, code_posts
from isco_assets.lib.classify.index_sources import build_index_labels, label_key
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import DEFAULT_LANGUAGES, bundled_sources
from isco_assets.lib.discover.cluster_tracking import RegistryState
from isco_assets.lib.discover.index_words import spellings
from isco_assets.lib.discover.novelty import candidates_of, verdict_counts
from isco_assets.lib.prepare.language import LanguageDetector
from isco_assets.lib.prepare.text import coding_title, normalize_title
from isco_assets.resources.environment import config_from_env, layout_from_env

BENCH = Path(__file__).resolve().parent
MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
GROUP_TITLES = (15, 150)  # titles a removed unit group has in the file
OCCUPATION_TITLES = 12


TITLE_SETS = {"jobbert": "jobbert_v1_titles_dev.csv", "polish": "pl_ojalab_hand_coded_dev.csv"}
COUNTRIES = {"jobbert": "SG", "polish": "PL"}  # one per set: spread over countries does not help


def real_titles(data: Path, name: str, mode: str) -> pd.DataFrame:
    """``job_title``, ``esco_uri`` ("" where the set has none), ``isco_code`` and ``language`` of a labelled set."""
    jobs = pd.read_csv(data / "jobs" / TITLE_SETS[name], dtype=str, keep_default_na=False)
    keep = jobs["isco_code"] != ""
    if "esco_uri" in jobs:
        keep &= jobs["esco_uri"] != ""
    elif mode == "occupations":
        raise SystemExit(f"--titles {name} has no ESCO occupations: use --leave-out groups")
    else:
        jobs["esco_uri"] = ""
    jobs = jobs.loc[keep, ["job_title", "esco_uri", "isco_code", "language"]]
    # read as the pipeline reads posts: the file's column is a hint (the JobBERT file says English for every title,
    # Malay ones too)
    detected = LanguageDetector(DEFAULT_LANGUAGES).detect_posts(jobs["job_title"].tolist(), None,
                                                               jobs["language"].tolist())
    return jobs.assign(language=[d.language for d in detected])


def choose_removed(titles: pd.DataFrame, mode: str, n: int, seed: int) -> list[str]:
    """Unit-group codes or occupation URIs, ``n`` of them at random among those with enough titles."""
    column = "isco_code" if mode == "groups" else "esco_uri"
    sizes = titles.groupby(column).size()
    low, high = GROUP_TITLES if mode == "groups" else (OCCUPATION_TITLES, 10**9)
    pool = sorted(sizes[(sizes >= low) & (sizes <= high)].index)
    return sorted(np.random.default_rng(seed).choice(pool, size=min(n, len(pool)), replace=False).tolist())


def esco_names(uris: set[str]) -> set[str]:
    """Every ESCO label (preferred and alternative, every bundled language) of the occupations ``uris``."""
    names: set[str] = set()
    for source in bundled_sources(everything=True):
        if source.kind != "esco":
            continue
        esco = pd.read_csv(source.path, dtype=str, keep_default_na=False)
        esco = esco[esco["esco_uri"].isin(uris)]
        for preferred, alternative in zip(esco["preferred_label"], esco["alt_labels"], strict=True):
            names.update(t.strip() for t in [*preferred.split("/"), *alternative.split("|")] if t.strip())
    return names


def exclusions(titles: pd.DataFrame, mode: str, removed: list[str]) -> list[str]:
    """The removed codes or URIs, and every label of any source that names the removed work: its own index
    labels (a group's in every source, an occupation's ESCO labels) and its posted titles."""
    column = "isco_code" if mode == "groups" else "esco_uri"
    names = set(titles.loc[titles[column].isin(removed), "job_title"])
    labels = build_index_labels(load_taxonomy(), bundled_sources())
    if mode == "groups":
        names |= set(labels.loc[labels["code"].isin(removed), "label"])
    else:
        names |= esco_names(set(removed))
    # and every label that is one of those names spelled otherwise ("account managers" for a posted "account
    # manager"), which the candidates' judgement reads as the same label (index_words.LabelWords.same)
    spelled = {k for t in names for k in spellings(normalize_title(t))}
    names |= {t for t in labels["label"].unique() if not spelled.isdisjoint(spellings(normalize_title(t)))}
    return sorted(set(removed) | {label_key(t) for t in names if normalize_title(t)})


def posts_frame(titles: pd.DataFrame, rng: np.random.Generator, name: str) -> pd.DataFrame:
    jobs = titles.loc[titles.index.repeat(rng.geometric(0.6, len(titles)))].reset_index(drop=True)
    return pd.DataFrame({
        "job_title": jobs["job_title"], "esco_uri": jobs["esco_uri"], "isco_code_true": jobs["isco_code"],
        "language": jobs["language"], "desc_en": "", "desc_language": "",
        "title_norm": jobs["job_title"].map(lambda t: normalize_title(t) or t.strip().lower()),
        "title_code": jobs["job_title"].map(lambda t: coding_title(t) or t.strip().lower()),
        "company": [f"employer {i}" for i in rng.integers(0, 300, len(jobs))],
        "period": rng.choice(MONTHS, len(jobs)), "source": name, "country": COUNTRIES[name],
    })


def majority(posts: pd.DataFrame, assignments: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per cluster: its majority value of ``column`` and that value's share."""
    labelled = posts.merge(assignments[["title_norm", "cluster_id"]], on="title_norm")
    counts = labelled[labelled["cluster_id"] >= 0].groupby(["cluster_id", column]).size().rename("n").reset_index()
    counts["share"] = counts["n"] / counts.groupby("cluster_id")["n"].transform("sum")
    best = counts.sort_values(["cluster_id", "share"], ascending=[True, False]).drop_duplicates("cluster_id")
    return best.set_index("cluster_id")[[column, "share"]].rename(columns={column: "majority"})


def evaluate(candidates: pd.DataFrame, truth: pd.DataFrame, mode: str, removed: list[str], k: int) -> dict:
    top = candidates.head(k).join(truth, on="cluster_id")
    correct = top["majority"].isin(removed) & (top["share"] > 0.5)
    head = correct.head(10)
    right_parent = top.loc[correct].apply(lambda r: _parent_right(r, mode), axis=1)
    return {"precision@10": float(head.mean()) if len(head) else 0.0,
            "precision@k": float(correct.mean()) if len(top) else 0.0,
            "recall@k": top.loc[correct, "majority"].nunique() / len(removed),
            "parent_right": float(right_parent.mean()) if len(right_parent) else 0.0,
            "candidates": len(candidates)}


def _parent_right(row: pd.Series, mode: str) -> bool:
    parent = str(row["suggested_parent"] or "")
    return parent[:3] == str(row["majority"])[:3] if mode == "groups" else parent == row["truth_code"]


def run_seed(data: Path, name: str, mode: str, n: int, seed: int, dump: Path | None) -> dict:
    titles = real_titles(data, name, mode)
    removed = choose_removed(titles, mode, n, seed)
    rng = np.random.default_rng(seed)
    posts = posts_frame(titles, rng, name)
    posts["removed_key"] = posts["isco_code_true"] if mode == "groups" else posts["esco_uri"]
    taxonomy = load_taxonomy()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        exclude = Path(tmp) / "removed.txt"
        exclude.write_text("\n".join(exclusions(titles, mode, removed)) + "\n", encoding="utf-8")
        settings = Path(tmp) / "leaveout.yaml"
        settings.write_text(yaml.safe_dump({"index": {"exclude_files": [str(exclude)]}}), encoding="utf-8")
        config = config_from_env(str(settings))
    layout = layout_from_env()
    service = CodingService.build(config, layout)
    unique, weights, vectors, _ = embed_titles(service, posts["title_norm"])
    coded, _ = code_posts(posts, service.coder.labels, service.embedder.model_id, service.coder.settings,
                          layout, taxonomy, lambda: service)
    clustered = cluster_titles(unique, weights, vectors, config.clustering, RegistryState.empty(), "leaveout",
                               pd.Timestamp.now(tz="UTC"))
    judged, _ = rank(clustered, coded, taxonomy, service.coder.labels, config.novelty, config.coder.main_languages)
    candidates = candidates_of(judged)
    seconds = time.perf_counter() - start
    truth = majority(posts, clustered.assignments, "removed_key")
    codes = posts.drop_duplicates("removed_key").set_index("removed_key")["isco_code_true"]
    truth["truth_code"] = truth["majority"].map(codes)
    result = evaluate(candidates, truth, mode, removed, 2 * n)
    if dump:
        dump.mkdir(parents=True, exist_ok=True)
        judged.join(truth, on="cluster_id").assign(removed=lambda f: f["majority"].isin(removed)).to_parquet(
            dump / f"{name}_{mode}_{seed}_candidates.parquet")
        coded.merge(clustered.assignments[["title_norm", "cluster_id"]], on="title_norm").assign(
            removed=lambda f: f["removed_key"].isin(removed)).drop(columns=["top_codes"], errors="ignore").to_parquet(
            dump / f"{name}_{mode}_{seed}_posts.parquet")
    removed_posts = int(posts["removed_key"].isin(removed).sum())
    verdicts = verdict_counts(judged)
    print(f"seed {seed}: {len(removed)} {mode} removed ({removed_posts:,} of {len(posts):,} posts), "
          f"{len(service.coder.labels):,} index labels left, {len(unique):,} unique titles, "
          f"{len(judged)} clusters {verdicts}, {seconds:.0f} s")
    top = candidates.head(15).join(truth, on="cluster_id")
    for row in top.itertuples(index=False):
        mark = "*" if row.majority in removed and row.share > 0.5 else " "
        print(f"  {row.rank:>3} {mark} {row.novelty_score:.3f} {row.n_posts:>4} {str(row.name)[:36]:<36} "
              f"parent {row.suggested_parent} ({row.majority} {row.share:.0%})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--titles", choices=sorted(TITLE_SETS), default="jobbert")
    parser.add_argument("--leave-out", choices=("groups", "occupations"), default="groups")
    parser.add_argument("--removed", type=int, default=25)
    parser.add_argument("--seeds", type=int, nargs="+", default=[2, 3, 4], help="0 and 1 are the tuning seeds")
    parser.add_argument("--data", type=Path, default=BENCH.parent.parent / "shared" / "data")
    parser.add_argument("--dump", type=Path, help="write each seed's candidates and coded posts here (Parquet)")
    args = parser.parse_args()
    if not (args.data / "jobs" / TITLE_SETS[args.titles]).is_file():
        raise SystemExit(f"no {TITLE_SETS[args.titles]} under {args.data / 'jobs'}; pass --data")
    results = [run_seed(args.data, args.titles, args.leave_out, args.removed, s, args.dump) for s in args.seeds]
    k = 2 * args.removed
    print(f"\n| seed | precision@10 | precision@{k} | recall@{k} | parent right | candidates |")
    print("|---|---|---|---|---|---|")
    for seed, r in zip(args.seeds, results, strict=True):
        print(f"| {seed} | {r['precision@10']:.2f} | {r['precision@k']:.2f} | {r['recall@k']:.2f} | "
              f"{r['parent_right']:.2f} | {r['candidates']} |")


if __name__ == "__main__":
    main()
