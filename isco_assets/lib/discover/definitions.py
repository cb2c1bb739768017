"""What ISCO-08 says each unit group does, held against what a candidate's posts say they do.

A drone pilot's posts lie near the aircraft pilots' labels and a prompt engineer's near the software developers',
so similarity alone calls them covered or barely new. What sets them apart is in their descriptions: tasks the
neighbour's definition does not describe. The structure file of the index (the ``isco_structure`` source,
``isco08_structure.csv.gz`` in the bundle, or a newer release configured in its place) gives every unit group
its definition, its tasks and its included occupations; a task phrase of a candidate (``naming.task_phrases``)
is outside its suggested parent's definition when fewer than half of its words are words of that definition
(accents, plural endings and other forms of one family aside: ``index_words.family_keys``), and those phrases
are shown to experts by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from isco_assets.lib.classify.taxonomy import normalize_unit_code
from isco_assets.lib.config import IndexSource
from isco_assets.lib.discover.index_words import content_words, family_keys

TEXT_COLUMNS = ("title_en", "definition", "tasks_include", "included_occupations")


def _forms(text: str) -> set[str]:
    return {key for word in content_words(text) for key in family_keys(word)}


@dataclass(frozen=True)
class GroupDefinitions:
    """Per unit group, the word forms of its title, definition, tasks and included occupations."""

    forms: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> GroupDefinitions:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [c for c in ("code", "level", "definition") if c not in frame.columns]
        if missing:
            raise ValueError(f"{path}: an ISCO-08 structure file needs the columns {missing}")
        units = frame[frame["level"].astype(str) == "4"]
        texts = units.reindex(columns=list(TEXT_COLUMNS), fill_value="").agg(" ".join, axis=1)
        return cls({code: frozenset(_forms(text)) for raw, text in zip(units["code"], texts, strict=True)
                    if (code := normalize_unit_code(raw))})

    @classmethod
    def of(cls, sources: Sequence[IndexSource]) -> GroupDefinitions:
        """From the index's structure source (the first of kind ``isco_structure``); empty without one."""
        structure = next((s for s in sources if s.kind == "isco_structure"), None)
        return cls.read(structure.path) if structure is not None else cls()

    def outside(self, code: str | None, tasks: Sequence[str]) -> list[str]:
        """The ``tasks`` that ``code``'s definition does not describe; none for a group it does not hold."""
        known = self.forms.get(str(code or ""))
        if not known:
            return []
        out = []
        for task in tasks:
            words = [set(family_keys(w)) for w in content_words(task)]
            if words and sum(bool(forms & known) for forms in words) < len(words) / 2:
                out.append(str(task))
        return out
