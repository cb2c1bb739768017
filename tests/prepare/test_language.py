"""Language detection among the configured languages, with partner hints for unsure texts."""

from __future__ import annotations

import pytest

from isco_assets.lib.config import DEFAULT_LANGUAGES
from isco_assets.lib.prepare.language import Detection, LanguageDetector

SENTENCES = {
    "en": "We are looking for an experienced software engineer to join our team in London.",
    "es": "Buscamos un programador con experiencia para trabajar en nuestra oficina de Madrid.",
    "pt": "Estamos contratando um enfermeiro com experiência para trabalhar no hospital em São Paulo.",
    "it": "Cerchiamo un ingegnere con esperienza per lavorare nel nostro ufficio di Milano.",
    "ms": "Kami sedang mencari jurutera perisian yang berpengalaman untuk menyertai pasukan kami di Kuala Lumpur.",
}


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


def test_clear_sentences_are_detected(detector: LanguageDetector) -> None:
    langs = list(SENTENCES)
    results = detector.detect([SENTENCES[lang] for lang in langs])
    assert [r.language for r in results] == langs
    for r in results:
        assert r.method == "detected"
        assert r.confidence >= detector.min_confidence


def test_hint_does_not_override_a_confident_detection(detector: LanguageDetector) -> None:
    [result] = detector.detect([SENTENCES["it"]], hints=["en"])
    assert result.language == "it"
    assert result.method == "detected"


def test_hint_wins_for_an_ambiguous_word() -> None:
    detector = LanguageDetector(min_confidence=0.99)
    [plain] = detector.detect(["Chef"])
    assert plain.confidence < 0.99
    assert plain.method == "detected"  # no hint: the best guess is kept
    [hinted] = detector.detect(["Chef"], hints=["IT "])
    assert hinted == Detection("it", plain.confidence, "hint")


def test_a_hint_naming_a_language_outside_the_configured_ones_is_kept() -> None:
    detector = LanguageDetector()
    kelner, waiter = detector.detect(["Kelner / kelnerka", "Kelner / kelnerka"], hints=["pl", "xx"])
    assert kelner == Detection("pl", waiter.confidence, "hint"), "the detector cannot tell Polish: it would guess"
    assert waiter.method == "detected" and waiter.language in detector.codes, "not a language: ignored"


def test_empty_text_uses_hint_or_default(detector: LanguageDetector) -> None:
    results = detector.detect(["", "   ", ""], hints=["pt", None, "xx"])
    assert results[0] == Detection("pt", 0.0, "hint")
    assert results[1] == Detection(DEFAULT_LANGUAGES[0], 0.0, "default")
    assert results[2] == Detection(DEFAULT_LANGUAGES[0], 0.0, "default")


def test_single_language_is_returned_as_default() -> None:
    detector = LanguageDetector(["es"])
    results = detector.detect(["hello world", SENTENCES["it"]], hints=["en", None])
    assert results == [Detection("es", 1.0, "default"), Detection("es", 1.0, "default")]


def test_restricted_language_set(detector: LanguageDetector) -> None:
    only_two = LanguageDetector(["pt", "es"])
    [result] = only_two.detect([SENTENCES["pt"]])
    assert result.language == "pt"
    assert set(only_two.codes) == {"pt", "es"}


def test_no_languages_is_an_error() -> None:
    with pytest.raises(ValueError, match="at least one"):
        LanguageDetector([])


def test_hints_must_align_with_texts(detector: LanguageDetector) -> None:
    with pytest.raises(ValueError):
        detector.detect(["a", "b"], hints=["en"])


class _AsksNothing:
    """Stands in for lingua where every text must come from the cache."""

    def compute_language_confidence_values_in_parallel(self, texts: list[str]) -> list:
        assert texts == [], f"asked to detect {texts}"
        return []


def test_detections_are_cached_per_language_set(tmp_path):
    texts = ["Enfermera para hospital privado en Madrid", "Registered nurse for a private hospital"]
    first = LanguageDetector(("en", "es"), cache_root=tmp_path).detect(texts)
    assert [d.language for d in first] == ["es", "en"]
    cached = LanguageDetector(("es", "en"), cache_root=tmp_path)
    cached._detector = _AsksNothing()
    assert cached.detect(texts, ["en", None]) == first
    assert len(list(tmp_path.glob("*/*.parquet"))) == 1
    other = LanguageDetector(("en", "es", "pt"), cache_root=tmp_path).detect(texts[:1])
    assert other[0].language == "es" and len({p.parent for p in tmp_path.glob("*/*.parquet")}) == 2
