"""Offline word-for-word glosses into English: written glossaries for languages the index has no labels in (Malay and
Indonesian compounds; Polish words), and one learned from the index for the languages it names occupations in beside
English.

No Malay or Indonesian occupational index is bundled, and the packaged models read those languages poorly (on
obvious titles, "tukang roti" came out as printers and "juruwang" as judges). Job titles in them are short
compounds of a few dozen occupational words ("tukang" craft worker, "juru" skilled worker, "pemandu" driver), so a
glossary of those words and compounds turns most of them into English the main model reads well: the main model
codes the gloss while the multilingual model still reads the original. Phrases are matched longest first; a word
the glossary lacks stays as it is (titles mix in English words). The glossary (``reference/glossary``) was written
for this project from general dictionary knowledge of the two languages; a term can hold for both (``*``) or one.
With Azure Translator configured, titles are translated before coding instead.

``LearnedGlossary``: ESCO names each occupation in every language, so the index's labels of one occupation in
Spanish and in English say which words translate which ("enfermero" shares its occupations with "nurse"). The
main model reads English far better than Spanish, Portuguese or Italian, so its vote for a title's gloss joins its
vote for the title itself (``coder.gloss_weight``; lib/classify/coding.py). Learned from the index in use, so a
newer ESCO release, or an index that leaves an occupation out for evaluation, teaches its own words. What the
labels cannot teach (everyday and regional title words: "camion", "balconista", "preventista") or teach wrong (a
tie broken by chance: "camarero" selection) comes from a written glossary of those languages' words, which wins.
Polish words are written the same way (``pl_en.csv``, inflected forms included); with no Polish label in the index to
learn from, they are all its gloss has (``LearnedGlossary.written_only``).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from itertools import groupby
from pathlib import Path

import pandas as pd

from isco_assets.lib.prepare.stopwords import ANY_LANGUAGE_STOP_WORDS
from isco_assets.lib.prepare.text import without_accents

GLOSSARY_FILE = Path(__file__).resolve().parents[2] / "reference" / "glossary" / "ms_id_en.csv"
REGIONAL_FILE = GLOSSARY_FILE.with_name("es_regional.csv")
# written word glosses: languages the gloss is learned in (what the labels do not teach), and Polish (no labels)
WRITTEN_FILES = (GLOSSARY_FILE.with_name("es_pt_it_en.csv"), GLOSSARY_FILE.with_name("pl_en.csv"))
BOTH = "*"


@cache
def _terms(file: Path = GLOSSARY_FILE) -> dict[str, dict[tuple[str, ...], str]]:
    """language -> (words of a term) -> English: a language's own terms over the shared ones, over the other
    languages' own ones. A short title's language is often detected as the other of two close languages (Malay and
    Indonesian share most of their words), so a word only one is known to use is still better read than left."""
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    by_language = {language: {tuple(t.split()): e for lang, t, e in frame.itertuples(index=False) if lang == language}
                   for language in set(frame["language"])}
    shared = by_language.pop(BOTH, {})
    out = {}
    for language in sorted(by_language):
        others = {k: v for other in sorted(by_language) if other != language for k, v in by_language[other].items()}
        out[language] = {**others, **shared, **by_language[language]}
    return out


def glossed_languages() -> frozenset[str]:
    return frozenset(_terms())


def gloss(text: str, language: str) -> str:
    """``text`` (normalized for coding: lower case, words split by spaces) with the glossary's terms in English;
    ``text`` itself for a language without a glossary."""
    terms = _terms().get(language)
    if not terms:
        return text
    longest = max(len(k) for k in terms)
    words, out, i = text.split(), [], 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            english = terms.get(tuple(words[i:i + n]))
            if english is not None:
                out.append(english)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


def head_last(parts: list[tuple[str, bool]]) -> str:
    """Glossed ``parts`` (text, whether the glossary gave it) in English order. Spanish, Portuguese and Italian
    put the head first ("auxiliar de farmacia", "ingegnere meccanico"), English last ("pharmacy aide", "mechanical
    engineer"), so the units are read backwards; a run of words the glossary did not give is one unit, kept in its
    order ("ingeniero de machine learning": "machine learning engineer"). Not for the written Malay and Indonesian
    glossary: its terms are whole compounds already, and on the JobBERT titles read as Malay or Indonesian (most
    mix in English) reading backwards lost 4 of 231 right first codes."""
    units: list[str] = []
    for known, run in groupby(parts, key=lambda part: part[1]):
        texts = [text for text, _ in run]
        units += texts if known else [" ".join(texts)]
    return " ".join(reversed(units))


@cache
def regional_synonyms(file: Path = REGIONAL_FILE) -> dict[str, tuple[str, ...]]:
    """Regional word -> the words the index's labels use for it (Latin-American Spanish "depósito" -> ESCO es
    "almacén"; ``reference/glossary/es_regional.csv``, each a dictionary synonym, see SOURCES.md there)."""
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    out: dict[str, list[str]] = {}
    for word, synonym in zip(frame["word"], frame["synonym"], strict=True):
        out.setdefault(word, []).append(synonym)
    return {w: tuple(s) for w, s in out.items()}


@cache
def written_words(files: tuple[Path, ...] = WRITTEN_FILES) -> dict[str, dict[str, str]]:
    """language -> word (accents off) -> English, for ``LearnedGlossary.learn``: Spanish, Portuguese and Italian
    job-title words the index's labels do not teach ("camion", "carrellista", "balconista") or teach wrong
    ("camarero" selection, "chofer" valet), and Polish ones, a language the index holds no labels in ("kierowca"
    driver, "magazynier" warehouse worker); written for this project (``reference/glossary``, SOURCES.md there)."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for file in files:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False)
        for language, term, english in frame.itertuples(index=False):
            out[language][without_accents(term.lower())] = english
    return dict(out)


# label kinds that name one occupation (an ESCO concept) in several languages: the aligned labels a glossary is
# learned from (coded posts share a concept too, but in one language, and real titles mix languages)
ALIGNED_KINDS = ("preferred", "alternative")
_WORD = re.compile(r"[^\W\d_]+")
ENGLISH = "en"
MIN_TARGET = 3  # letters of an English word a word may translate as: "ta" (teaching assistant) is no gloss


def _words(text: str) -> list[str]:
    """The content words of a normalized label or title, accents off: function words of any language dropped."""
    words = _WORD.findall(str(text).lower())
    return [without_accents(w) for w in words if len(w) > 1 and w not in ANY_LANGUAGE_STOP_WORDS]


@dataclass(frozen=True)
class LearnedGlossary:
    """Words of other languages -> English, learned from labels that name the same occupations in both.

    A word's occupations (the concepts whose labels in its language hold it) are compared with each English word's;
    it translates as the English word whose occupations overlap its own most (Dice coefficient; on a tie, the one
    that shares more; none when still tied), when they share at
    least ``min_shared`` occupations (or all of a rare pair's), at ``min_dice`` or more, and the English word's best
    match in that language is this word (or the overlap is strong, ``STRONG``), so one English word is not every
    word's translation. Chosen on ESCO es/pt/it labels by language leave-out (docs/reference-index.md)."""

    words: dict[str, dict[str, str]] = field(default_factory=dict)  # language -> word (accents off) -> English word
    # languages no label of the index is in: their words are all written ones (Polish)
    written_only: frozenset[str] = frozenset()

    STRONG = 0.5

    @classmethod
    def learn(cls, labels: pd.DataFrame, min_shared: int = 2, min_dice: float = 0.1,
              written: dict[str, dict[str, str]] | None = None) -> LearnedGlossary:
        """From the index's labels (``label_norm``, ``language``, ``kind``, ``concept``): those of ``ALIGNED_KINDS``
        with a concept; ``written`` (``written_words``) adds the words they do not teach and replaces those they
        teach wrong."""
        aligned = labels[labels["kind"].isin(ALIGNED_KINDS) & (labels["concept"].astype(str) != "")]
        # language -> word -> the concepts whose labels in that language hold it
        occupations: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for label, language, concept in zip(aligned["label_norm"], aligned["language"], aligned["concept"],
                                            strict=True):
            for word in _words(label):
                occupations[str(language)][word].add(str(concept))
        english = occupations.pop(ENGLISH, {})
        english_of: dict[str, set[str]] = defaultdict(set)  # concept -> its English words
        for word, concepts in english.items():
            for concept in concepts:
                english_of[concept].add(word)
        learned = {}
        for language, table in occupations.items():
            best: dict[str, tuple[str, float]] = {}
            for word, concepts in table.items():
                if concepts & english.get(word, set()):
                    continue  # an English word in these labels ("learning", "marketing", "industrial") is itself
                shared = Counter(e for c in concepts for e in english_of.get(c, ()) if len(e) >= MIN_TARGET)
                scored = sorted(((2 * n / (len(concepts) + len(english[e])), n, e) for e, n in shared.items()
                                 if n >= min_shared or (n == len(concepts) and len(english[e]) <= min_shared)),
                                reverse=True)
                # a tie says the labels cannot tell which word it is ("pratos" in one occupation's labels,
                # beside "saucier", "fryer" and "poissonnier" alike)
                if scored and scored[0][0] >= min_dice and (len(scored) == 1 or scored[1][:2] != scored[0][:2]):
                    best[word] = (scored[0][2], scored[0][0])
            back: dict[str, tuple[float, str]] = {}  # English word -> its best match in this language
            for word, (e, dice) in best.items():
                back[e] = max(back.get(e, (0.0, "")), (dice, word))
            chosen = {w: e for w, (e, dice) in best.items() if back[e][1] == w or dice >= cls.STRONG}
            if chosen:
                learned[language] = chosen
        unlabelled = frozenset(written or {}) - set(labels["language"].astype(str))
        for language, words in (written or {}).items():
            learned[language] = {**learned.get(language, {}), **words}
        return cls(learned, unlabelled)

    def languages(self) -> frozenset[str]:
        return frozenset(self.words)

    def gloss(self, text: str, language: str) -> str:
        """``text`` word for word in English, function words dropped and unknown words kept; ``text`` itself for a
        language the glossary holds no words of, or when no word of it is known."""
        table = self.words.get(language)
        words = _words(text) if table else []
        if not any(w in table for w in words):
            return text
        return head_last([(table.get(w, w), w in table) for w in words])
