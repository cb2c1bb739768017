"""Ranking clusters as novel-occupation candidates by how badly the ISCO index covers them.

A cluster is a candidate when its posts sit far from every index label (low retrieval scores),
when many of them are coded to an n.e.c. group or score among the worst of their language, and
when it is not one employer's house title. Scores are read relative to the typical score of posts
in the same language, because the index covers languages unequally: an ordinary Malay title
scoring like every other Malay title is not novel. Size breaks ties; it never makes an ordinary
occupation novel.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from isco_assets.lib.taxonomy import IscoTaxonomy

CANDIDATE_COLUMNS = (
    "rank", "cluster_id", "name", "novelty_score", "coverage_gap", "uncertain_share", "n_posts", "n_titles",
    "n_companies", "example_titles", "keywords", "suggested_parent", "suggested_parent_title", "nearest_groups",
    "summary",
)


def rank_candidates(
    clusters: pd.DataFrame, names: pd.DataFrame, posts: pd.DataFrame, taxonomy: IscoTaxonomy, top_n: int = 0,
) -> pd.DataFrame:
    """Candidates, best first.

    ``posts`` has one row per post with ``cluster_id``, ``isco_code``, ``isco_score``,
    ``needs_review``, ``nec_flag`` and ``company``.
    """
    if clusters.empty:
        return pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
    posts = _relative_to_language(posts)
    members = posts[posts["cluster_id"] >= 0]
    stats = _stats(members)
    nearest = _nearest_groups(members)
    frame = clusters.merge(names[["cluster_id", "name", "summary"]], on="cluster_id", how="left")
    frame = frame.merge(stats, left_on="cluster_id", right_index=True, how="left")
    largest = max(1, int(frame["n_posts"].max()))
    support = frame["n_posts"].map(lambda n: math.log1p(n) / math.log1p(largest))
    spread = (frame["n_companies"].fillna(0) / 3.0).clip(upper=1.0)
    gap = frame["coverage_gap"].fillna(0.0)
    novelty = 0.5 * gap / max(float(gap.max()), 1e-6) + 0.5 * frame["uncertain_share"].fillna(0.0)
    frame["novelty_score"] = (novelty * (0.75 + 0.25 * support) * (0.5 + 0.5 * spread)).round(4)
    frame["nearest_groups"] = [nearest.get(c, []) for c in frame["cluster_id"]]
    frame["suggested_parent"] = [groups[0]["code"] if groups else None for groups in frame["nearest_groups"]]
    frame["suggested_parent_title"] = [taxonomy.title(c) if c else None for c in frame["suggested_parent"]]
    frame["example_titles"] = frame["top_titles"]
    frame = frame.sort_values(["novelty_score", "n_posts", "cluster_id"], ascending=[False, False, True])
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame = frame[list(CANDIDATE_COLUMNS)].reset_index(drop=True)
    return frame.head(top_n) if top_n else frame


def _relative_to_language(posts: pd.DataFrame, min_posts: int = 20) -> pd.DataFrame:
    """Per post: how far its score falls below the median of its language, and whether it is among
    the lowest quarter of its language (or coded n.e.c.)."""
    scores = posts["isco_score"].astype(float)
    language = posts["language"] if "language" in posts else pd.Series("", index=posts.index)
    sizes = language.map(language.value_counts())
    pooled = sizes < min_posts
    by_lang = scores.groupby(language)
    median = by_lang.transform("median").where(~pooled, scores.median())
    low = by_lang.transform(lambda s: s.quantile(0.25)).where(~pooled, scores.quantile(0.25))
    return posts.assign(gap=(median - scores).clip(lower=0.0), uncertain=(scores <= low) | posts["nec_flag"])


def _stats(members: pd.DataFrame) -> pd.DataFrame:
    return members.groupby("cluster_id").agg(
        coverage_gap=("gap", "mean"),
        uncertain_share=("uncertain", "mean"),
        n_companies=("company", lambda s: s[s.astype(str) != ""].nunique()),
    )


def _nearest_groups(members: pd.DataFrame, k: int = 3) -> dict[int, list[dict[str, object]]]:
    """The unit groups the cluster's posts were coded to most, with their share and mean score."""
    out: dict[int, list[dict[str, object]]] = {}
    grouped = members.groupby(["cluster_id", "isco_code"]).agg(n=("isco_score", "size"), score=("isco_score", "mean"))
    for cluster_id, part in grouped.groupby(level=0):
        part = part.droplevel(0).sort_values(["n", "score"], ascending=False).head(k)
        total = int(members["cluster_id"].eq(cluster_id).sum())
        out[int(cluster_id)] = [
            {"code": code, "share": round(int(r.n) / total, 3), "score": round(float(r.score), 3)}
            for code, r in part.iterrows()
        ]
    return out
