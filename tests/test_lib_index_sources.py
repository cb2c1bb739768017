"""Labels for the ISCO index from the built-in titles and configured sources (synthetic files)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from isco_assets.lib.config import ConfigError, IndexSource, load_config
from isco_assets.lib.index_sources import INDEX_COLUMNS, build_index_labels
from isco_assets.lib.taxonomy import load_taxonomy

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def esco_file(tmp_path: Path) -> Path:
    return _csv(tmp_path / "esco_pt.csv", ["esco_uri", "isco_code", "preferred_label", "alt_labels", "hidden_labels"], [
        ["u1", "2512", "programador/programadora", "desenvolvedor de software\nengenheiro de código", "coder secreto"],
        ["u2", "2221.0", "enfermeiro/enfermeira", "enfermeiro chefe | enfermeira chefe", ""],
        ["u3", "110", "oficial das forças armadas", "", ""],
        ["u4", "", "sem código", "", ""],
        ["u5", "9999", "código inexistente", "", ""],
        ["u6", "251", "grupo menor", "", ""],
    ])


def _labels(frame, source: str) -> set[tuple[str, str]]:
    part = frame[frame["source"] == source]
    return set(zip(part["code"], part["label"], strict=True))


def test_builtin_titles_always_present() -> None:
    tax = load_taxonomy()
    frame = build_index_labels(tax)
    assert list(frame.columns) == list(INDEX_COLUMNS)
    assert len(frame) == 436
    assert set(frame["code"]) == set(tax.unit_codes)
    assert set(frame["source"]) == {"isco08"}
    assert set(frame["kind"]) == {"unit_group_title"}
    assert set(frame["language"]) == {"en"}
    row = frame[frame["code"] == "2512"].iloc[0]
    assert row["label"] == "Software Developers"
    assert row["label_norm"] == "software developers"


def test_esco_labels_with_provenance(esco_file: Path) -> None:
    tax = load_taxonomy()
    source = IndexSource("esco", esco_file, language="pt", name="esco_pt")
    frame = build_index_labels(tax, [source])
    assert set(tax.unit_codes) <= set(frame["code"])  # builtin titles still there
    esco = frame[frame["source"] == "esco_pt"]
    assert set(esco["language"]) == {"pt"}
    assert _labels(frame, "esco_pt") == {
        ("2512", "programador"),
        ("2512", "programadora"),
        ("2512", "desenvolvedor de software"),
        ("2512", "engenheiro de código"),
        ("2221", "enfermeiro"),
        ("2221", "enfermeira"),
        ("2221", "enfermeiro chefe"),
        ("2221", "enfermeira chefe"),
        ("0110", "oficial das forças armadas"),
    }
    kinds = dict(zip(esco["label"], esco["kind"], strict=True))
    assert kinds["programadora"] == "preferred"
    assert kinds["enfermeira chefe"] == "alternative"
    assert "coder secreto" not in kinds  # hidden labels are opt-in


def test_esco_hidden_labels_when_enabled(esco_file: Path) -> None:
    source = IndexSource("esco", esco_file, language="pt", hidden_labels=True)
    frame = build_index_labels(load_taxonomy(), [source])
    hidden = frame[frame["kind"] == "hidden"]
    assert list(zip(hidden["code"], hidden["label"], strict=True)) == [("2512", "coder secreto")]
    assert set(hidden["source"]) == {f"esco:{esco_file.stem}"}


def test_ilo_index_titles_are_uninverted(tmp_path: Path) -> None:
    path = _csv(tmp_path / "ilo.csv", ["title", "isco_code", "isco88_code"], [
        ["Adjuster, claims", "3315", "3417"],
        ["Agent, insurance, life", "3321", ""],
        ["Officer: customs", "3351", ""],
        ["Welder", "7212", ""],
        ["  ", "7212", ""],
        ["Nobody, nowhere", "xx", ""],
    ])
    frame = build_index_labels(load_taxonomy(), [IndexSource("ilo_index", path, name="ilo")])
    assert _labels(frame, "ilo") == {
        ("3315", "claims Adjuster"),
        ("3321", "Agent, insurance, life"),
        ("3351", "Officer: customs"),
        ("7212", "Welder"),
    }
    assert set(frame[frame["source"] == "ilo"]["kind"]) == {"index_title"}
    row = frame[(frame["source"] == "ilo") & (frame["code"] == "3315")].iloc[0]
    assert row["label_norm"] == "claims adjuster"


def test_isco_structure_titles_and_included_occupations(tmp_path: Path) -> None:
    path = _csv(tmp_path / "structure.csv", ["code", "level", "title_en", "included_occupations"], [
        ["25", "2", "ICT Professionals", "- Should be ignored"],
        ["2512", "4", "Software Developers X", "- Programmer (software)\n• Web developer\nnot a bullet\n* Coder"],
        ["110", "4", "Officers of the armed forces", ""],
    ])
    frame = build_index_labels(load_taxonomy(), [IndexSource("isco_structure", path, name="struct")])
    part = frame[frame["source"] == "struct"]
    assert set(zip(part["code"], part["label"], part["kind"], strict=True)) == {
        ("2512", "Software Developers X", "unit_group_title"),
        ("2512", "Programmer", "included_occupation"),
        ("2512", "Web developer", "included_occupation"),
        ("2512", "Coder", "included_occupation"),
        ("0110", "Officers of the armed forces", "unit_group_title"),
    }


def test_feedback_labels_keep_their_language(tmp_path: Path) -> None:
    path = _csv(tmp_path / "feedback.csv", ["title", "isco_code", "language"], [
        ["Pemandu lori", "8332", "ms"],
        ["Prompt engineer", "2512", ""],
        ["", "2512", "en"],
        ["Bogus", "123", "en"],
    ])
    frame = build_index_labels(load_taxonomy(), [IndexSource("feedback", path, language="en", name="fb")])
    part = frame[frame["source"] == "fb"]
    assert set(zip(part["code"], part["label"], part["language"], part["kind"], strict=True)) == {
        ("8332", "Pemandu lori", "ms", "feedback"),
        ("2512", "Prompt engineer", "en", "feedback"),
    }


def test_labels_are_deduplicated_per_code_and_normalized_label(tmp_path: Path) -> None:
    path = _csv(tmp_path / "fb.csv", ["title", "isco_code"], [
        ["Software Developers", "2512"],  # same as the builtin title
        ["Senior Software Developers (m/w/d)", "2512"],  # normalizes to the same
        ["Prompt Engineer", "2512"],
        ["prompt engineer", "2512"],
        ["Prompt Engineer", "2519"],  # same label, other code: kept
        ["Senior", "2512"],  # normalizes to nothing: dropped
    ])
    frame = build_index_labels(load_taxonomy(), [IndexSource("feedback", path, name="fb")])
    assert not frame.duplicated(["code", "label_norm"]).any()
    assert (frame["label_norm"] != "").all()
    sw = frame[(frame["code"] == "2512") & (frame["label_norm"] == "software developers")]
    assert sw["source"].tolist() == ["isco08"]  # the first source wins
    prompt = frame[frame["label_norm"] == "prompt engineer"]
    assert sorted(prompt["code"]) == ["2512", "2519"]
    assert len(frame) == 436 + 2


def test_missing_source_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="esco_xx"):
        build_index_labels(load_taxonomy(), [IndexSource("esco", tmp_path / "none.csv", name="esco_xx")])


def test_reference_sources_cover_unit_groups(shared_data: Path) -> None:
    config = load_config(PROJECT_ROOT / "bench" / "reference_sources.yaml")
    missing = [s.path for s in config.index_sources if not s.path.is_file()]
    if missing:
        pytest.skip(f"reference files missing: {missing}")
    frame = build_index_labels(load_taxonomy(), config.index_sources)
    assert list(frame.columns) == list(INDEX_COLUMNS)
    esco = [s for s in config.index_sources if s.kind == "esco"]
    assert {s.language for s in esco} == {"en", "es", "it", "pt"}
    for source in esco:
        covered = frame.loc[frame["source"] == source.label, "code"].nunique()
        assert covered > 400, (source.label, covered)
    assert frame.loc[frame["source"] == "ilo_index", "code"].nunique() > 400
    assert not frame.duplicated(["code", "label_norm"]).any()


def test_exclude_leaves_out_occupations_and_groups(tmp_path):
    path = tmp_path / "esco.csv"
    pd.DataFrame({
        "esco_uri": ["uri:scrum", "uri:dev"], "preferred_label": ["scrum master", "software developer"],
        "alt_labels": ["agile coach", "programmer"], "isco_code": ["2421", "2512"],
    }).to_csv(path, index=False)
    source = IndexSource("esco", path, name="esco_en")
    frame = build_index_labels(load_taxonomy(), [source], exclude={"uri:scrum", "2611"})
    assert "scrum master" not in set(frame["label_norm"])
    assert "programmer" in set(frame["label_norm"])
    assert not frame["code"].str.startswith("2611").any()
    assert (frame["code"] == "2421").any()  # the unit group itself stays, through its title


def test_config_exclude_inline_and_files(tmp_path):
    (tmp_path / "left_out.txt").write_text("# emerging\nuri:drone\n\n2166\n", encoding="utf-8")
    cfg = tmp_path / "config.yaml"
    cfg.write_text("index:\n  exclude: [uri:scrum]\n  exclude_files: [left_out.txt]\n", encoding="utf-8")
    assert load_config(cfg).index_exclude == {"uri:scrum", "uri:drone", "2166"}
    cfg.write_text("index:\n  exclude_files: [missing.txt]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="exclude file not found"):
        load_config(cfg)
