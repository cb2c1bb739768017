"""Titles that name no work: "associate", "general worker", "protege", "sales executive", "pekerja am".

A vague title reads as uncovered (no index label is close to it, because no label is that unspecific), so on real
boards vague clusters used to crowd the top of the candidate list. Vagueness is its own signal, shown to experts as
such: a title is vague when none of its words says what the work is. A word says nothing of the work when it names
a contract, a level or an advert ("intern", "junior", "vacancy", "pekerja": ``reference/vagueness/
contract_words.csv``), or when the index itself uses it for many kinds of work (a word in the labels of at least
``index_sources.GENERIC_GROUPS`` unit groups: "assistant", "officer", "executive", "manager", "general"); the
second list is read from the index, so it follows the index's languages and releases. A title the index holds as
a label is never vague, however generic its words ("industrial engineer"). A word the index never uses is not
generic: it may be the new work's own word ("drone", "scrum") or a language the index lacks.

A title in a main language (English) also names no work when it names no worker: a department, field or place of
work ("human resources", "logistic", "kitchen", "part time", "it"), with no word that heads an index label
("developer", "guard", "barista": ``head_words``; "farmhand") or reads as an agent noun ("-er", "-or", "-ist":
"youtuber", "streamer"), and only words the index's labels use often (``novelty.known_word_labels``): a field the
index lacks ("mlops", "esg reporting") stays new work.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from functools import cache
from pathlib import Path

import pandas as pd

from isco_assets.lib.discover.clustering import TOKEN

CONTRACT_WORDS_FILE = Path(__file__).resolve().parents[2] / "reference" / "vagueness" / "contract_words.csv"
AGENT_ENDINGS = ("er", "or", "ist", "ian", "eer")  # English agent nouns: "youtuber", "dronist", "beautician"
HEAD_LABELS = 2  # a word that heads this many labels names a worker ("guard", "barista")
_QUALIFIER = re.compile(r" (?:of|for|in|at|to|on|with)\b| \(")  # "head of human resources": the head is before it


@cache
def contract_words(file: Path = CONTRACT_WORDS_FILE) -> frozenset[str]:
    """Words that name a contract, a level or an advert rather than work, in every supported language: titles
    mix languages ("retail consultant pembantu jualan") and a short title's language is often detected wrong."""
    return frozenset(pd.read_csv(file, dtype=str, keep_default_na=False)["word"])


def vague_titles(titles: Iterable[str], generic: frozenset[str], named: Collection[str] = ()) -> list[bool]:
    """Per normalized title: whether it names no work: each of its words is generic or a contract word, and the
    index does not hold the title itself as a label (``named``: "industrial engineer" is two generic words that
    name an occupation). A title without words is vague."""
    empty = generic | contract_words()
    return [title not in named and all(w in empty for w in TOKEN.findall(str(title).lower())) for title in titles]


def head_words(labels: Iterable[str]) -> frozenset[str]:
    """The words that head at least ``HEAD_LABELS`` of these (English, normalized) labels: their last word, before a
    qualifier ("software developer", "head of human resources": "developer", "head")."""
    heads = Counter()
    for label in labels:
        words = TOKEN.findall(_QUALIFIER.split(str(label).lower(), maxsplit=1)[0])
        if words:
            heads[words[-1]] += 1
    return frozenset(w for w, n in heads.items() if n >= HEAD_LABELS)


def names_a_worker(title: str, heads: Collection[str]) -> bool:
    """Whether a normalized English title has a word that heads index labels, alone or closing a compound
    ("farmhand", "chargeman"), or reads as an agent noun."""
    return any((len(w) > 4 and w.endswith(AGENT_ENDINGS)) or w in heads
               or any(w[i:] in heads for i in range(3, len(w) - 2))  # not "hu-man"
               for w in TOKEN.findall(str(title).lower()))
