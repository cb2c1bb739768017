"""Accuracy reports (overall, per language and source, several acceptable codes) and leave-out coding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isco_assets.lib.classify.coder import CodeResult, merge_results
from isco_assets.lib.classify.coding import CodingService
from isco_assets.lib.classify.evaluation import METRIC_COLUMNS, accuracy_report, gold_codes, report_table
from isco_assets.lib.classify.leaveout import assign_folds, leave_out_code
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import CoderSettings, IndexSource, PlatformConfig
from isco_assets.resources.environment import layout_from_env


def _result(codes: list[list[str]], review: list[bool]) -> CodeResult:
    n, k = len(codes), len(codes[0])
    scores = np.tile(np.linspace(0.9, 0.5, k, dtype=np.float32), (n, 1))
    votes = np.full((n, k), 1.0 / k, dtype=np.float32)
    levels = np.array([[c[0][:3], c[0][:2], c[0][:1]] for c in codes], dtype=object)
    return CodeResult(np.array(codes, dtype=object), scores, votes, votes[:, 0].copy(), np.array(review),
                      np.zeros(n, dtype=bool), levels, np.ones((n, 3), dtype=np.float32), np.zeros(n, dtype=bool),
                      np.zeros(n, dtype=bool))


CODES = [
    ["2512", "2513", "2514"],  # exact
    ["2513", "2512", "2519"],  # right at 3 digits, in the top 3 at 4
    ["2221", "3221", "2222"],  # wrong from the first digit
    ["1120", "1112", "1113"],  # right if any of several gold codes counts
]


def test_metrics_at_every_level() -> None:
    result = _result(CODES, [False, True, False, True])
    report = accuracy_report(["2512", "2512", "5120", ("1112", "1120")], result, settings=CoderSettings())
    overall = report["overall"]
    assert overall["n"] == 4
    assert overall["top1_4digit"] == pytest.approx(2 / 4)
    assert overall["top5_4digit"] == pytest.approx(3 / 4)
    assert overall["top1_3digit"] == pytest.approx(3 / 4)
    assert overall["top1_2digit"] == pytest.approx(3 / 4)
    assert overall["top1_1digit"] == pytest.approx(3 / 4)
    assert overall["review_share"] == pytest.approx(0.5)
    assert overall["auto_coded_share"] == pytest.approx(0.5)  # coverage at the review threshold
    assert overall["auto_top1_4digit"] == pytest.approx(0.5)  # precision there: row 0 right, row 2 wrong
    assert report["review_threshold"] == {"min_score": 0.60, "min_margin": 0.10}
    assert "by_language" not in report and "by_source" not in report


def test_a_coarser_gold_code_counts_every_group_inside_it() -> None:
    result = _result([["2212", "2211", "2221"], ["2221", "2212", "2211"]], [False, False])
    report = accuracy_report([("221",), ("221",)], result)["overall"]  # medical doctors: the minor group 221
    assert report["top1_4digit"] == pytest.approx(0.5)
    assert report["top5_4digit"] == 1.0
    assert report["top1_2digit"] == 1.0 and report["top1_3digit"] == pytest.approx(0.5)


def test_breakdowns_by_language_and_source() -> None:
    result = _result(CODES, [False, False, False, True])
    report = accuracy_report(["2512", "2512", "5120", "1120"], result, languages=["en", "en", "pl", "pl"],
                             sources=["jobbert", "jobbert", "ojalab", "onet"])
    assert set(report["by_language"]) == {"en", "pl"}
    assert report["by_language"]["en"]["top1_4digit"] == pytest.approx(0.5)
    assert report["by_language"]["pl"]["top1_4digit"] == pytest.approx(0.5)
    assert report["by_source"]["onet"] == {**report["by_source"]["onet"], "n": 1, "top1_4digit": 1.0,
                                           "auto_coded_share": 0.0, "auto_top1_4digit": None}
    table = report_table(report)
    assert list(table.index) == ["overall", "language=en", "language=pl", "source=jobbert", "source=ojalab",
                                 "source=onet"]
    assert list(table.columns) == list(METRIC_COLUMNS)
    assert table.loc["source=jobbert", "n"] == 2


def test_top5_counts_five_codes_of_a_longer_list() -> None:
    result = _result([["1111", "1112", "1113", "1114", "1120", "2512"]], [False])
    assert accuracy_report(["2512"], result)["overall"]["top5_4digit"] == 0.0
    assert accuracy_report(["1120"], result)["overall"]["top5_4digit"] == 1.0


def test_gold_must_align_with_the_result() -> None:
    with pytest.raises(ValueError, match="3 gold"):
        accuracy_report(["2512"] * 3, _result(CODES, [False] * 4))


def test_gold_codes_from_a_cell() -> None:
    tax = load_taxonomy()
    assert gold_codes("2512", tax) == ("2512",)
    assert gold_codes("2512.0", tax) == ("2512",)
    assert gold_codes("110", tax) == ("0110",)
    assert gold_codes("2513|2512|9999", tax) == ("2512", "2513")
    assert gold_codes("", tax) == () and gold_codes("251", tax) == () and gold_codes(None, tax) == ()


def test_folds_are_stable_and_keep_a_key_together() -> None:
    keys = [f"uri:{i % 50}" for i in range(500)]
    folds = assign_folds(keys, 5)
    assert set(folds) == {0, 1, 2, 3, 4}
    assert np.array_equal(folds, assign_folds(keys, 5))
    assert np.array_equal(assign_folds(keys[::-1], 5), folds[::-1])  # by key, not by position
    by_key = pd.Series(folds).groupby(keys).nunique()
    assert (by_key == 1).all()
    with pytest.raises(ValueError):
        assign_folds(keys, 0)


def test_merge_results_puts_rows_back_in_order() -> None:
    whole = _result(CODES, [False, True, False, True])
    parts = [(np.array([3, 1]), _result([CODES[3], CODES[1]], [True, True])),
             (np.array([0, 2]), _result([CODES[0], CODES[2]], [False, False]))]
    merged = merge_results(parts, 4)
    assert merged.codes.tolist() == whole.codes.tolist()
    assert merged.needs_review.tolist() == whole.needs_review.tolist()


def test_leave_out_codes_each_fold_without_its_occupations(tmp_path: Path) -> None:
    esco = tmp_path / "esco.csv"
    pd.DataFrame({
        "esco_uri": ["uri:zorb", "uri:quib", "uri:nurse"],
        "preferred_label": ["zorblax wrangler", "quibbet polisher", "registered nurse"],
        "alt_labels": ["zorblax tamer", "quibbet buffer", "staff nurse"],
        "isco_code": ["6224", "7315", "2221"],
    }).to_csv(esco, index=False)
    config = PlatformConfig(index_sources=(IndexSource("esco", esco, name="esco_en"),))
    layout = layout_from_env(tmp_path / "data")
    built: list[frozenset[str]] = []

    def build(cfg: PlatformConfig) -> CodingService:
        built.append(cfg.index_exclude)
        return CodingService.build(cfg, layout)

    texts = ["zorblax wrangler", "quibbet polisher", "registered nurse"]
    keys = ["uri:zorb", "uri:quib", "uri:nurse"]
    direct = CodingService.build(config, layout).code(texts, 3)
    assert direct.codes[:, 0].tolist() == ["6224", "7315", "2221"]  # exact labels in the index
    result = leave_out_code(config, texts, keys, 3, build, top_k=3)
    folds = assign_folds(keys, 3)
    expected = [sorted(k for k, f in zip(keys, folds, strict=True) if f == fold) for fold in set(folds)]
    assert sorted(map(sorted, built)) == sorted(expected)
    assert result.codes.shape == (3, 3)
    assert result.codes[0, 0] != "6224" and result.codes[1, 0] != "7315"  # their only labels were left out
    assert result.codes[2, 0] in {"2221", "3221"}  # nurses are in the ISCO titles too
