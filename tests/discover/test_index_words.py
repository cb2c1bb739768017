"""Titles the index names word for word, in any language it holds labels in."""

from __future__ import annotations

import pandas as pd

from isco_assets.lib.discover.index_words import IndexWords, LabelWords, content_words, word_keys

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


def test_spanish_portuguese_and_italian_plurals_match_their_singular() -> None:
    assert {"automotriz"} <= set(word_keys("automotrices"))  # es -ces, -z
    assert {"operacao"} <= set(word_keys("operações"))  # pt -ões, -ão
    assert {"capitao"} <= set(word_keys("capitães"))  # pt -ães, -ão
    assert {"digital"} <= set(word_keys("digitais"))  # pt -ais, -al
    assert {"responsavel"} <= set(word_keys("responsáveis"))  # pt -éis, -el
    assert {"armazem"} <= set(word_keys("armazéns"))  # pt -ns, -m
    assert {"operaio"} <= set(word_keys("operai"))  # it -ai, -aio
    assert {"cuoco"} <= set(word_keys("cuochi")) and {"tecnico"} <= set(word_keys("tecnici"))  # it -chi, -i
    assert {"agente"} <= set(word_keys("agenti")) and {"addetta"} <= set(word_keys("addette"))  # it -i -e, -e -a
    assert word_keys("taxi") == ("taxi",), "short words keep their ending"
    words = LabelWords.of(pd.DataFrame({"code": ["7231", "9329"],
                                        "label_norm": ["mecánico automotriz", "operaio di magazzino"]}))
    assert words.naming("mecánicos automotrices") == "label 'mecánico automotriz'"
    assert words.naming("operai magazzino") == "label 'operaio di magazzino'"


def test_two_words_of_a_label_hold_their_closed_compound() -> None:
    words = LabelWords.of(pd.DataFrame({"code": ["3512", "3512"],
                                        "label_norm": ["help desk operator", "sales and marketing clerk"]}))
    assert words.naming("helpdesk operator") == "label 'help desk operator'"
    assert words.naming("help desk operator") == "label 'help desk operator'"
    assert words.naming("salesmarketing clerk") == "", "only neighbouring words: 'and' parts them"
    assert words.naming("deskhelp operator") == "", "in the label's order"


def test_place_words_of_a_title_are_ignored() -> None:
    words = LabelWords.of(pd.DataFrame({"code": ["3122"], "label_norm": ["supervisor de mantenimiento"]}))
    assert words.naming("supervisor de mantenimiento sur") == "label 'supervisor de mantenimiento'"
    assert words.naming("supervisor de mantenimiento zona norte") == "", "'zona' is for the title's cleaning"
    assert content_words("vendedor nordeste") == ["vendedor"]


def test_a_regional_word_is_matched_by_its_dictionary_synonym_too() -> None:
    words = LabelWords.of(pd.DataFrame({"code": ["9333", "4322", "8331", "4110"],
                                        "label_norm": ["operario de almacén", "liquidador de nómina",
                                                       "conductor de autobús", "auxiliar de depósito"]}))
    assert words.naming("operario de depósito") == "label 'operario de almacén'"  # Arg. depósito: warehouse
    assert words.naming("liquidador de sueldos") == "label 'liquidador de nómina'"
    assert words.naming("chofer de colectivo") == "label 'conductor de autobús'"
    assert words.naming("auxiliar de depósito") == "label 'auxiliar de depósito'", "the word itself still counts"
    assert words.naming("operario de almacén") == "label 'operario de almacén'"
    assert words.naming("auxiliar de almacén") == "", "a title's word is widened, not a label's"


def test_the_labels_of_one_group_together_name_a_title_no_single_label_names() -> None:
    words = LabelWords.of(LABELS)
    assert words.naming("limpiador de oficinas") == ""
    assert words.group_naming("limpiador de oficinas", "9112") == \
        "labels of 9112 ('limpiador', 'personal de limpieza de oficinas')"
    assert words.group_naming("limpiador de oficinas", "5223") == "", "another group's labels do not hold them"
    assert words.group_naming("limpiador de prompts", "9112") == "", "a word no label of the group holds"


def test_a_label_spelled_otherwise_is_the_same_label_and_a_longer_one_is_not() -> None:
    words = LabelWords.of(pd.DataFrame({"code": ["9213", "2512", "2431"],
                                        "label_norm": ["farm hand", "full stack developer", "marketing manager"]}))
    assert words.same("farmhand") == "label 'farm hand'"
    assert words.same("farm hands") == "label 'farm hand'"
    assert words.same("full-stack developer") == "label 'full stack developer'"
    assert words.same("manager marketing") == "label 'marketing manager'"
    assert words.same("principal marketing manager") == "label 'marketing manager'", "a level is not other work"
    assert words.same("farm") == "" and words.same("developer") == "", "a part of a label is not the label"
    assert words.same("digital marketing manager") == "", "nor is a title with a word more"
