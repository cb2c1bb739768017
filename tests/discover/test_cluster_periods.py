"""Periods of posts, the activity table and per-cluster profiles over time and markets."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from isco_assets.lib.discover.cluster_periods import (
    activity_table,
    cluster_profiles,
    effective_number,
    period_table,
    post_periods,
)


def test_post_periods_fall_back_to_the_drop_arrival() -> None:
    posted = pd.Series(["2026-03-15", "", "not a date", "2026-04-02T10:00:00Z"])
    arrival = pd.Series([pd.Timestamp("2026-05-01", tz="UTC")] * 3 + [pd.NaT])
    assert post_periods(posted, arrival).tolist() == ["2026-03", "2026-05", "2026-05", "2026-04"]
    assert post_periods(pd.Series([""]), pd.Series([pd.NaT])).tolist() == [""]


def _posts() -> pd.DataFrame:
    rows = []
    for month, n in (("2026-01", 2), ("2026-02", 2), ("2026-03", 6)):
        rows += [{"cluster_id": 0, "period": month, "company": f"co{i % 2}", "country": "US", "source": "a",
                  "language": "en"} for i in range(n)]
    rows += [{"cluster_id": -1, "period": m, "company": "", "country": "BR", "source": "b", "language": "pt"}
             for m in ("2026-01", "2026-02", "2026-03") for _ in range(10)]
    rows += [{"cluster_id": 1, "period": "2026-01", "company": "solo", "country": "GB", "source": "a",
              "language": "en"} for _ in range(4)]
    return pd.DataFrame(rows)


def test_activity_and_period_tables() -> None:
    activity = activity_table(_posts().drop(columns=["language"]))
    assert activity["n_posts"].sum() == 44
    assert set(activity["language"]) == {""}  # a missing column counts as unknown
    periods = period_table(activity_table(_posts())).set_index(["cluster_id", "period"])
    assert periods.loc[(0, "2026-03"), "n_posts"] == 6
    assert periods.loc[(0, "2026-03"), "n_companies"] == 2
    assert periods.loc[(-1, "2026-01"), "n_companies"] == 0  # unknown employers are not an employer
    assert periods.loc[(0, "2026-03"), "share"] == pytest.approx(6 / 16)
    assert periods.loc[(-1, "2026-02"), "n_posts"] == 10  # noise is followed over time too


def test_cluster_profiles() -> None:
    profiles = cluster_profiles(activity_table(_posts())).set_index("cluster_id")
    assert list(profiles.index) == [0, 1]  # noise is no cluster
    grown, gone = profiles.loc[0], profiles.loc[1]
    assert grown["periods_present"] == 3 and grown["persistence"] == 1.0
    # share 6/16 in the last month against 4/28 before it
    assert grown["growth"] == pytest.approx(math.log2((6 / 16 + 1 / 44) / (4 / 28 + 1 / 44)), abs=1e-3)
    assert grown["trend"] == [{"period": "2026-01", "n": 2}, {"period": "2026-02", "n": 2},
                              {"period": "2026-03", "n": 6}]
    assert grown["employers_effective"] == pytest.approx(2.0)
    assert grown["top_employer_share"] == pytest.approx(0.5)
    assert gone["persistence"] == pytest.approx(1 / 3, abs=1e-4)  # seen in one of the three months since it appeared
    assert gone["growth"] < 0
    assert gone["employers_effective"] == pytest.approx(1.0)
    assert gone["by_country"] == [{"key": "GB", "n": 4}]


def test_effective_number() -> None:
    assert effective_number(pd.Series([5, 5, 5])) == pytest.approx(3.0)
    assert effective_number(pd.Series([100, 1])) < 1.1
    assert math.isnan(effective_number(pd.Series([], dtype=float)))
