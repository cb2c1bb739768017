"""Labels for the ISCO index from the built-in titles and configured sources (synthetic files)."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from isco_assets.lib.classify.index_sources import (
    INDEX_COLUMNS,
    build_index_labels,
    crosswalk_targets,
    label_key,
    language_key,
    title_key,
)
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import ConfigError, Crosswalk, IndexSource, load_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


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


def test_exclude_one_language_of_an_occupation(esco_file: Path, tmp_path: Path) -> None:
    english = _csv(tmp_path / "esco_en.csv", ["esco_uri", "isco_code", "preferred_label"],
                   [["u1", "2512", "software developer"]])
    sources = [IndexSource("esco", esco_file, language="pt", name="esco_pt"),
               IndexSource("esco", english, language="en", name="esco_en")]
    frame = build_index_labels(load_taxonomy(), sources, exclude={language_key("u1", "pt")})
    u1 = frame[frame["concept"] == "u1"]
    assert list(u1["label"]) == ["software developer"]  # its English label stays
    assert "enfermeiro" in set(frame["label"])  # other occupations keep their Portuguese labels


def test_exclude_a_name_from_every_source(esco_file: Path, tmp_path: Path) -> None:
    ilo = _csv(tmp_path / "ilo.csv", ["title", "isco_code"], [["Developer, software", "2512"], ["Baker", "7512"]])
    english = _csv(tmp_path / "esco_en.csv", ["esco_uri", "isco_code", "preferred_label"],
                   [["u9", "2513", "Software Developer"]])
    sources = [IndexSource("ilo_index", ilo), IndexSource("esco", english, language="en")]
    frame = build_index_labels(load_taxonomy(), sources, exclude={label_key("Software developer (m/w/d)")})
    assert "software developer" not in set(frame["label_norm"])  # gone from both sources, under both codes
    assert "baker" in set(frame["label_norm"])


def test_ilo_index_titles_are_uninverted(tmp_path: Path) -> None:
    path = _csv(tmp_path / "ilo.csv", ["title", "isco_code", "isco88_code"], [
        ["Adjuster, claims", "3315", "3417"],
        ["Agent, insurance, life", "3321", ""],
        ["Officer: customs", "3351", ""],
        ["Cleaner, dry: carpet", "9129", ""],
        ["Operator, machine: weaving (carpets)", "7318", ""],
        ["Welder", "7212", ""],
        ["  ", "7212", ""],
        ["Nobody, nowhere", "xx", ""],
    ])
    frame = build_index_labels(load_taxonomy(), [IndexSource("ilo_index", path, name="ilo")])
    assert _labels(frame, "ilo") == {
        ("3315", "claims Adjuster"),
        ("3321", "life insurance Agent"),
        ("3351", "customs Officer"),
        ("9129", "carpet dry Cleaner"),
        ("7318", "weaving (carpets) machine Operator"),
        ("7212", "Welder"),
    }
    # not the head alone, which would make "cleaner" and "operator" labels of every group the index lists them in
    assert set(frame[frame["source"] == "ilo"]["label_norm"]) >= {"carpet dry cleaner", "weaving machine operator"}
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


def test_a_label_that_is_one_generic_word_is_left_out(tmp_path: Path) -> None:
    tax = load_taxonomy()
    codes = tax.unit_codes[:45]
    path = _csv(tmp_path / "fb.csv", ["title", "isco_code"],
                [[f"field{chr(97 + i % 26)}{chr(97 + i // 26)} technician", code] for i, code in enumerate(codes)]
                + [["Technician", "7421"], ["Welder", "7212"]])
    stats: dict = {}
    frame = build_index_labels(tax, [IndexSource("feedback", path, name="fb")], stats=stats)
    assert "technician" not in set(frame["label_norm"]), "45 groups use the word: alone it names none of them"
    assert "welder" in set(frame["label_norm"])
    assert stats["fb"]["bare_generic_word"] == 1


def test_missing_source_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="esco_xx"):
        build_index_labels(load_taxonomy(), [IndexSource("esco", tmp_path / "none.csv", name="esco_xx")])


def test_coded_posts_are_labels_read_as_the_coder_reads_titles(tmp_path: Path) -> None:
    path = _csv(tmp_path / "coded.csv", ["job_title", "isco_code", "language", "esco_uri"], [
        ["Tukang Kebun / Gardener", "9214", "ms", "uri:gardener"],
        ["Senior Data Engineer (m/w/d)", "2521.0", "", ""],
        ["Zorblax tamer", "9999", "en", ""],
    ])
    source = IndexSource("coded_posts", path, name="round1", language="en", concept_column="esco_uri")
    frame = build_index_labels(load_taxonomy(), [source])
    coded = frame[frame["source"] == "round1"].set_index("label_norm")
    assert coded.loc["tukang kebun gardener", ["code", "language", "kind", "concept"]].tolist() == [
        "9214", "ms", "coded_post", "uri:gardener"]
    assert coded.loc["data engineer", ["code", "language", "concept"]].tolist() == ["2521", "en", "data engineer"]
    assert len(coded) == 2  # 9999 is no unit group
    # leave-out by occupation, or by the post's own title as the coder reads it; an ESCO label stays
    esco = _csv(tmp_path / "esco.csv", ["esco_uri", "isco_code", "preferred_label"],
                [["uri:de", "2521", "data engineer"]])
    both = [source, IndexSource("esco", esco, name="esco_en")]
    left = build_index_labels(load_taxonomy(), both, exclude={"uri:gardener", title_key("Data Engineer (m/w/d)")})
    assert set(left.loc[left["source"] == "round1", "label_norm"]) == set()
    assert (left["label_norm"] == "data engineer").sum() == 1 and "esco_en" in set(left["source"])
    # a title made of digits leaves as a title, never as an ISCO code prefix
    digits = _csv(tmp_path / "digits.csv", ["job_title", "isco_code"], [["22", "9214"]])
    source = IndexSource("coded_posts", digits, name="d")
    kept = build_index_labels(load_taxonomy(), [source], exclude={title_key("22")})
    assert "22" not in set(kept["label_norm"]) and kept["code"].str.startswith("22").any()


def test_coded_posts_name_their_occupation_and_it_leaves_with_the_post(tmp_path: Path) -> None:
    path = _csv(tmp_path / "coded.csv", ["job_title", "isco_code", "kzis_label"], [
        ["Kierowca C+E / Niemcy", "8332", "Kierowca samochodu ciężarowego"],
        ["Kierowca kat. C", "8332", "Kierowca samochodu ciężarowego"],
        ["Magazynier", "4321", ""],
    ])
    source = IndexSource("coded_posts", path, name="pl", language="pl", name_column="kzis_label")
    frame = build_index_labels(load_taxonomy(), [source])
    names = frame[frame["kind"] == "coded_name"]
    assert names[["code", "label", "language"]].values.tolist() == [["8332", "Kierowca samochodu ciężarowego", "pl"]]
    assert (frame["kind"] == "coded_post").sum() == 3
    # the name leaves with its post's own title, and stays while another post of that name is in the index
    one_out = build_index_labels(load_taxonomy(), [source], exclude={title_key("Kierowca C+E / Niemcy")})
    assert (one_out["kind"] == "coded_name").sum() == 1
    both_out = build_index_labels(load_taxonomy(), [source], exclude={title_key("Kierowca C+E / Niemcy"),
                                                                      title_key("Kierowca kat. C")})
    assert (both_out["kind"] == "coded_name").sum() == 0
    with pytest.raises(ConfigError, match="'name_column' is for kind 'coded_posts' only"):
        cfg = tmp_path / "config.yaml"
        cfg.write_text("index:\n  sources:\n    - {kind: feedback, path: f.csv, name_column: x}\n", encoding="utf-8")
        load_config(cfg)


def test_coded_posts_name_a_missing_column(tmp_path: Path) -> None:
    path = _csv(tmp_path / "coded.csv", ["title", "isco_code"], [["Gardener", "9214"]])
    with pytest.raises(ValueError, match=r"no column \['job_title'\]; columns are \['title', 'isco_code'\]"):
        build_index_labels(load_taxonomy(), [IndexSource("coded_posts", path, name="round1")])
    with pytest.raises(ValueError, match=r"no column \['uri'\]"):
        source = IndexSource("coded_posts", path, title_column="title", concept_column="uri")
        build_index_labels(load_taxonomy(), [source])


def test_optional_source_may_be_absent(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yaml"
    cfg.write_text("index:\n  sources:\n    - {kind: coded_posts, path: none.csv, optional: true}\n", encoding="utf-8")
    source = load_config(cfg).index_sources[-1]  # after the bundled sources
    assert source.optional
    assert set(build_index_labels(load_taxonomy(), [source])["source"]) == {"isco08"}


def test_reference_sources_cover_unit_groups(shared_data: Path) -> None:
    config = load_config(PROJECT_ROOT / "bench" / "reference_sources.yaml")
    missing = [s.path for s in config.index_sources if not s.path.is_file() and not s.optional]
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


def test_labels_carry_the_source_version(tmp_path: Path) -> None:
    path = _csv(tmp_path / "fb.csv", ["title", "isco_code"], [["Prompt engineer", "2512"]])
    frame = build_index_labels(load_taxonomy(), [IndexSource("feedback", path, name="fb", version="2026-11")])
    assert frame.loc[frame["source"] == "fb", "version"].tolist() == ["2026-11"]
    assert set(frame.loc[frame["source"] == "isco08", "version"]) == {"ISCO-08"}


@pytest.fixture
def national_files(tmp_path: Path) -> tuple[Path, Path]:
    titles = _csv(tmp_path / "kzis_titles.csv", ["kod", "nazwa"], [
        ["251401", "Programista aplikacji"],
        ["251401", "Programista"],  # a second title of the same national code
        ["222101", "Pielęgniarka"],
        ["111203", "Dyrektor generalny"],  # one code, two ISCO groups: ambiguous
        ["999999", "Bez odpowiednika"],  # not in the correspondence
        ["251401", "  "],
    ])
    correspondence = _csv(tmp_path / "kzis_isco.csv", ["kod_kzis", "isco08"], [
        ["251401", "2514"],
        ["222101", "2221"],
        ["222101", "2221.0"],  # the same pair again, as a spreadsheet writes it
        ["111203", "1112"],
        ["111203", "1120"],
    ])
    return titles, correspondence


def _national(titles: Path, correspondence: Path, max_targets: int = 1) -> IndexSource:
    return IndexSource("national", titles, language="pl", name="kzis", version="2023", title_column="nazwa",
                       code_column="kod", crosswalk=(Crosswalk(correspondence, "kod_kzis", "isco08"),),
                       max_targets=max_targets)


def test_national_titles_through_the_correspondence(national_files: tuple[Path, Path]) -> None:
    frame = build_index_labels(load_taxonomy(), [_national(*national_files)])
    part = frame[frame["source"] == "kzis"]
    assert set(zip(part["code"], part["label"], strict=True)) == {
        ("2514", "Programista aplikacji"), ("2514", "Programista"), ("2221", "Pielęgniarka"),
    }
    assert set(part["language"]) == {"pl"} and set(part["version"]) == {"2023"}
    assert set(part["kind"]) == {"national_title"}
    assert set(part["concept"]) == {"kzis:251401", "kzis:222101"}  # namespaced: national codes are digits too


def test_national_many_to_many_up_to_max_targets(national_files: tuple[Path, Path]) -> None:
    frame = build_index_labels(load_taxonomy(), [_national(*national_files, max_targets=2)])
    part = frame[frame["label"] == "Dyrektor generalny"]
    assert sorted(part["code"]) == ["1112", "1120"]  # a label of each group it reaches
    assert part["weight"].tolist() == [0.5, 0.5]  # sharing one vote: an ambiguous title weighs no more than another
    assert set(frame.loc[frame["label"] == "Programista", "weight"]) == {1.0}


def test_national_concepts_can_be_left_out(national_files: tuple[Path, Path]) -> None:
    frame = build_index_labels(load_taxonomy(), [_national(*national_files)], exclude={"kzis:251401"})
    assert set(frame.loc[frame["source"] == "kzis", "label"]) == {"Pielęgniarka"}


def test_national_source_names_a_missing_column(national_files: tuple[Path, Path]) -> None:
    titles, correspondence = national_files
    source = IndexSource("national", titles, crosswalk=(Crosswalk(correspondence),))  # default columns: code
    with pytest.raises(ValueError, match="no column"):
        build_index_labels(load_taxonomy(), [source])


def test_crosswalk_chain_with_key_length(tmp_path: Path) -> None:
    """O*NET-SOC 2019 -> O*NET-SOC 2010 (reversed file) -> SOC 2010 (first 7 characters) -> ISCO-08."""
    onet_2010_2019 = _csv(tmp_path / "onet10_19.csv", ["onet_soc2010_code", "onet_soc2019_code"], [
        ["15-1132.00", "15-1252.00"],
        ["15-1133.00", "15-1252.00"],  # two 2010 codes merged into one 2019 code
        ["29-1141.00", "29-1141.00"],
        ["29-1062.00", "29-1215.00"],
    ])
    soc_isco = _csv(tmp_path / "soc_isco.csv", ["soc2010_code", "isco08_code"], [
        ["15-1132", "2512"], ["15-1133", "2512"], ["15-1133", "2513"],
        ["29-1141", "2221"], ["29-1141", "3221"],
        ["29-1062", "211"],  # a minor group
        ["55-1011", "110"],  # armed forces, leading zero lost
    ])
    steps = (Crosswalk(onet_2010_2019, "onet_soc2019_code", "onet_soc2010_code"),
             Crosswalk(soc_isco, "soc2010_code", "isco08_code", key_length=7))
    assert crosswalk_targets(["15-1252.00", "29-1141.00", "29-1215.00", "11-0000.00"], steps) == {
        "15-1252.00": ("2512", "2513"), "29-1141.00": ("2221", "3221"), "29-1215.00": ("211",), "11-0000.00": (),
    }
    assert crosswalk_targets(["55-1011"], steps[1:]) == {"55-1011": ("0110",)}


def test_onet_titles_by_kind_with_provenance(tmp_path: Path) -> None:
    titles = _csv(tmp_path / "onet.csv", ["title", "onet_soc_code", "kind"], [
        ["Software Engineers", "15-1252.00", "occupation_title"],
        ["Application Developer", "15-1252.00", "alternate_title"],
        ["Java Developer", "15-1252.00", "reported_title"],
        ["Registered Nurses", "29-1141.00", "occupation_title"],
        ["Family Physicians", "29-1215.00", "occupation_title"],
    ])
    crosswalk = _csv(tmp_path / "cw.csv", ["onet_soc_code", "isco_code"], [
        ["15-1252.00", "2512"], ["29-1141.00", "2221"], ["29-1141.00", "3221"], ["29-1215.00", "211"],
    ])
    source = IndexSource("onet", titles, name="onet", version="29.3",
                         crosswalk=(Crosswalk(crosswalk, "onet_soc_code"),),
                         title_kinds=("occupation_title", "alternate_title"))
    frame = build_index_labels(load_taxonomy(), [source])
    part = frame[frame["source"] == "onet"]
    # the nurse maps to two groups (> max_targets 1), the physician to a minor group only, reported titles are off
    assert set(zip(part["code"], part["label"], part["kind"], part["concept"], strict=True)) == {
        ("2512", "Software Engineers", "occupation_title", "15-1252.00"),
        ("2512", "Application Developer", "alternate_title", "15-1252.00"),
    }
    assert set(part["version"]) == {"29.3"}
    left_out = build_index_labels(load_taxonomy(), [source], exclude={"15-1252.00"})
    assert "onet" not in set(left_out["source"])


def test_reference_onet_source_reaches_most_unit_groups(shared_data: Path) -> None:
    onet = [s for s in load_config(PROJECT_ROOT / "bench" / "onet_source.yaml").index_sources if s.kind == "onet"]
    frame = build_index_labels(load_taxonomy(), onet)
    part = frame[frame["source"] == onet[0].label]
    assert len(part) > 25_000  # a title listed under codes of several unit groups is left out (ambiguous)
    assert part["code"].nunique() > 300
    assert not (part["kind"] == "reported_title").any()
