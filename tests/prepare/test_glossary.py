"""The Malay and Indonesian gloss, the written Polish words, the glossary learned from the index's aligned labels,
and the regional Spanish synonyms: data read by the coder and the naming."""

from __future__ import annotations

import pandas as pd

from isco_assets.lib.discover.index_words import word_keys
from isco_assets.lib.prepare.glossary import GLOSSARY_FILE, LearnedGlossary, gloss, regional_synonyms, written_words


def test_common_occupational_words_and_compounds_are_glossed() -> None:
    assert gloss("pengurus projek", "ms") == "project manager"
    assert gloss("manajer proyek", "id") == "project manager"
    assert gloss("pegawai pergigian", "ms") == "dental officer"
    assert gloss("wakil khidmat pelanggan", "ms") == "representative customer service"
    assert gloss("ejen pusat panggilan", "ms") == "agent call centre"
    assert gloss("juruwang pasar raya", "ms") == "cashier supermarket"
    assert gloss("pemandu lalu lintas udara", "id") == "air traffic controller"
    assert gloss("pencuci pinggan", "ms") == "dishwasher" and gloss("pustakawan", "id") == "librarian"


def test_a_title_detected_as_the_other_of_two_close_languages_is_still_read_its_own_words_first() -> None:
    # short titles are often detected as Indonesian when Malay, or the other way round
    assert gloss("pengurus projek", "id") == "project manager"
    assert gloss("jurukimpal", "id") == "welder"
    # where the two differ, the detected language's word wins
    assert gloss("pengacara", "id") == "lawyer" and gloss("pengacara", "ms") == "host"


def test_regional_synonyms_are_words_the_index_uses() -> None:
    synonyms = regional_synonyms()
    assert synonyms["depósito"] == ("almacén",) and synonyms["sueldo"] == ("nómina",)
    assert all(word != s for word, found in synonyms.items() for s in found)
    esco_es = pd.read_csv(GLOSSARY_FILE.parents[1] / "bundle" / "esco_occupations_es.csv.gz", usecols=["alt_labels"])
    keys = {k for labels in esco_es["alt_labels"].dropna() for w in labels.lower().replace("|", " ").split()
            for k in word_keys(w)}
    missing = {s for found in synonyms.values() for s in found if not keys & set(word_keys(s))}
    assert not missing, f"synonyms no bundled ESCO es label uses: {missing}"


def _aligned(rows: list[tuple[str, str, str]], kind: str = "preferred") -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["concept", "language", "label_norm"]).assign(kind=kind)


ALIGNED = _aligned([
    ("nurse", "en", "nurse"), ("nurse", "es", "enfermero"), ("nurse", "es", "enfermera"),
    ("nurse-aide", "en", "nurse assistant"), ("nurse-aide", "es", "auxiliar de enfermera"),
    ("mine-eng", "en", "mining engineer"), ("mine-eng", "es", "ingeniero de minas"),
    ("civil-eng", "en", "civil engineer"), ("civil-eng", "es", "ingeniero civil"),
    ("plumber", "en", "plumber"), ("plumber", "es", "fontanero"), ("plumber", "it", "idraulico"),
])


def test_words_are_learned_from_labels_that_name_one_occupation_in_two_languages() -> None:
    glossary = LearnedGlossary.learn(ALIGNED)
    assert glossary.languages() == {"es", "it"}
    assert glossary.gloss("enfermera", "es") == "nurse"
    # an unknown word stays as it is; the head comes last, as in English
    assert glossary.gloss("ingeniero de caminos", "es") == "caminos engineer"
    assert glossary.gloss("auxiliar de enfermera", "es") == "nurse assistant"
    assert glossary.gloss("fontanero", "es") == "plumber" and glossary.gloss("idraulico", "it") == "plumber"
    assert glossary.gloss("ingeniero", "pt") == "ingeniero"  # no Portuguese labels: nothing learned
    assert glossary.gloss("camarero", "es") == "camarero"  # no word known: the title as it is


def test_a_run_of_words_the_glossary_does_not_know_keeps_its_order_and_an_english_word_stays_itself() -> None:
    labels = pd.concat([ALIGNED, _aligned([("ml-eng", "en", "machine learning engineer"),
                                           ("ml-eng", "es", "ingeniero de machine learning"),
                                           ("ml-eng", "es", "ingeniero de aprendizaje automatico")])])
    glossary = LearnedGlossary.learn(labels)
    assert "learning" not in glossary.words["es"]  # the same word names the same occupation in English
    assert glossary.gloss("ingeniero de machine learning", "es") == "machine learning engineer"


def test_only_labels_of_one_occupation_in_several_languages_teach_words() -> None:
    posts = _aligned([("nurse", "en", "nurse"), ("nurse", "es", "enfermera")], kind="coded_post")
    assert LearnedGlossary.learn(posts).languages() == frozenset()
    unnamed = ALIGNED.assign(concept="")
    assert LearnedGlossary.learn(unnamed).languages() == frozenset()


def test_written_words_fill_and_correct_what_the_labels_teach() -> None:
    written = {"es": {"camarero": "waiter", "fontanero": "pipe fitter"}, "pt": {"garcom": "waiter"}}
    glossary = LearnedGlossary.learn(ALIGNED, written=written)
    assert glossary.gloss("camarero", "es") == "waiter"  # no label teaches it
    assert glossary.gloss("fontanero", "es") == "pipe fitter"  # a written word over a learned one
    assert glossary.gloss("enfermera", "es") == "nurse"  # the rest as learned
    assert glossary.gloss("garçom", "pt") == "waiter"  # accents off, as titles are read


def test_the_written_es_pt_it_glossary_holds_single_words_of_the_three_languages() -> None:
    words = written_words()
    assert set(words) == {"es", "pt", "it", "pl"}
    assert all(" " not in w and w == w.lower() for table in words.values() for w in table)
    assert words["it"]["carrellista"] == "forklift driver" and words["pt"]["balconista"]


def test_polish_titles_read_as_english_word_by_word_head_last_however_they_are_typed() -> None:
    """Polish has no labels in the index: the written words are all the gloss has, inflected forms included."""
    glossary = LearnedGlossary.learn(ALIGNED, written=written_words())
    # no label of these is Polish (nor Portuguese): the main model reads their gloss alone (CodingService.main_readings)
    assert glossary.written_only == {"pl", "pt"}
    assert glossary.gloss("kierowca ciężarówki", "pl") == "truck driver"
    assert glossary.gloss("specjalista ds. sprzedaży", "pl") == "sales specialist"  # "ds" (do spraw) dropped
    assert glossary.gloss("operator wozka widlowego", "pl") == "forklift truck operator"  # typed without ł, ó
    assert glossary.gloss("pracownik magazynu (m/k)", "pl") == "warehouse worker"
    assert glossary.gloss("pomoc kuchenna", "pl") == "kitchen assistant"
    assert glossary.gloss("kierowca ciężarówki", "es") == "kierowca ciężarówki"  # another language's words, not


def test_a_language_the_index_has_labels_in_is_not_written_only() -> None:
    """Polish coded posts in the index: the main model reads Polish titles against them, the gloss a vote beside."""
    polish = pd.DataFrame([("kierowca", "pl", "coded_posts", "")],
                          columns=["label_norm", "language", "kind", "concept"])
    assert LearnedGlossary.learn(pd.concat([ALIGNED, polish]), written=written_words()).written_only == {"pt"}
