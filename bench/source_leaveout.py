"""What each index source is worth: accuracy of the index with each source left out, on the dev files.

    ISCO_DATA_DIR=/tmp/isco_bench_data .venv/bin/python bench/source_leaveout.py [--config bench/reference_sources.yaml]
        [--jobbert 4000] [--per-language 600] [--folds 3] [--variants all without:uk_soc2020 only:...] [--json FILE]
        [--sets esco_es_pt_it] [--coder gloss_weight=0.5 multilingual_weight=0.7]

Variants: ``all`` (the config's index), ``without:<source>`` (that source left out), ``before`` (the reference
index before the national indexes: ISCO-08 structure, ILO index, ESCO en/es/pt/it), ``only:<a>,<b>`` (the
config's non-bundled sources plus these bundled ones) and ``targets:<source>=<n>`` (that source with
``max_targets`` n). Sets, each graded by leave-out so no row finds its own label: JobBERT dev titles and the Polish
hand-coded ads (coded-posts sources of the reference config, so each fold's own titles leave the index, as
``isco-eval`` does), ESCO es/pt/it labels with their occupation's labels in their own language left out (the
occupation keeps its other languages: a title worded otherwise than the index), and the Colombian and Brazilian
titles that reach one group, each with its national code's titles left out (``--per-language`` of each). The
national indexes are not keyed by ESCO occupation, so the ESCO set cannot leave a Colombian or Brazilian title
out: there it measures what the national wording adds, leak or knowledge alike; the national set can.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import pandas as pd

from isco_assets.lib.classify.coding import CodingService
from isco_assets.lib.classify.evaluation import accuracy_report, gold_codes
from isco_assets.lib.classify.index_sources import build_index_labels, language_key
from isco_assets.lib.classify.leaveout import leave_out_code, own_title_keys
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.config import ConfigError, PlatformConfig
from isco_assets.lib.prepare.language import LanguageDetector
from isco_assets.resources.environment import config_from_env, layout_from_env

ROOT = Path(__file__).resolve().parents[1]
JOBS = ROOT.parent / "shared" / "data" / "jobs"
BEFORE = ("isco08_structure", "ilo_index", "esco_en", "esco_es", "esco_it", "esco_pt")


def variant(config: PlatformConfig, name: str) -> PlatformConfig:
    bundled = [s for s in config.index_sources if s.bundled]
    others = tuple(s for s in config.index_sources if not s.bundled)
    if name == "all":
        keep = bundled
    elif name == "before":
        keep = [s for s in bundled if s.name in BEFORE]
    elif name.startswith("without:"):
        keep = [s for s in bundled if s.name != name.split(":", 1)[1]]
    elif name.startswith("only:"):
        keep = [s for s in bundled if s.name in name.split(":", 1)[1].split(",")]
    elif name.startswith("targets:"):
        source, n = name.split(":", 1)[1].split("=")
        keep = [dataclasses.replace(s, max_targets=int(n)) if s.name == source else s for s in bundled]
    else:
        raise SystemExit(f"unknown variant {name!r}")
    return dataclasses.replace(config, index_sources=(*keep, *others))


def sets(config: PlatformConfig, jobbert: int, per_language: int, seed: int) -> list[dict]:
    taxonomy = load_taxonomy()
    out = []
    for name, file, n in (("jobbert_dev", "jobbert_v1_titles_dev.csv", jobbert),
                          ("pl_ojalab_dev", "pl_ojalab_hand_coded_dev.csv", 0)):
        if not (JOBS / file).is_file():
            continue
        frame = pd.read_csv(JOBS / file, dtype=str, keep_default_na=False)
        frame = frame.sample(n, random_state=seed) if 0 < n < len(frame) else frame
        gold = frame["isco_code"].map(lambda v: gold_codes(v, taxonomy))
        frame, gold = frame[gold.map(bool)], gold[gold.map(bool)]
        texts = frame["job_title"].tolist()
        # read as the pipeline and isco-eval read posts: detected, the file's column a hint
        detected = LanguageDetector(config.languages).detect_posts(texts, frame["job_desc"].tolist(),
                                                                   frame["language"].tolist())
        out.append({"name": name, "texts": texts, "gold": gold.tolist(), "keys": own_title_keys(texts),
                    "own": True, "languages": [d.language for d in detected]})
    esco = [s for s in config.index_sources if s.kind == "esco" and s.language in ("es", "pt", "it")]
    labels = build_index_labels(taxonomy, esco)
    labels = labels[labels["kind"].isin(["preferred", "alternative"]) & labels["language"].isin(["es", "pt", "it"])]
    queries = pd.concat([g.sample(min(per_language, len(g)), random_state=seed)
                         for _, g in labels.groupby("language", sort=True)], ignore_index=True)
    out.append({"name": "esco_es_pt_it (language leave-out)", "texts": queries["label"].tolist(),
                "gold": [(c,) for c in queries["code"]], "own": False,
                "keys": [language_key(c, lang) for c, lang in zip(queries["concept"], queries["language"],
                                                                 strict=True)],
                "languages": queries["language"].tolist()})
    national = [dataclasses.replace(s, max_targets=1) for s in config.index_sources
                if s.kind == "national" and s.language != "en"]
    labels = build_index_labels(taxonomy, national)
    labels = labels[labels["source"].isin([s.label for s in national])]
    queries = pd.concat([g.sample(min(per_language, len(g)), random_state=seed)
                         for _, g in labels.groupby("source", sort=True)], ignore_index=True)
    out.append({"name": "national_es_pt (national code leave-out)", "texts": queries["label"].tolist(),
                "gold": [(c,) for c in queries["code"]], "own": False, "keys": queries["concept"].tolist(),
                "languages": queries["language"].tolist()})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=str(ROOT / "bench" / "reference_sources.yaml"))
    parser.add_argument("--jobbert", type=int, default=4000, help="JobBERT dev titles sampled (0: all)")
    parser.add_argument("--per-language", type=int, default=600,
                        help="ESCO labels sampled per language, national titles per source")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--head-weight", type=float, default=0.0, help="coder.head_weight for every variant")
    parser.add_argument("--variants", nargs="+", default=None,
                        help="default: all, before, and without:<each bundled source>")
    parser.add_argument("--sets", nargs="+", default=None, help="only the sets whose name starts with one of these "
                        "(jobbert_dev, pl_ojalab_dev, esco_es_pt_it, national_es_pt); default: all")
    parser.add_argument("--coder", nargs="+", default=[], metavar="KEY=VALUE",
                        help="coder settings for every variant (numbers: gloss_weight=0.5 multilingual_weight=0.7)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    config = config_from_env(args.config)
    coder = dataclasses.replace(config.coder, head_weight=args.head_weight, calibration="")
    for item in args.coder:
        key, _, value = item.partition("=")
        current = getattr(coder, key, None)
        try:
            if isinstance(current, bool) or not isinstance(current, int | float):
                raise ValueError(key)
            coder = dataclasses.replace(coder, **{key: type(current)(value)})
        except ConfigError as error:  # a ValueError too: caught first
            raise SystemExit(f"--coder {item!r}: {error}") from None
        except ValueError:
            raise SystemExit(f"--coder {item!r}: a numeric coder setting as KEY=VALUE (gloss_weight=0.5)") from None
    config = dataclasses.replace(config, coder=coder)
    names = args.variants or ["all", "before", *(f"without:{s.name}" for s in config.index_sources if s.bundled)]
    layout = layout_from_env()
    labelled = [s for s in sets(config, args.jobbert, args.per_language, args.seed)
                if not args.sets or s["name"].startswith(tuple(args.sets))]
    if not labelled:
        raise SystemExit(f"no set to code: the dev files are read from {JOBS} (absent or without them), and --sets "
                         f"{args.sets or 'all'} names sets starting with jobbert_dev, pl_ojalab_dev, esco_es_pt_it "
                         "or national_es_pt")
    rows = []
    for name in names:
        chosen = variant(config, name)
        for item in labelled:
            start = time.perf_counter()
            result = leave_out_code(chosen, item["texts"], item["keys"], args.folds,
                                    lambda cfg: CodingService.build(cfg, layout),
                                    own_titles=item["own"], languages=item["languages"])
            overall = accuracy_report(item["gold"], result, settings=chosen.coder)["overall"]
            rows.append({"variant": name, "set": item["name"], "n": len(item["texts"]),
                         "top1": round(overall["top1_4digit"], 4), "top5": round(overall["top5_4digit"], 4),
                         "seconds": round(time.perf_counter() - start, 1)})
            print(json.dumps(rows[-1]), flush=True)
    table = pd.DataFrame(rows).pivot(index="variant", columns="set", values=["top1", "top5"])
    print(table.reindex(names).to_string(float_format=lambda v: f"{v:.3f}"))
    if args.json:
        args.json.write_text(json.dumps({"config": args.config, "folds": args.folds, "seed": args.seed,
                                         "jobbert": args.jobbert, "per_language": args.per_language, "rows": rows},
                                        indent=2))


if __name__ == "__main__":
    main()
