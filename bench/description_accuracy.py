"""Does reading the description help titles that alone need review? ESCO titles with their occupation's description.

No labelled English job posts here carry a description (the JobBERT dev titles have none), so this stands in: ESCO
v1.1 English titles (preferred and alternative labels), sampled, each with the first words of its occupation's ESCO
description as the post's description, coded by 5-fold leave-out of the occupation (``isco-eval --leave-out-col
esco_uri``) with and without the description. ESCO's descriptions are cleaner than a job ad's (they open with what
the occupation does, often naming it), so the gain here is an upper bound for real ads.

    python bench/description_accuracy.py [--config bench/reference_sources.yaml] [--sample 4000] [--seed 0]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd

from isco_assets.cli import eval_main

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default=str(ROOT / "bench" / "reference_sources.yaml"))
    parser.add_argument("--sample", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--titles", type=Path, default=SHARED / "jobs" / "esco_v1_1_en_occupation_titles.csv")
    parser.add_argument("--occupations", type=Path, default=SHARED / "reference" / "esco_occupations_en.csv")
    args = parser.parse_args()
    for path in (args.titles, args.occupations):
        if not path.is_file():
            sys.exit(f"{path} is missing: this benchmark needs the ESCO files of ../shared/data")
    titles = pd.read_csv(args.titles, dtype=str, keep_default_na=False)
    titles = titles.sample(min(args.sample, len(titles)), random_state=args.seed)
    occupations = pd.read_csv(args.occupations, dtype=str, keep_default_na=False)
    description = dict(zip(occupations["esco_uri"], occupations["description"], strict=True))
    titles["job_desc"] = titles["esco_uri"].map(description).fillna("")
    rows = {}
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "esco_en_described.csv"
        titles.to_csv(file, index=False)
        for name, column in (("title only", "none"), ("title, description when ambiguous", "job_desc")):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                eval_main([str(file), "--config", args.config, "--leave-out-col", "esco_uri", "--desc-col", column,
                           "--json"])
            report = json.loads(out.getvalue())
            rows[name] = {**{k: report["overall"][k] for k in ("top1_4digit", "top5_4digit", "top1_3digit",
                                                               "auto_coded_share", "auto_top1_4digit")},
                          "read with description": report["description_vote_rows"]}
    print(f"{len(titles):,} ESCO v1.1 en titles (seed {args.seed}), 5-fold leave-out by occupation, {args.config}")
    print(pd.DataFrame.from_dict(rows, orient="index").to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
