"""Titles the index names word for word, in any language it holds labels in."""

from __future__ import annotations

import pandas as pd

from isco_assets.lib.index_words import IndexWords, LabelWords

LABELS = pd.DataFrame({
    "code": ["9112", "9112", "5223", "7412", "2341", "3422", "9112"],
    "label_norm": ["personal de limpieza de oficinas", "limpiador", "vendedor de comercio", "técnico electrónico",
                   "professor de ensino pré-primário", "sports coach", "office cleaner"],
})


def test_a_label_that_holds_every_word_names_the_title() -> None:
    words = LabelWords.of(LABELS)
    assert words.naming("personal de limpieza") == "label 'personal de limpieza de oficinas'"
    # accents and plural endings do not matter; function and contract words are ignored
    assert words.naming("vendedores") == "label 'vendedor de comercio'"
    assert words.naming("tecnico electronico junior") == "label 'técnico electrónico'"
    # a label's compound holds its last part
    assert words.naming("professor primário") == "label 'professor de ensino pré-primário'"


def test_new_work_brings_a_word_or_a_pairing_no_label_holds() -> None:
    words = LabelWords.of(LABELS)
    assert words.naming("ingeniero de prompts") == ""
    assert words.naming("vendedor electrónico") == "", "each word is in a label, but not in the same one"
    assert words.naming("e-sports coach") == "", "a title's compound is matched whole"
    assert words.naming("de la") == "", "no words of work"
    assert words.namings(["limpiador", "limpiador", "prompts"]) == ["label 'limpiador'", "label 'limpiador'", ""]


def test_index_words_carry_the_labels_by_word() -> None:
    words = IndexWords.of(LABELS, groups=2)
    assert words.labels.naming("office cleaner") == "label 'office cleaner'"
    assert "limpiador" in words.named and "de" in words.generic
