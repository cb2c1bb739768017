"""Leave-out evaluation: code each fold of labelled rows with an index that lacks the fold's occupations.

Rows are split into folds by a key (an ESCO URI, an O*NET-SOC code); every row of one key lands in
the same fold, by a stable hash of the key, so the folds are the same across files and runs (the
English and Spanish labels of one occupation share a fold). For each fold the index leaves out the
fold's keys through the config's ``index_exclude``, so the coder must find the unit group from
other occupations' labels.

A file that is itself a ``coded_posts`` source of the index would grade the coder on its own answers, so
its evaluation leaves out, with each fold, the fold's titles as the coder reads them (``own_titles``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from isco_assets.lib.classify.coder import CodeResult, merge_results
from isco_assets.lib.classify.coding import CodingService
from isco_assets.lib.classify.index_sources import title_key
from isco_assets.lib.config import IndexSource, PlatformConfig


def assign_folds(keys: Sequence[str], folds: int) -> np.ndarray:
    """The fold (0..folds-1) of each row, from the md5 of its key."""
    if folds < 1:
        raise ValueError(f"folds must be >= 1; got {folds}")
    return np.fromiter((int(hashlib.md5(str(k).encode("utf-8")).hexdigest()[:8], 16) % folds for k in keys),
                       dtype=np.int64, count=len(keys))


def coded_source_for(config: PlatformConfig, file: Path) -> IndexSource | None:
    """The index's ``coded_posts`` source that reads ``file``, if any."""
    target = Path(file).resolve()
    return next((s for s in config.index_sources if s.kind == "coded_posts" and s.path.resolve() == target), None)


def leave_out_plan(
    config: PlatformConfig, file: Path, texts: Sequence[str], column_values: Sequence[str] | None = None,
) -> tuple[list[str] | None, bool]:
    """How to grade ``file``: the fold keys (``column_values``, else the own titles when ``file`` is a coded_posts
    source of the index; None: code directly), and whether each fold's own titles must leave the index."""
    own = coded_source_for(config, file) is not None
    keys = list(column_values) if column_values is not None else own_title_keys(texts) if own else None
    return keys, own


def own_title_keys(texts: Sequence[str]) -> list[str]:
    """The key of each text that leaves a coded post's own title out of the index (``title_key``)."""
    return [title_key(t) for t in texts]


def leave_out_code(
    config: PlatformConfig, texts: Sequence[str], keys: Sequence[str], folds: int,
    build: Callable[[PlatformConfig], CodingService], top_k: int = 5, own_titles: bool = False,
    languages: Sequence[str] | None = None, descriptions: Sequence[str] | None = None,
) -> CodeResult:
    """Codes of all ``texts`` in input order, each coded by the service built without its fold's keys and,
    with ``own_titles``, without the fold's titles among the coded posts. ``languages`` and ``descriptions``: each
    text's language and post description (``CodingService.code``)."""
    if not texts:
        raise ValueError("no texts to code")
    fold_of = assign_folds(keys, folds)
    titles = own_title_keys(texts) if own_titles else []
    parts: list[tuple[np.ndarray, CodeResult]] = []
    for fold in range(folds):
        rows = np.flatnonzero(fold_of == fold)
        if len(rows) == 0:
            continue
        left_out = frozenset(str(keys[i]) for i in rows if keys[i]) | frozenset(titles[i] for i in rows if titles)
        service = build(dataclasses.replace(config, index_exclude=config.index_exclude | left_out))
        fold_languages = [languages[i] for i in rows] if languages is not None else None
        fold_descriptions = [descriptions[i] for i in rows] if descriptions is not None else None
        parts.append((rows, service.code([texts[i] for i in rows], top_k, languages=fold_languages,
                                         descriptions=fold_descriptions)))
    return merge_results(parts, len(texts))
