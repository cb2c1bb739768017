"""First-run time, as a new user meets it: a fresh clone, the README's first command, then isco-code.

    python bench/cold_start.py [--keep] [--skip-demo]

Clones this repository (its committed HEAD) into a temporary folder and times, each as a whole process:
1. ``make demo``: the venv, the install and the main job on a generated drop (the README's first command);
2. the first ``isco-code "nurse"`` after it, and the same call again (warm);
3. ``isco-code "nurse"`` and ``isco-code "cocinero"`` on an empty data folder (the index's caches built anew from
   the shipped files and vectors, in the same venv);
and prints them with the default index's label count. ``--skip-demo`` runs ``make setup`` instead of ``make demo``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 2):  # isco-run exits 2 when a drop had rejected rows; the demo has 20 bad rows
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
                         f"{done.stderr[-3000:]}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    parser.add_argument("--skip-demo", action="store_true", help="make setup instead of make demo")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="cold-start-"))
    clone = folder / "fresh"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("ISCO_DATA_DIR", "DAGSTER_HOME", "ISCO_CONFIG",
                                                              "VIRTUAL_ENV")}
    rows = []
    first, out = timed(["make", "setup" if args.skip_demo else "demo"], clone, env)
    rows.append(("make setup" if args.skip_demo else "make demo (venv, install, main job)", first))
    code = str(clone / ".venv" / "bin" / "isco-code")
    after, out = timed([code, "nurse"], clone, env)
    rows.append(("first isco-code nurse after it", after))
    warm, out = timed([code, "nurse"], clone, env)
    rows.append(("isco-code nurse, warm", warm))
    empty = {**env, "ISCO_DATA_DIR": str(folder / "empty-data")}
    cold, _ = timed([code, "nurse"], clone, empty)
    rows.append(("isco-code nurse, empty data folder", cold))
    spanish, _ = timed([code, "cocinero"], clone, empty)
    rows.append(("isco-code cocinero, same folder (multilingual model)", spanish))
    _, report = timed([str(clone / ".venv" / "bin" / "isco-index"), "--json"], clone, empty)
    labels = json.loads(report)["labels"]
    commit = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True).strip()
    print(f"default index: {labels:,} labels; clone of {commit}")
    for what, seconds in rows:
        print(f"{what:<55} {seconds:7.1f} s")
    print(f"{'README first command + first isco-code':<55} {first + after:7.1f} s")
    print(out.strip())
    if args.keep:
        print(f"clone kept at {clone}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
