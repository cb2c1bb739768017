"""Time and memory of the whole graph on a generated drop, per asset, on the embedded default.

    .venv/bin/python bench/pipeline_demo.py --posts 20000

Prints the seconds each asset reported in its metadata, the run's wall time and peak RSS.
A second run on the same data directory shows the cached path (no new encodings).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import dagster as dg

from isco_assets.lib.demo.drop import write_demo_drop
from isco_assets.resources.environment import layout_from_env
from isco_assets.runner import run_pipeline

ASSETS = ("raw_job_posts", "job_posts", "translated_posts", "clean_posts", "post_embeddings", "isco_index",
          "isco_codes", "job_clusters")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--config", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, dg.instance_for_test() as instance:
        layout = layout_from_env(Path(tmp) / "data")
        drop = write_demo_drop(Path(tmp) / "drop.csv", args.posts, seed=1)
        for label in ("cold", "warm"):
            start = time.perf_counter()
            outcome = run_pipeline(layout, [drop] if label == "cold" else [], args.config, instance)
            wall = time.perf_counter() - start
            print(f"\n{label} run, {args.posts:,} posts: {wall:.1f} s wall, {outcome.posts:,} posts coded, "
                  f"{0 if outcome.candidates is None else len(outcome.candidates)} candidates")
            for asset in ASSETS:
                event = instance.get_latest_materialization_event(dg.AssetKey(asset))
                meta = event.asset_materialization.metadata if event else {}
                seconds = meta.get("seconds")
                print(f"  {asset:<18} {seconds.value if seconds else float('nan'):>8.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
