"""Descriptions read when the title alone is ambiguous: which posts, what the coder reads, how the vote moves, and
the posts table the isco_codes asset builds from it (built-in index, packaged MiniLM)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isco_assets.lib.classify.coder import result_frame
from isco_assets.lib.classify.coding import (
    CodedTitles,
    CodingService,
    code_posts,
    describe_ambiguous_posts,
    description_readings,
)
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.common.layout import DataLayout
from isco_assets.lib.config import CoderSettings, ConfigError, PlatformConfig, load_config
from isco_assets.resources.environment import layout_from_env

FORKLIFT = "Operate the forklift truck in our warehouse, loading and unloading pallets."


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> CodingService:
    layout = layout_from_env(tmp_path_factory.mktemp("data"))
    return CodingService.build(PlatformConfig(coder=CoderSettings(multilingual_model="")), layout, model_path="minilm")


def test_what_the_coder_reads_with_a_description() -> None:
    settings = CoderSettings(description_words=5)
    titles = ["operative", "operative", "operative", "operative", "operative"]
    descriptions = ["<p>Operate the <b>forklift</b> truck in our warehouse.</p>", "", None, FORKLIFT, FORKLIFT]
    languages = ["en", "en", "en", "es", ""]
    assert description_readings(titles, descriptions, languages, settings) == [
        "operative. Operate the forklift truck in",  # HTML stripped, the first 5 words
        "", "",  # no description
        "",  # a language MiniLM reads poorly (coder.main_languages is English)
        "operative. Operate the forklift truck in",  # unknown language: read
    ]
    off = CoderSettings(description_weight=0.0)
    assert description_readings(titles, descriptions, languages, off) == [""] * 5
    assert description_readings(titles[:1], [FORKLIFT], None, settings)[0].startswith("operative. Operate")


def test_a_description_settles_an_ambiguous_title_and_leaves_clear_ones_alone(service: CodingService) -> None:
    titles = ["operative", "registered nurse", "operative"]
    alone = service.code(titles)
    assert alone.needs_review.tolist() == [True, False, True]
    assert alone.codes[0, 0] != "8344"  # "operative" alone says little
    read = service.code(titles, descriptions=[FORKLIFT, FORKLIFT, ""])
    assert read.described.tolist() == [True, False, False]  # the nurse is clear; the third post has no description
    assert read.codes[0, 0] == "8344"  # lifting-truck operators
    assert read.codes[1].tolist() == alone.codes[1].tolist() and read.codes[2].tolist() == alone.codes[2].tolist()
    np.testing.assert_allclose(read.votes[[1, 2]], alone.votes[[1, 2]])
    assert read.scores[0].max() == pytest.approx(alone.scores[0].max(), abs=1e-6)  # the title's best score stays
    assert read.scores[0, 0] > 0  # the new first group has a score on the title's scale
    spanish = service.code(titles, languages=["es", "en", "en"], descriptions=[FORKLIFT, FORKLIFT, ""])
    assert not spanish.described.any()


def test_weight_zero_codes_titles_only(tmp_path: Path) -> None:
    config = PlatformConfig(coder=CoderSettings(multilingual_model="", description_weight=0.0))
    service = CodingService.build(config, layout_from_env(tmp_path), model_path="minilm")
    result = service.code(["operative"], descriptions=[FORKLIFT])
    assert not result.described.any() and result.codes[0, 0] == service.code(["operative"]).codes[0, 0]


def test_posts_whose_title_needs_review_are_coded_again_with_their_description(
    service: CodingService, tmp_path: Path,
) -> None:
    taxonomy, settings = load_taxonomy(), service.coder.settings
    titles = ["operative", "registered nurse"]
    coded = result_frame(titles, service.code_normalized(titles), taxonomy).rename(columns={"title_norm": "title_code"})
    posts = pd.DataFrame({
        "post_id": ["a", "b", "c", "d", "e"],
        "title_code": ["operative", "operative", "registered nurse", "operative", "operative"],
        "desc_en": [FORKLIFT, FORKLIFT, FORKLIFT, "", "Manejar la carretilla elevadora."],
        "desc_language": ["en", "en", "en", "en", "es"],
    }).merge(coded, on="title_code", how="left")
    posts["reranked"] = [False, True, False, False, False]  # an LLM already picked for post b
    calls: list[list[str]] = []

    def code(texts: list[str], readings: list[str]):
        calls.append(readings)
        return service.code_normalized(texts, contexts=readings)

    earlier = CodedTitles(tmp_path / "described", service.coder.labels, service.embedder.model_id, settings)
    out, new = describe_ambiguous_posts(posts, settings, earlier, taxonomy, code)
    assert out["post_id"].tolist() == posts["post_id"].tolist() and list(out.columns) == list(posts.columns)
    assert out["description_vote"].tolist() == [True, False, False, False, False]
    assert out.loc[0, "isco_code"] == "8344" and new == 1
    unchanged = out.drop(index=0).drop(columns="description_vote")
    pd.testing.assert_frame_equal(unchanged, posts.drop(index=0).drop(columns="description_vote"))
    again, new = describe_ambiguous_posts(posts, settings, earlier, taxonomy, code)
    assert new == 0 and len(calls) == 1  # a reading is coded once
    pd.testing.assert_frame_equal(again, out)


def test_posts_are_coded_end_to_end_once_with_descriptions_and_recodes(service: CodingService, tmp_path: Path) -> None:
    taxonomy, settings = load_taxonomy(), service.coder.settings
    posts = pd.DataFrame({
        "post_id": ["a", "b", "c"], "post_key": ["ka", "kb", "kc"],
        "title_code": ["operative", "registered nurse", "registered nurse"], "language": ["en", "en", "en"],
        "desc_en": [FORKLIFT, "", ""], "desc_language": ["en", "en", "en"],
    })
    decisions = pd.DataFrame({"decision": ["recode"], "post_key": ["kc"], "post_id": ["c"], "isco_code": ["2221"]})
    built: list[int] = []

    def build() -> CodingService:
        built.append(1)
        return service

    def code():
        return code_posts(posts, service.coder.labels, service.embedder.model_id, settings, DataLayout(tmp_path),
                          taxonomy, build, decisions=decisions)

    out, counts = code()
    assert out["post_id"].tolist() == ["a", "b", "c"] and "desc_en" not in out and "desc_language" not in out
    assert out["isco_code"].tolist() == ["8344", "2221", "2221"]  # the forklift read in; c recoded by an expert
    assert out["description_vote"].tolist() == [True, False, False] and not out["reranked"].any()
    assert out["code_source"].tolist() == ["model", "model", "expert"]
    assert counts == {"unique_titles": 2, "newly_coded": 2, "newly_coded_readings": 1, "multilingual_vote_titles": 0}
    again, counts = code()
    assert counts["newly_coded"] == counts["newly_coded_readings"] == 0 and built == [1, 1], \
        "the service is asked for only while something is new (titles, then one reading)"
    pd.testing.assert_frame_equal(again, out)


def test_description_settings_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("coder: {description_weight: 0.4, description_words: 25}\n")
    coder = load_config(path).coder
    assert (coder.description_weight, coder.description_words) == (0.4, 25)
    for bad, message in (("description_weight: 1.2", "description_weight must be from 0 to 1"),
                         ("description_words: 0", "description_words must be a whole number >= 1")):
        path.write_text(f"coder: {{{bad}}}\n")
        with pytest.raises(ConfigError, match=message):
            load_config(path)
