"""Coding accuracy on the labelled sets in ../shared/data, one table.

    ISCO_DATA_DIR=/tmp/isco_bench_data .venv/bin/python bench/coding_accuracy.py \
        [--config bench/reference_sources.yaml] [--add bench/onet_source.yaml] [--sample N] [--folds 5] [--json]

Sets: JobBERT dev titles (gold: ESCO occupation -> ISCO-08), Polish hand-coded ads (expert KZiS codes,
titles coded as they are, in Polish), ESCO v1.1 English titles by K-fold leave-out by occupation URI (the
fold's occupations leave the index in every language), and O*NET reported titles, whose gold is every ISCO-08
group their O*NET-SOC code reaches through the crosswalk of the O*NET source in --onet-config (a hit when the
code is any of them). When the index holds that O*NET source the row is a leave-out by O*NET-SOC code, or it
would be a leak. A set whose file is a `coded_posts` source of the index (the reference config learns from
the JobBERT and Polish dev posts) is graded by K-fold leave-out of its own titles, as `isco-eval` does.
`--add FILE` adds the index sources of another config file, to compare configurations.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from isco_assets.lib.classify.coder import CodeResult
from isco_assets.lib.classify.coding import CodingService
from isco_assets.lib.classify.evaluation import accuracy_report, gold_codes
from isco_assets.lib.classify.index_sources import crosswalk_targets
from isco_assets.lib.classify.leaveout import leave_out_code, leave_out_plan
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import IndexSource, PlatformConfig, load_config
from isco_assets.lib.prepare.language import LanguageDetector
from isco_assets.resources.environment import config_from_env, layout_from_env

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
COLUMNS = {"n": "n", "top1_4digit": "top1@4", "top5_4digit": "top5@4", "top1_3digit": "top1@3",
           "top1_2digit": "top1@2", "top1_1digit": "top1@1", "auto_coded_share": "auto share",
           "auto_top1_4digit": "auto prec", "confidence_ece": "conf ECE"}


@dataclass(frozen=True)
class LabelledSet:
    name: str
    texts: list[str]
    gold: list[tuple[str, ...]]
    leave_out: list[str] | None = None  # keys to leave out of the index by fold, or None: coded directly
    own_titles: bool = False  # the file is a coded_posts source: each fold's own titles leave the index too
    languages: list[str] | None = None  # each text's language


def jobs_set(name: str, file: str, sample: int, config: PlatformConfig, leave_out_col: str = "") -> LabelledSet:
    path = SHARED / "jobs" / file
    frame = _sample(pd.read_csv(path, dtype=str, keep_default_na=False), sample)
    taxonomy = load_taxonomy()
    frame = frame.assign(gold=frame["isco_code"].map(lambda v: gold_codes(v, taxonomy)))
    frame = frame[frame["gold"].map(bool)]
    texts = frame["job_title"].tolist()
    keys, own = leave_out_plan(config, path, texts, frame[leave_out_col].tolist() if leave_out_col else None)
    # read as the pipeline and isco-eval read posts: detected, the file's column a hint
    hints = frame["language"].tolist() if "language" in frame.columns else None
    descriptions = frame["job_desc"].tolist() if "job_desc" in frame.columns else None
    languages = [d.language for d in LanguageDetector(config.languages).detect_posts(texts, descriptions, hints)]
    return LabelledSet(name + (" (own titles out)" if own else ""), texts, frame["gold"].tolist(), keys, own,
                       languages)


def onet_set(onet: IndexSource, in_index: bool, sample: int) -> LabelledSet:
    """Reported titles; gold: all groups (unit or coarser) their code reaches, however many."""
    frame = pd.read_csv(onet.path, dtype=str, keep_default_na=False)
    frame = _sample(frame[frame["kind"] == "reported_title"], sample)
    taxonomy = load_taxonomy()
    targets = crosswalk_targets(frame["onet_soc_code"].unique(), onet.crosswalk)
    gold = frame["onet_soc_code"].map(lambda code: tuple(c for c in targets[code] if c in taxonomy))
    frame = frame[gold.map(bool)]
    name = "onet_reported" + (" (leave-out)" if in_index else "")
    return LabelledSet(name, frame["title"].tolist(), gold[gold.map(bool)].tolist(),
                       frame["onet_soc_code"].tolist() if in_index else None, languages=["en"] * len(frame))


def _sample(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    return frame.sample(n=n, random_state=0) if 0 < n < len(frame) else frame


def evaluate(labelled: LabelledSet, config: PlatformConfig, direct: Callable[[], CodingService],
             build: Callable[[PlatformConfig], CodingService], folds: int) -> dict:
    start = time.perf_counter()
    result: CodeResult
    if labelled.leave_out is None:
        result = direct().code(labelled.texts, 5, languages=labelled.languages)
    else:
        result = leave_out_code(config, labelled.texts, labelled.leave_out, folds, build,
                                own_titles=labelled.own_titles, languages=labelled.languages)
    report = accuracy_report(labelled.gold, result, settings=config.coder)["overall"]
    return {"set": labelled.name, **report, "seconds": round(time.perf_counter() - start, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "bench" / "reference_sources.yaml"))
    parser.add_argument("--add", action="append", default=[], help="a config file whose index sources are added")
    parser.add_argument("--onet-config", default=str(ROOT / "bench" / "onet_source.yaml"),
                        help="a config file with the O*NET source whose crosswalk gives the O*NET titles' gold")
    parser.add_argument("--sample", type=int, default=0, help="at most N rows per set (0: all)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    config = config_from_env(args.config)
    added = tuple(s for file in args.add for s in load_config(file).index_sources if not s.bundled)
    config = dataclasses.replace(config, index_sources=config.index_sources + added)
    onet = [s for s in load_config(args.onet_config).index_sources if s.kind == "onet"] if args.onet_config else []
    layout = layout_from_env()
    sets = [
        jobs_set("jobbert_dev", "jobbert_v1_titles_dev.csv", args.sample, config),
        jobs_set("pl_ojalab_dev", "pl_ojalab_hand_coded_dev.csv", args.sample, config),
        jobs_set("esco_v1.1_en (leave-out)", "esco_v1_1_en_occupation_titles.csv", args.sample, config, "esco_uri"),
        *([onet_set(onet[0], onet[0] in config.index_sources, args.sample)] if onet else []),
    ]
    direct = functools.cache(lambda: CodingService.build(config, layout))  # one index: direct sets

    def build(cfg: PlatformConfig) -> CodingService:
        return CodingService.build(cfg, layout)

    rows = [evaluate(s, config, direct, build, args.folds) for s in sets]
    if args.json:
        print(json.dumps({"config": args.config, "add": args.add, "sample": args.sample,
                          "folds": args.folds, "rows": rows}, indent=2))
        return
    table = pd.DataFrame(rows).set_index("set").reindex(columns=[*COLUMNS, "seconds"]).rename(columns=COLUMNS)
    used = ", ".join(s.label for s in config.index_sources)
    print(f"index: built-in ISCO-08 titles + {used}" + (f" (sample {args.sample} per set)" if args.sample else ""))
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
