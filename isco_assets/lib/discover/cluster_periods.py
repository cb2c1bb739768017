"""Clusters over time and across markets: posts per cluster and period, growth, persistence and spread.

A period is the calendar month (``YYYY-MM``) of a post's ``posted_at``. A post without a parseable date takes
the month its drop was first seen by the pipeline (the tracking registry's drop arrival): the best stand-in for
when the ad was live, and it keeps undated drops from collapsing into one unknown period.

Everything is computed from one activity table: post counts per cluster and combination of period, source
(the partner that delivered the drop), country, language and employer. Noise (cluster -1) is in it too, so
per-period totals, and the noise itself, can be followed over time.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

DIMENSIONS = ("period", "source", "country", "language", "company")
ACTIVITY_COLUMNS = ("cluster_id", *DIMENSIONS, "n_posts")
PROFILE_COLUMNS = (
    "cluster_id", "periods_present", "first_period", "last_period", "persistence", "growth", "trend", "by_source",
    "by_country", "by_language", "employers_effective", "sources_effective", "countries_effective",
    "languages_effective", "top_employer_share",
)
RECENT_SHARE = 1 / 3  # the last third of the periods is "recent" for growth
MAX_GROWTH = 3.0  # log2 ratio cap: 8x the earlier share, or a cluster that did not exist before


def post_periods(posted_at: pd.Series, arrival: pd.Series) -> pd.Series:
    """``YYYY-MM`` of ``posted_at``, else of the drop's arrival, else ``""``."""
    dates = pd.to_datetime(posted_at.replace("", None), errors="coerce", utc=True, format="mixed")
    fallback = pd.to_datetime(arrival, errors="coerce", utc=True)
    return dates.fillna(fallback).dt.strftime("%Y-%m").fillna("")


def activity_table(posts: pd.DataFrame) -> pd.DataFrame:
    """Post counts per cluster and (period, source, country, language, company); missing columns count as ``""``."""
    frame = pd.DataFrame({"cluster_id": posts["cluster_id"].astype(np.int64)})
    for column in DIMENSIONS:
        frame[column] = posts[column].fillna("").astype(str) if column in posts else ""
    counted = frame.groupby(["cluster_id", *DIMENSIONS], sort=True).size().rename("n_posts").reset_index()
    return counted[list(ACTIVITY_COLUMNS)]


def period_table(activity: pd.DataFrame) -> pd.DataFrame:
    """One row per cluster and period: posts, distinct employers, countries, sources and languages, and the
    cluster's share of all posts of the period."""
    grouped = activity.groupby(["cluster_id", "period"])
    frame = grouped["n_posts"].sum().to_frame()
    for column, name in (("company", "n_companies"), ("country", "n_countries"), ("source", "n_sources"),
                         ("language", "n_languages")):
        known = activity[activity[column] != ""]
        frame[name] = known.groupby(["cluster_id", "period"])[column].nunique().reindex(frame.index, fill_value=0)
    totals = activity.groupby("period")["n_posts"].sum()
    frame = frame.reset_index()
    frame["share"] = (frame["n_posts"] / frame["period"].map(totals)).round(6)
    return frame


def effective_number(counts: pd.Series) -> float:
    """exp(entropy) of a count distribution: 1 for one value, k for k equal values; NaN when empty."""
    counts = counts[counts > 0]
    if counts.empty:
        return math.nan
    p = counts / counts.sum()
    return float(np.exp(-(p * np.log(p)).sum()))


def cluster_profiles(activity: pd.DataFrame) -> pd.DataFrame:
    """Per cluster (noise left out): persistence, growth, the trend, counts per source, country and language,
    and the effective number of employers, sources, countries and languages (exp of the entropy)."""
    dated = activity[activity["period"] != ""]
    periods = sorted(dated["period"].unique())
    totals = dated.groupby("period")["n_posts"].sum().reindex(periods)
    recent = periods[len(periods) - max(1, math.floor(len(periods) * RECENT_SHARE)):] if len(periods) > 1 else []
    rows = []
    for cluster_id, part in activity[activity["cluster_id"] >= 0].groupby("cluster_id"):
        by_period = part[part["period"] != ""].groupby("period")["n_posts"].sum()
        present = by_period.index.tolist()
        since_first = periods[periods.index(present[0]):] if present else []
        rows.append({
            "cluster_id": int(cluster_id),
            "periods_present": len(present),
            "first_period": present[0] if present else "",
            "last_period": present[-1] if present else "",
            "persistence": round(len(present) / len(since_first), 4) if since_first else 0.0,
            "growth": round(_growth(by_period, totals, recent), 4),
            "trend": [{"period": p, "n": int(by_period.get(p, 0))} for p in since_first],
            "by_source": _counts(part, "source"),
            "by_country": _counts(part, "country"),
            "by_language": _counts(part, "language"),
            **{f"{name}_effective": _effective(part, column) for name, column in (
                ("employers", "company"), ("sources", "source"), ("countries", "country"),
                ("languages", "language"))},
            "top_employer_share": _top_share(part, "company"),
        })
    return pd.DataFrame(rows, columns=list(PROFILE_COLUMNS))



def _growth(by_period: pd.Series, totals: pd.Series, recent: list[str]) -> float:
    """log2 of the cluster's share of all posts in the recent periods over its share before them, capped."""
    if not recent or by_period.empty:
        return 0.0
    is_recent = totals.index.isin(recent)
    counts = by_period.reindex(totals.index, fill_value=0)
    eps = 1.0 / max(float(totals.sum()), 1.0)
    now = counts[is_recent].sum() / max(totals[is_recent].sum(), 1)
    before = counts[~is_recent].sum() / max(totals[~is_recent].sum(), 1)
    return float(np.clip(np.log2((now + eps) / (before + eps)), -MAX_GROWTH, MAX_GROWTH))


def _counts(part: pd.DataFrame, column: str) -> list[dict[str, object]]:
    counts = part.groupby(column)["n_posts"].sum().sort_values(ascending=False, kind="stable")
    return [{"key": key or "(unknown)", "n": int(n)} for key, n in counts.items()]


def _known(part: pd.DataFrame, column: str) -> pd.Series:
    return part[part[column] != ""].groupby(column)["n_posts"].sum()


def _effective(part: pd.DataFrame, column: str) -> float:
    value = effective_number(_known(part, column))
    return round(value, 3) if not math.isnan(value) else math.nan


def _top_share(part: pd.DataFrame, column: str) -> float:
    counts = _known(part, column)
    return round(float(counts.max() / counts.sum()), 4) if len(counts) else math.nan
