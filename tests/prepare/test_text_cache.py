"""The on-disk cache of values computed from texts (language detections, cleaned text)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from isco_assets.lib.prepare.text_cache import COMPACT_AFTER, TextCache


class Upper:
    """A compute function that remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def __call__(self, texts: list[str]) -> pd.DataFrame:
        self.asked.append(texts)
        return pd.DataFrame({"upper": [t.upper() for t in texts], "length": [len(t) for t in texts]})


def test_values_in_order_each_distinct_text_computed_once(tmp_path: Path) -> None:
    compute = Upper()
    values, computed = TextCache(tmp_path).get(["b", "a", "b", ""], compute)
    assert values["upper"].tolist() == ["B", "A", "B", ""] and values["length"].tolist() == [1, 1, 1, 0]
    assert computed == 3 and compute.asked == [["b", "a", ""]]
    again, computed = TextCache(tmp_path).get(["c", "a"], compute)
    assert again["upper"].tolist() == ["C", "A"] and computed == 1 and compute.asked[-1] == ["c"]
    assert TextCache(tmp_path).get(["a", "c"], compute)[1] == 0 and len(compute.asked) == 2


def test_without_a_folder_nothing_is_kept(tmp_path: Path) -> None:
    compute = Upper()
    for _ in range(2):
        assert TextCache(None).get(["x", "x"], compute)[1] == 1
    assert compute.asked == [["x"], ["x"]]
    empty, computed = TextCache(None).get([], compute)
    assert list(empty.columns) == ["upper", "length"] and len(empty) == 0 and computed == 0


def test_many_shards_are_merged_into_one(tmp_path: Path) -> None:
    for i in range(COMPACT_AFTER):
        TextCache(tmp_path).get([f"t{i}"], Upper())
    assert len(list(tmp_path.glob("*.parquet"))) == COMPACT_AFTER
    TextCache(tmp_path).get(["new"], Upper())
    assert len(list(tmp_path.glob("*.parquet"))) == 1
    compute = Upper()
    values, computed = TextCache(tmp_path).get([f"t{i}" for i in range(COMPACT_AFTER)] + ["new"], compute)
    assert computed == 0 and values["upper"].tolist() == [f"T{i}" for i in range(COMPACT_AFTER)] + ["NEW"]
