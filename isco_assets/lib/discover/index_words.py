"""What the candidate judgement reads from the index's words: its generic words (``vagueness.py``) and its
labels by the words they hold, for titles the index names word for word (one label holds every word of the title).

The main model reads English well and other languages poorly: "personal de limpieza", "ejecutivo de cuentas" or
"cameriera ai piani" lie at similarities (0.72, 0.80) where English titles of new work lie, although the index
holds Spanish and Italian labels with those very words ("personal de limpieza de oficinas"). So coverage is also
judged on words, which reads every language the index holds alike: a title is named by a label when that label
holds each of the title's words, ignoring function and contract words ("de", "junior", "vacancy"), accents and
a plural ending. New work brings a word, or a pairing of words, that no label holds ("ingeniero de prompts",
"data annotation specialist"), so it stays unnamed; the label found is shown to experts as the evidence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import pairwise

import pandas as pd

from isco_assets.lib.classify.index_sources import GENERIC_GROUPS, word_spread
from isco_assets.lib.discover.clustering import TOKEN
from isco_assets.lib.discover.vagueness import contract_words, head_words
from isco_assets.lib.prepare.glossary import LearnedGlossary, regional_synonyms, written_words
from isco_assets.lib.prepare.stopwords import ANY_LANGUAGE_STOP_WORDS
from isco_assets.lib.prepare.text import without_accents

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # hyphenated compounds are one word: "e-sports" is not "sports"


@cache
def _ignored() -> frozenset[str]:
    """Function words of every supported language and contract words: titles mix languages, and a short title's
    language is often detected wrong."""
    return ANY_LANGUAGE_STOP_WORDS | contract_words()


# Plural endings of Spanish, Portuguese and Italian (accents already off) beyond a plain -s or -es, and the
# singular each comes from: "automotrices" automotriz, "operações" operação, "digitais" digital, "responsáveis"
# responsável, "armazéns" armazém, "operai" operaio, "cuochi" cuoco, "tecnici" tecnico, "addette" addetta.
_PLURALS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ces", ("z",)),  # es: -z, -ces (capataz capataces)
    ("oes", ("ao",)), ("aes", ("ao",)),  # pt: -ão, -ões / -ães
    ("ais", ("al",)), ("eis", ("el",)), ("ois", ("ol",)),  # pt: -al -ais, -el -éis, -ol -óis
    ("ns", ("m",)),  # pt: -m, -ns (armazém armazéns)
    ("chi", ("co",)), ("ghi", ("go",)),  # it: -co -chi, -go -ghi
    ("ai", ("aio",)),  # it: -aio, -ai (operaio operai)
    ("i", ("o", "e")),  # it: -o and -e, -i (tecnico tecnici, agente agenti)
    ("e", ("a",)),  # it: -a, -e (addetta addette)
)


WORD_MEMO = 1 << 17  # distinct words whose forms are kept: a 1M-post run reads about 160k titles of far fewer words


@lru_cache(maxsize=WORD_MEMO)
def word_keys(word: str) -> tuple[str, ...]:
    """The forms a word is matched by: without accents and hyphens ("e-sports" and "esports"), and without a
    plural ending ("vendedores" and "vendedor", "cuentas" and "cuenta", "nurses" and "nurse", and the Spanish,
    Portuguese and Italian endings of ``_PLURALS``: "automotrices" and "automotriz", "operai" and "operaio")."""
    plain = _bare(word)
    keys = {plain}
    if len(plain) > 3 and plain.endswith("s"):
        keys.add(plain[:-1])
        if len(plain) > 4 and plain.endswith("es"):
            keys.add(plain[:-2])
    if len(plain) > 4:
        for ending, singulars in _PLURALS:
            if plain.endswith(ending):
                keys.update(plain[:-len(ending)] + singular for singular in singulars)
                break
    return tuple(sorted(keys))


def spellings(text: str) -> tuple[str, ...]:
    """The keys a text shares with its other spellings: its words without accents, hyphens and a final -s, joined in
    order ("farmhand" for "farm hands") and sorted ("hand farm"); once with every word but function words ("full" of
    "full stack" counts) and once without contract and level words too ("principal data scientist" is spelled as
    "data scientist"); none for a text with no such word."""
    words = [w for w in WORD.findall(str(text).lower()) if len(w) > 1 and w not in ANY_LANGUAGE_STOP_WORDS]
    keys: list[str] = []
    for kept in (words, [w for w in words if w not in _ignored()]):
        plain = [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w
                 for w in map(_bare, kept)]
        keys += ["".join(plain), " ".join(sorted(plain))] if plain else []
    return tuple(dict.fromkeys(keys))


@lru_cache(maxsize=WORD_MEMO)
def _bare(word: str) -> str:
    """A word without accents and hyphens."""
    return without_accents(word).replace("-", "")


FAMILY = 6  # letters that words of one family share at their start ("annotation", "annotator", "annotate")


def family_keys(word: str) -> tuple[str, ...]:
    """``word_keys``, and for a word longer than ``FAMILY`` letters its first ``FAMILY`` letters marked as a family
    ("annota~"), which its other forms share: "administering" and "administer", "annotation" and "annotator"."""
    keys = word_keys(word)
    plain = min(keys, key=len)
    return (*keys, f"{plain[:FAMILY]}~") if len(plain) > FAMILY else keys


def content_words(title: str) -> list[str]:
    return [w for w in WORD.findall(str(title).lower()) if len(w) > 1 and w not in _ignored()]


@dataclass(frozen=True)
class LabelWords:
    """The index's labels by the word forms they hold. Labels only, not unit groups: the words of a group's labels
    together name too much ("prompt" of a theatre prompter and "engineer" of a sound engineer are both 3435)."""

    labels: tuple[str, ...] = ()
    holders: dict[str, frozenset[int]] = field(default_factory=dict)  # word form -> labels that hold it
    groups: dict[str, frozenset[int]] = field(default_factory=dict)  # unit group -> its labels
    spelled: dict[str, int] = field(default_factory=dict)  # ``spellings`` of each label -> the label
    # ``holding`` of each word looked up so far: titles repeat their words, and a common word's labels are many
    held: dict[str, frozenset[int]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, labels: pd.DataFrame) -> LabelWords:
        """From the index's normalized labels (``label_norm``); shorter labels first, so the label shown as
        evidence is the closest to the title."""
        unique = tuple(sorted({str(t) for t in labels["label_norm"] if str(t).strip()}, key=lambda t: (len(t), t)))
        position = {label: i for i, label in enumerate(unique)}
        groups: dict[str, set[int]] = defaultdict(set)
        if "code" in labels:
            for code, label in zip(labels["code"].astype(str), labels["label_norm"].astype(str), strict=True):
                if label in position:
                    groups[code].add(position[label])
        holders: dict[str, set[int]] = defaultdict(set)
        for i, label in enumerate(unique):
            words = content_words(label)
            # a label's compound also holds its last part ("pré-primário" holds "primário"); a title's
            # compound is matched whole, so "e-sports coach" is not named by "sports coach"
            forms = [*words, *(w.rsplit("-", 1)[-1] for w in words if "-" in w)]
            # and two words of a label hold their closed compound: "help desk technician" holds "helpdesk"
            forms += _closed_compounds(label)
            for word in forms:
                for key in word_keys(word):
                    holders[key].add(i)
        spelled: dict[str, int] = {}
        for i, label in enumerate(unique):
            for key in spellings(label):
                spelled.setdefault(key, i)
        return cls(unique, {k: frozenset(v) for k, v in holders.items()}, {k: frozenset(v) for k, v in groups.items()},
                   spelled)

    def same(self, title: str) -> str:
        """The label that is ``title`` but for spacing, hyphens, word order, accents, a plural -s or level words
        (``spellings``: "farmhand" and "farm hand", "manager marketing" and "marketing manager", "principal data
        scientist" and "data scientist"): "label 'x'"; "" when none is. Read in every language: a label is no
        evidence of new work."""
        found = [self.spelled[k] for k in spellings(title) if k in self.spelled]
        return f"label '{self.labels[min(found)]}'" if found else ""

    def naming(self, title: str) -> str:
        """Where the index names ``title`` word for word: the shortest label that holds every word of it ("label
        'x'"); "" when none does or the title has no words."""
        words = set(content_words(title))
        found = _common([self.holding(w) for w in words]) if words else set()
        return f"label '{self.labels[min(found)]}'" if found else ""

    def group_naming(self, title: str, code: str) -> str:
        """Where the labels of unit group ``code`` (the post's) together hold every word of ``title``: "labels of
        4312 ('a', 'b')", a label that holds each word; "" when they do not. Wider than ``naming`` and read only
        where the main model reads poorly: an ordinary foreign title pairs words no single label pairs
        ("impiegato contabile": 4312's "impiegato back office" and "revisore contabile"), while new work still
        brings a word no label of its group holds ("ingeniero de prompts")."""
        words = sorted(set(content_words(title)))
        group = self.groups.get(str(code), frozenset())
        held = [self.holding(w) & group for w in words]
        if not words or not all(held):
            return ""
        return f"labels of {code} (" + ", ".join(f"'{label}'" for label in dict.fromkeys(self.labels[min(h)]
                                                                                   for h in held)) + ")"

    def namings(self, titles: Sequence[str]) -> list[str]:
        """Per title, its ``naming`` or ""; each distinct title looked up once."""
        found = {t: self.naming(t) for t in pd.unique(pd.Series(list(titles), dtype=object))}
        return [found[t] for t in titles]

    def rarest(self, title: str) -> tuple[int, str] | None:
        """The rarest of ``title``'s words of 4 letters or more and how many labels hold it; None for a title with no
        such word. Shorter words are left out: abbreviations ("cdl", "bi", "ia") are new strings, not new work."""
        counts = [(len(self.holding(w)), w) for w in content_words(title) if len(w.replace("-", "")) >= 4]
        return min(counts) if counts else None

    def holding(self, word: str) -> frozenset[int]:
        """The labels that hold ``word`` in any of its forms, or a regional synonym of it (``_synonym_keys``:
        "depósito" of Argentine titles is "almacén" in ESCO's Spanish)."""
        if (known := self.held.get(word)) is not None:
            return known
        found: set[int] = set()
        keys = word_keys(word)
        for key in {*keys, *(s for k in keys for s in _synonym_keys().get(k, ()))}:
            found |= self.holders.get(key, frozenset())
        self.held[word] = frozenset(found)
        return self.held[word]


@cache
def _synonym_keys() -> dict[str, frozenset[str]]:
    """Each form of a regional word (``glossary.regional_synonyms``) -> the forms of its synonyms."""
    out: dict[str, set[str]] = defaultdict(set)
    for word, synonyms in regional_synonyms().items():
        for key in word_keys(word):
            out[key].update(k for s in synonyms for k in word_keys(s))
    return {k: frozenset(v) for k, v in out.items()}


def _closed_compounds(label: str) -> list[str]:
    """Each two neighbouring words of ``label``, neither a function or contract word nor hyphenated, written as one
    word ("help desk" "helpdesk", "data base" "database")."""
    words = WORD.findall(label.lower())
    ignored = _ignored()
    return [a + b for a, b in pairwise(words)
            if len(a) > 1 and len(b) > 1 and "-" not in a + b and a not in ignored and b not in ignored]


def _common(held: list[frozenset[int]]) -> set[int]:
    """What every set holds; smallest first, stopping as soon as nothing is left."""
    held = sorted(held, key=len)
    common = set(held[0]) if held else set()
    for other in held[1:]:
        common &= other
        if not common:
            break
    return common


@dataclass(frozen=True)
class IndexWords:
    """Generic words (in the labels of many unit groups), the labels themselves (normalized), the labels by the
    words they hold, those of the labels outside the main languages (``other``: the words a title in another
    language is judged by), and the languages the labels are in (empty: not known)."""

    generic: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()
    labels: LabelWords = LabelWords()
    languages: frozenset[str] = frozenset()
    other: LabelWords = LabelWords()
    other_languages: frozenset[str] = frozenset()
    glossary: LearnedGlossary = field(default_factory=LearnedGlossary)  # the coder's, for ``_known_words``
    heads: frozenset[str] = frozenset()  # the words that head labels in the main languages (``head_words``)

    @classmethod
    def of(cls, labels: pd.DataFrame, groups: int = GENERIC_GROUPS,
           main_languages: Sequence[str] = ("en",)) -> IndexWords:
        """From the index's labels (``code``, ``label_norm``, and ``language`` when known; ``kind`` and
        ``concept`` for the glossary): the words used for at least ``groups`` unit groups, every label, the labels
        by word, those outside ``main_languages`` by word, their languages, the coder's glossary (learned from
        these labels, with the written words), and the words that head the labels in ``main_languages``."""
        spread = word_spread(labels, TOKEN.findall)
        languages = frozenset(labels["language"].dropna().astype(str)) - {""} if "language" in labels else frozenset()
        outside = labels[~labels["language"].isin(list(main_languages))] if languages else labels.iloc[:0]
        glossary = (LearnedGlossary.learn(labels, written=written_words())
                    if {"language", "kind", "concept"} <= set(labels.columns) else LearnedGlossary())
        main = labels[labels["language"].isin(list(main_languages))] if languages else labels
        return cls(frozenset(spread[spread >= groups].index), frozenset(labels["label_norm"]),
                   LabelWords.of(labels), languages, LabelWords.of(outside), languages - set(main_languages), glossary,
                   head_words(main["label_norm"]))
