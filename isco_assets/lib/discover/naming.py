"""Cluster naming: a swappable namer; the offline default is deterministic and needs no service."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from isco_assets.lib.discover.clustering import TOKEN, ctfidf_keywords
from isco_assets.lib.discover.vagueness import contract_words
from isco_assets.lib.prepare.stopwords import ANY_LANGUAGE_STOP_WORDS

CLAUSE = re.compile(r"[.;:,!?()\[\]|/•\n\r\t]+|\s-\s")

DESCRIPTION_COLUMNS = ("cluster_id", "name", "summary", "skills", "tasks", "education", "suggested_code", "namer",
                       "status", "error")
# status: "ok"; "invalid_code" (a suggested code that is not an ISCO-08 unit group was dropped); "failed" or
# "skipped" (budget reached): the namer's answer is missing and the keyword name stands in, ``error`` says why.


@dataclass(frozen=True)
class ClusterDescription:
    cluster_id: int
    name: str
    summary: str
    skills: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    education: str = ""
    suggested_code: str | None = None
    namer: str = ""
    status: str = "ok"
    error: str = ""


class ClusterNamer(Protocol):
    """Turns cluster summaries (exemplars, keywords, sizes) into readable descriptions."""

    namer_id: str

    def describe(self, clusters: pd.DataFrame) -> list[ClusterDescription]: ...

    def run_metadata(self) -> dict[str, float | int | str]:
        """What the last ``describe`` spent and skipped (requests, tokens, cost, cache hits), for metadata."""
        ...


def _title_case(text: str) -> str:
    return " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in text.split())


class KeywordClusterNamer:
    """Names a cluster after its most common title and lists its distinctive keywords."""

    namer_id = "keywords"

    def describe(self, clusters: pd.DataFrame) -> list[ClusterDescription]:
        out = []
        for row in clusters.itertuples(index=False):
            titles = list(row.top_titles) or list(row.exemplars)
            name = _title_case(titles[0]) if titles else f"Cluster {row.cluster_id}"
            examples = ", ".join(f"'{t}'" for t in list(row.exemplars)[:3])
            summary = (
                f"{row.n_posts} posts under {row.n_titles} distinct titles, such as {examples}; "
                f"keywords: {', '.join(list(row.keywords)[:6])}."
            )
            out.append(ClusterDescription(int(row.cluster_id), name, summary, skills=list(row.keywords)[:6],
                                          tasks=list(getattr(row, "task_phrases", []) or []), namer=self.namer_id))
        return out

    def run_metadata(self) -> dict[str, float | int | str]:
        return {}


def descriptions_frame(descriptions: list[ClusterDescription]) -> pd.DataFrame:
    return pd.DataFrame([d.__dict__ for d in descriptions], columns=list(DESCRIPTION_COLUMNS))


def add_member_evidence(
    clusters: pd.DataFrame, assignments: pd.DataFrame, posts: pd.DataFrame, descriptions: int = 3,
    max_chars: int = 600,
) -> pd.DataFrame:
    """``clusters`` with a signature of each cluster's member titles (unchanged members, unchanged signature), a
    few distinct descriptions of its posts (``desc_en``, longest first, cut at ``max_chars``) for namers, and the
    phrases its descriptions share (``task_phrases``)."""
    members = assignments[assignments["cluster_id"] >= 0]
    signatures = members.groupby("cluster_id")["title_norm"].agg(
        lambda titles: hashlib.sha256("\n".join(sorted(titles)).encode()).hexdigest())
    texts = posts[["title_norm", "desc_en"]].merge(members[["title_norm", "cluster_id"]], on="title_norm")
    texts = texts[texts["desc_en"].fillna("").str.strip().ne("")].drop_duplicates(["cluster_id", "desc_en"])
    texts = texts.assign(length=texts["desc_en"].str.len()).sort_values(["cluster_id", "length"], ascending=False)
    samples = texts.groupby("cluster_id")["desc_en"].agg(
        lambda d: [t.strip()[:max_chars] for t in d.head(descriptions)])
    out = clusters.copy()
    out["member_signature"] = out["cluster_id"].map(signatures).fillna("")
    out["sample_descriptions"] = [samples.get(c, []) for c in out["cluster_id"]]
    phrases = task_phrases(texts)
    out["task_phrases"] = [phrases.get(c, []) for c in out["cluster_id"]]
    return out


def description_phrases(text: str) -> set[str]:
    """The 2- and 3-word phrases of a description, within its clauses, neither starting nor ending on a function
    word; a set, so a phrase counts once per description."""
    out = set()
    for clause in CLAUSE.split(str(text).lower()):
        words = TOKEN.findall(clause)
        for n in (2, 3):
            for i in range(len(words) - n + 1):
                if words[i] not in ANY_LANGUAGE_STOP_WORDS and words[i + n - 1] not in ANY_LANGUAGE_STOP_WORDS:
                    out.add(" ".join(words[i:i + n]))
    return out


def task_phrases(texts: pd.DataFrame, top_n: int = 5, min_posts: int = 2, per_cluster: int = 200,
                 max_chars: int = 1000) -> dict[int, list[str]]:
    """Per cluster, the phrases its posts' descriptions (``desc_en``, with their ``title_norm``) share and other
    clusters' do not: c-TF-IDF over phrases, each in at least ``min_posts`` of its posts, none only of the cluster's
    title words or with an advert word ("hiring"), a phrase inside a better one left out. The offline
    evidence of what the work is ("annotate images", "label training data"), read without an LLM."""
    if texts.empty:
        return {}
    sample = texts.groupby("cluster_id").head(per_cluster)
    docs = {int(c): [(str(t)[:max_chars], 1.0) for t in part["desc_en"]] for c, part in sample.groupby("cluster_id")}
    support = {c: Counter(p for text, _ in items for p in description_phrases(text)) for c, items in docs.items()}
    # a phrase of the cluster's own title words, or of advert words, says nothing the titles do not
    said = {int(c): set(TOKEN.findall(" ".join(part["title_norm"].astype(str)).lower())) | contract_words()
            for c, part in sample.groupby("cluster_id")}
    out = {}
    for c, ranked in ctfidf_keywords(docs, top_n=50, terms=description_phrases).items():
        chosen: list[str] = []
        for phrase in ranked:
            words = phrase.split()
            if (support[c][phrase] >= min_posts and not all(w in said[c] for w in words)
                    and not any(w in contract_words() for w in words)
                    and not any(phrase in q or q in phrase for q in chosen)):
                chosen.append(phrase)
            if len(chosen) == top_n:
                break
        out[c] = chosen
    return out
