"""Ranking clusters as novel-occupation candidates, each with the evidence an expert needs.

The score is a coverage gap times a distinctiveness and modest multipliers. Coverage gap: the share of the posts
of their language that score above the cluster's best-coded posts (its 90th percentile). The index covers
languages unequally, so scores are read as ranks within the language; and an ordinary occupation's cluster
holds the index's own title beside its noisy variants, so the best-coded posts, not the average, tell whether
the index knows the work. Distinctiveness: how much of the use of the cluster's own words falls in the
cluster. A new kind of work brings words of its own ("drone", "annotator"); a vague title ("head", "technical
lead", "sales executive") is made of words spread over the whole board and is no one kind of work. The
multipliers, each between 0.5 and 1, reward coherence (the share of posts coded to the suggested parent), size,
spread (one employer's house title is not a new occupation; several sources, countries and languages add
confidence), persistence over the periods since the cluster appeared, and growth of its share of all posts.
With no coverage gap the score is zero whatever the other factors: they order candidates, they never make an
ordinary occupation novel. The share of posts coded n.e.c. or among the worst quarter of their language
(``uncertain_share``) is shown as evidence, not scored: in the leave-out benchmark it fired on ordinary
clusters (an n.e.c. group is often a legitimate code) as much as on new ones.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from isco_assets.lib.cluster_periods import activity_table, cluster_profiles
from isco_assets.lib.clustering import TOKEN
from isco_assets.lib.taxonomy import IscoTaxonomy

CANDIDATE_COLUMNS = (
    "rank", "cluster_id", "name", "novelty_score", "coverage_gap", "distinctiveness", "uncertain_share", "n_posts",
    "n_titles", "n_companies", "employers_effective", "top_employer_share", "growth", "persistence", "periods_present",
    "first_period", "last_period", "origin", "first_seen", "runs_present", "example_titles", "keywords",
    "suggested_parent", "suggested_parent_title", "parent_share", "nearest_groups", "by_source", "by_country",
    "by_language", "trend", "summary",
)
EVIDENCE_COLUMNS = ("example_titles", "nearest_groups", "suggested_parent", "by_source", "by_country", "by_language",
                    "trend")
SPREAD_EMPLOYERS = 3.0  # effective employers for full credit
BEST_CODED = 0.9  # the quantile of a cluster's posts whose standing in their language sets the coverage gap
_TRACKING_DEFAULTS = {"origin": "new", "first_seen": None, "runs_present": 1}


def rank_candidates(
    clusters: pd.DataFrame, names: pd.DataFrame, posts: pd.DataFrame, taxonomy: IscoTaxonomy, top_n: int = 0,
    activity: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Candidates, best first.

    ``posts`` has one row per post (noise included) with ``cluster_id``, ``title_norm``, ``isco_code``,
    ``isco_score``, ``nec_flag``, ``company`` and ``language``. ``activity`` is the activity table of
    ``cluster_periods.activity_table`` (periods, sources, countries); without it, it is built from ``posts``.
    ``clusters`` may carry the tracking columns (origin, first_seen, runs_present).
    """
    if clusters.empty:
        return pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
    posts = _relative_to_language(posts)
    members = posts[posts["cluster_id"] >= 0]
    nearest = _nearest_groups(members)
    profiles = cluster_profiles(activity_table(posts) if activity is None else activity)
    frame = clusters.assign(**{k: v for k, v in _TRACKING_DEFAULTS.items() if k not in clusters})
    frame = frame.merge(names[["cluster_id", "name", "summary"]], on="cluster_id", how="left")
    frame = frame.merge(_stats(members), left_on="cluster_id", right_index=True, how="left")
    frame["distinctiveness"] = frame["cluster_id"].map(distinctiveness(posts)).fillna(0.0).round(4)
    frame = frame.merge(profiles, on="cluster_id", how="left")
    frame["nearest_groups"] = [nearest.get(c, []) for c in frame["cluster_id"]]
    frame["parent_share"] = [groups[0]["share"] if groups else 0.0 for groups in frame["nearest_groups"]]
    frame["novelty_score"] = novelty_score(frame).round(4)
    frame["suggested_parent"] = [groups[0]["code"] if groups else None for groups in frame["nearest_groups"]]
    frame["suggested_parent_title"] = [taxonomy.title(c) if c else None for c in frame["suggested_parent"]]
    frame["example_titles"] = frame["top_titles"]
    frame["first_seen"] = pd.to_datetime(frame["first_seen"], utc=True).dt.strftime("%Y-%m-%d %H:%M UTC").fillna("")
    for column in ("trend", "by_source", "by_country", "by_language"):
        frame[column] = frame[column].map(lambda v: v if isinstance(v, list) else [])
    frame = frame.sort_values(["novelty_score", "n_posts", "cluster_id"], ascending=[False, False, True])
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame = frame[list(CANDIDATE_COLUMNS)].reset_index(drop=True)
    return frame.head(top_n) if top_n else frame


def novelty_score(frame: pd.DataFrame) -> pd.Series:
    """Coverage gap and distinctiveness (0..1) times coherence, size, spread and time multipliers (each 0.5..1);
    see the module docstring."""
    largest = max(1, int(frame["n_posts"].max()))
    size = 0.75 + 0.25 * frame["n_posts"].map(lambda n: math.log1p(n) / math.log1p(largest))
    # unknown employers (CVs, boards without company) are not held against a cluster
    employers = (frame["employers_effective"] / SPREAD_EMPLOYERS).clip(upper=1.0).fillna(1.0)
    markets = sum((frame[f"{d}_effective"] - 1.0).clip(0.0, 1.0).fillna(0.0)
                  for d in ("sources", "countries", "languages")) / 3
    spread = 0.5 + 0.4 * employers + 0.1 * markets
    time = 0.8 + 0.1 * frame["persistence"].fillna(1.0) + 0.1 * frame["growth"].fillna(0.0).clip(0.0, 2.0) / 2
    coherence = 0.5 + 0.5 * frame["parent_share"]
    gap = frame["coverage_gap"].fillna(0.0) * frame["distinctiveness"].fillna(0.0)
    return gap * coherence * size * spread * time


def distinctiveness(posts: pd.DataFrame) -> pd.Series:
    """Per cluster, 0..1: the mean over its posts of how much the cluster owns the post's most owned title word,
    that is the share of all the posts using the word (noise included) that fall in the cluster. Each post counts
    its own best word, so a cluster of "drone pilot" and "piloto de drones" owns both "drone" and "drones"."""
    titles = posts.groupby(["title_norm", "cluster_id"]).size().rename("n").reset_index()
    words = titles.assign(word=titles["title_norm"].str.lower().str.findall(TOKEN).map(set)).explode("word")
    words = words.dropna(subset=["word"])
    in_cluster = words.groupby(["cluster_id", "word"])["n"].transform("sum")
    words["owned"] = in_cluster / words.groupby("word")["n"].transform("sum")
    words = words[words["cluster_id"] >= 0]
    best = words.groupby(["title_norm", "cluster_id"]).agg(owned=("owned", "max"), n=("n", "first"))
    owned = (best["owned"] * best["n"]).groupby(level="cluster_id").sum()
    totals = titles[titles["cluster_id"] >= 0].groupby("cluster_id")["n"].sum()
    return owned.reindex(totals.index, fill_value=0.0) / totals


def _relative_to_language(posts: pd.DataFrame, min_posts: int = 20) -> pd.DataFrame:
    """Per post: its standing, the share of its language's posts that score no higher (all posts pooled for
    languages with fewer than ``min_posts``), and whether it is uncertain: among the lowest quarter of its
    language, or the pilot's n.e.c. flag (an n.e.c. group in its top 5)."""
    scores = posts["isco_score"].astype(float)
    language = posts["language"] if "language" in posts else pd.Series("", index=posts.index)
    pooled = language.map(language.value_counts()) < min_posts
    standing = scores.groupby(language).rank(pct=True, method="max").where(~pooled, scores.rank(pct=True, method="max"))
    return posts.assign(standing=standing, uncertain=(standing <= 0.25) | posts["nec_flag"])


def _stats(members: pd.DataFrame) -> pd.DataFrame:
    stats = members.groupby("cluster_id").agg(
        uncertain_share=("uncertain", "mean"),
        n_companies=("company", lambda s: s[s.astype(str) != ""].nunique()),
    )
    stats.insert(0, "coverage_gap", 1.0 - members.groupby("cluster_id")["standing"].quantile(BEST_CODED))
    return stats


def _nearest_groups(members: pd.DataFrame, k: int = 3) -> dict[int, list[dict[str, object]]]:
    """The unit groups the cluster's posts were coded to most, with their share and mean score."""
    out: dict[int, list[dict[str, object]]] = {}
    grouped = members.groupby(["cluster_id", "isco_code"]).agg(n=("isco_score", "size"), score=("isco_score", "mean"))
    totals = members.groupby("cluster_id").size()
    for cluster_id, part in grouped.groupby(level=0):
        part = part.droplevel(0).sort_values(["n", "score"], ascending=False).head(k)
        total = int(totals[cluster_id])
        out[int(cluster_id)] = [
            {"code": code, "share": round(int(r.n) / total, 3), "score": round(float(r.score), 3)}
            for code, r in part.iterrows()
        ]
    return out
