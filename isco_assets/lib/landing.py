"""The local landing zone: partner folders of drop files, each file one drop with a deterministic id."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from isco_assets.lib.drops import content_hash, make_drop_id, parse_drop_id, safe_name

IGNORED_PREFIXES = (".", "_", "~")


@dataclass(frozen=True)
class DropFile:
    drop_id: str
    partner: str
    path: Path


def iter_drop_files(landing: Path, partners: list[str] | None = None) -> Iterator[tuple[str, Path]]:
    """(partner, file) for every visible file in the partner folders, sorted for stable ids."""
    if not landing.is_dir():
        return
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()):
        if partners is not None and folder.name not in partners:
            continue
        for file in sorted(folder.iterdir()):
            if file.is_file() and not file.name.startswith(IGNORED_PREFIXES):
                yield folder.name, file


def drop_for(partner: str, path: Path) -> DropFile:
    return DropFile(make_drop_id(partner, path.name, content_hash(path.read_bytes())), partner, path)


def find_drop(landing: Path, drop_id: str) -> DropFile:
    """The file behind a drop id; fails clearly when it was removed or its content changed."""
    partner, name, short_hash = parse_drop_id(drop_id)
    folder = landing / partner
    matches = [f for f in folder.iterdir() if f.is_file() and safe_name(f.name) == name] if folder.is_dir() else []
    if not matches:
        raise FileNotFoundError(f"drop {drop_id}: no file named {name} in {folder}")
    for file in matches:
        drop = drop_for(partner, file)
        if drop.drop_id == drop_id:
            return drop
    raise FileNotFoundError(
        f"drop {drop_id}: {matches[0]} changed since it was registered (hash no longer {short_hash}); "
        "the new content is a new drop"
    )
