"""The ISCO-08 classification carried by the project: 619 groups, codes and English titles."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

NEC_MARKER = "not elsewhere classified"


@dataclass(frozen=True)
class IscoGroup:
    code: str
    level: int
    title: str
    parent: str | None

    @property
    def is_nec(self) -> bool:
        """ILO marks residual groups "not elsewhere classified"; the pilot flags them."""
        return NEC_MARKER in self.title.lower()


class IscoTaxonomy:
    """Lookup over the four levels of ISCO-08 (major, sub-major, minor, unit groups)."""

    def __init__(self, groups: list[IscoGroup]):
        self.groups = {g.code: g for g in groups}
        self.unit_codes = sorted(c for c, g in self.groups.items() if g.level == 4)

    def __contains__(self, code: object) -> bool:
        return code in self.groups

    def is_unit_group(self, code: str) -> bool:
        group = self.groups.get(code)
        return group is not None and group.level == 4

    def title(self, code: str) -> str:
        return self.groups[code].title

    def is_nec(self, code: str) -> bool:
        group = self.groups.get(code)
        return group is not None and group.is_nec

    def ancestors(self, code: str) -> list[str]:
        """Codes from the major group down to ``code`` itself."""
        return [code[:i] for i in range(1, len(code) + 1)]


def normalize_unit_code(value: object) -> str | None:
    """Read a 4-digit unit-group code from a file cell (``2512``, ``'0110'``, ``110``, ``2512.0``).

    Numeric columns drop the armed forces' leading zero; any 3-digit value is padded back.
    Returns None for anything that is not 4 digits after that.
    """
    if value is None:
        return None
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit():
        return None
    if len(text) == 3:
        text = text.zfill(4)
    return text if len(text) == 4 else None


@cache
def load_taxonomy() -> IscoTaxonomy:
    with resources.files("isco_assets.reference").joinpath("isco08_groups.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return IscoTaxonomy(
        [IscoGroup(r["code"], int(r["level"]), r["title"], r["parent_code"] or None) for r in rows]
    )
