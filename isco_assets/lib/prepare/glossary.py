"""An offline word-for-word gloss into English for languages the index has no labels in (Malay, Indonesian).

No Malay or Indonesian occupational index is bundled, and the packaged models read those languages poorly (on
obvious titles, "tukang roti" came out as printers and "juruwang" as judges). Job titles in them are short
compounds of a few dozen occupational words ("tukang" craft worker, "juru" skilled worker, "pemandu" driver), so a
glossary of those words and compounds turns most of them into English the main model reads well: the main model
codes the gloss while the multilingual model still reads the original. Phrases are matched longest first; a word
the glossary lacks stays as it is (titles mix in English words). The glossary (``reference/glossary``) was written
for this project from general dictionary knowledge of the two languages; a term can hold for both (``*``) or one.
With Azure Translator configured, titles are translated before coding instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd

GLOSSARY_FILE = Path(__file__).resolve().parents[2] / "reference" / "glossary" / "ms_id_en.csv"
REGIONAL_FILE = GLOSSARY_FILE.with_name("es_regional.csv")
BOTH = "*"


@cache
def _terms(file: Path = GLOSSARY_FILE) -> dict[str, dict[tuple[str, ...], str]]:
    """language -> (words of a term) -> English, a language's own terms over the shared ones."""
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    shared = {tuple(t.split()): e for lang, t, e in frame.itertuples(index=False) if lang == BOTH}
    out = {}
    for language in sorted(set(frame["language"]) - {BOTH}):
        own = {tuple(t.split()): e for lang, t, e in frame.itertuples(index=False) if lang == language}
        out[language] = {**shared, **own}
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


@cache
def regional_synonyms(file: Path = REGIONAL_FILE) -> dict[str, tuple[str, ...]]:
    """Regional word -> the words the index's labels use for it (Latin-American Spanish "depósito" -> ESCO es
    "almacén"; ``reference/glossary/es_regional.csv``, each a dictionary synonym, see SOURCES.md there)."""
    frame = pd.read_csv(file, dtype=str, keep_default_na=False)
    out: dict[str, list[str]] = {}
    for word, synonym in zip(frame["word"], frame["synonym"], strict=True):
        out.setdefault(word, []).append(synonym)
    return {w: tuple(s) for w, s in out.items()}
