"""Cluster naming: a swappable namer; the offline default is deterministic and needs no service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

DESCRIPTION_COLUMNS = ("cluster_id", "name", "summary", "skills", "tasks", "education", "suggested_code", "namer")


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


class ClusterNamer(Protocol):
    """Turns cluster summaries (exemplars, keywords, sizes) into readable descriptions."""

    namer_id: str

    def describe(self, clusters: pd.DataFrame) -> list[ClusterDescription]: ...


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
                                          namer=self.namer_id))
        return out


def descriptions_frame(descriptions: list[ClusterDescription]) -> pd.DataFrame:
    return pd.DataFrame([d.__dict__ for d in descriptions], columns=list(DESCRIPTION_COLUMNS))
