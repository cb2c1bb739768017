"""The command-line entry points, run as a user runs them: installed scripts in the venv."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

BIN = Path(sys.executable).parent


def run(command: str, *args: str, data_dir: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ISCO_DATA_DIR": str(data_dir)}
    env.pop("ISCO_CONFIG", None)
    return subprocess.run([str(BIN / command), *args], input=stdin, capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def test_isco_code_json_in_input_order(data_dir):
    done = run("isco-code", "--json", "Registered Nurse", "Senior Software Developer (m/w/d)", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [x["text"] for x in lines] == ["Registered Nurse", "Senior Software Developer (m/w/d)"]
    assert lines[0]["codes"][0]["code"] == "2221"
    assert lines[1]["codes"][0]["code"] == "2512"
    assert lines[1]["groups"]["minor"]["code"] == "251" and lines[1]["groups"]["major"]["code"] == "2"
    assert lines[1]["groups"]["major"]["share"] >= lines[1]["groups"]["minor"]["share"] > 0
    assert len(lines[0]["codes"]) == 5 and isinstance(lines[0]["needs_review"], bool)
    votes = [c["vote"] for c in lines[0]["codes"]]  # the printed rank is the vote's order; score is the similarity
    assert votes == sorted(votes, reverse=True) and all(0 <= c["score"] <= 1.0001 for c in lines[0]["codes"])


def test_isco_code_titles_in_other_languages(data_dir):
    """Titles not in English also get the multilingual model's vote: by --language, or detected per text."""
    for args in (["--language", "es", "cocinero", "cozinheiro"], ["cocinero", "cozinheiro"]):
        done = run("isco-code", "--json", *args, data_dir=data_dir)
        assert done.returncode == 0, done.stderr
        lines = [json.loads(line) for line in done.stdout.splitlines()]
        assert [x["codes"][0]["code"] for x in lines] == ["5120", "5120"]
        assert all(x["multilingual_vote"] for x in lines)


def test_isco_code_reads_the_description_when_the_title_alone_is_ambiguous(data_dir):
    description = "Operate the forklift truck in our warehouse, loading and unloading pallets."
    done = run("isco-code", "--json", "--language", "en", "--description", description, "operative", "registered nurse",
               data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    ambiguous, clear = (json.loads(line) for line in done.stdout.splitlines())
    assert ambiguous["description_vote"] and ambiguous["codes"][0]["code"] == "8344"
    assert not clear["description_vote"] and clear["codes"][0]["code"] == "2221"


def test_isco_code_reads_stdin(data_dir):
    texts = ["cook", "truck driver", "accountant"] * 400  # encoded in batches, one line out per line in
    done = run("isco-code", "--json", "--top", "3", "-", data_dir=data_dir, stdin="\n".join(texts) + "\n")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [x["text"] for x in lines] == texts
    assert all(len(x["codes"]) == 3 for x in lines)


def test_isco_eval_reports_and_skips_invalid_gold(data_dir, tmp_path):
    labelled = tmp_path / "gold.csv"
    labelled.write_text(
        "job_title,isco_code,language,source\n"
        "Registered nurse,2221|3221,en,a\nSoftware developer,2512,en,b\nCook,9999|5120,en,b\n"
        "Something,9999,en,b\nBaker,,en,a\n"
    )
    calibration = tmp_path / "calibration.json"
    done = run("isco-eval", str(labelled), "--json", "--calibrate", str(calibration), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["calibration"]["file"] == str(calibration) and calibration.is_file()
    assert report["calibration"]["confidence_ece_after"] <= report["calibration"]["confidence_ece_before"]
    assert report["calibration"]["fitted"] == {"main": 3} and report["calibration"]["kept"] == []
    assert 0 <= report["overall"]["confidence_ece"] <= 1
    assert report["skipped_invalid_gold"] == 2  # a cell with one valid code of several counts
    assert report["overall"]["n"] == 3
    assert report["overall"]["top5_4digit"] >= report["overall"]["top1_4digit"] > 0.5
    assert set(report["by_language"]) == {"en"}
    assert {k: v["n"] for k, v in report["by_source"].items()} == {"a": 1, "b": 2}
    assert report["by_source"]["a"]["top1_4digit"] == 1.0  # either nurse code is right
    assert 0 <= report["overall"]["auto_coded_share"] <= 1
    assert report["review_threshold"] == {"min_score": 0.6, "min_margin": 0.1}
    text = run("isco-eval", str(labelled), "--source-col", "none", data_dir=data_dir)
    assert "top1_4digit" in text.stdout and "overall" in text.stdout and "source=" not in text.stdout


def test_isco_eval_writes_one_line_per_graded_row_safe_for_spreadsheets(data_dir, tmp_path):
    labelled = tmp_path / "gold.csv"
    labelled.write_text("job_title,isco_code\nRegistered nurse,2221|3221\n=cmd|' /C calc'!A0,2512\nBaker,\n")
    rows = tmp_path / "rows.csv"
    done = run("isco-eval", str(labelled), "--rows", str(rows), data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    assert "2 graded rows written" in done.stderr
    table = pd.read_csv(rows, dtype=str, keep_default_na=False)
    assert list(table.columns) == ["text", "language", "gold", "gold_title", "isco_code", "isco_title", "right",
                                   "gold_rank", "confidence", "needs_review", "top_codes"]
    nurse, formula = table.to_dict("records")
    assert nurse["gold"] == "2221|3221" and nurse["isco_code"] == "2221" and nurse["right"] == "True"
    assert nurse["gold_rank"] == "1" and nurse["top_codes"].startswith("2221 (")
    assert formula["text"].startswith("'=")  # read as text, never run as a formula


def test_isco_eval_reads_each_title_in_its_detected_language_the_file_column_a_hint(data_dir, tmp_path):
    """As the pipeline reads posts: a file that says English for every title holds Malay ones too, and a language
    the detector does not know (Polish) is kept as the file says."""
    labelled = tmp_path / "mixed.csv"
    labelled.write_text("job_title,isco_code,language\nJuruwang,5230,en\nKerani akaun,4311,en\n"
                        "Registered nurse,2221,en\nKelner,5131,pl\n")
    done = run("isco-eval", str(labelled), "--json", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert {k: v["n"] for k, v in report["by_language"].items()} == {"ms": 2, "en": 1, "pl": 1}
    assert report["by_language"]["ms"]["top1_4digit"] == 1.0  # glossed: cashier, accounts clerk


def test_isco_eval_calibrates_blended_votes_apart_and_keeps_the_other_map(data_dir, tmp_path):
    """Titles not in English get the multilingual vote, whose shares get their own map in the same file."""
    english, spanish, calibration = tmp_path / "en.csv", tmp_path / "es.csv", tmp_path / "calibration.json"
    english.write_text("job_title,isco_code,language\nRegistered nurse,2221,en\nSoftware developer,2512,en\n")
    spanish.write_text("job_title,isco_code,language\ncocinero,5120,es\nenfermera,2221,es\ncamarero,5131,es\n")
    for file, fitted, kept in ((english, {"main": 2}, []), (spanish, {"blended": 3}, ["main"])):
        done = run("isco-eval", str(file), "--json", "--calibrate", str(calibration), data_dir=data_dir)
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)["calibration"]
        assert (report["fitted"], report["kept"]) == (fitted, kept)
    maps = json.loads(calibration.read_text())
    assert set(maps) == {"main", "blended"}
    assert maps["main"]["fitted_on"].startswith("en.csv") and maps["blended"]["fitted_on"].startswith("es.csv")


@pytest.mark.slow
def test_isco_eval_leave_out_by_occupation(data_dir, tmp_path):
    """Titles whose only labels are their own occupation's are not found when it is left out."""
    esco = tmp_path / "esco.csv"
    esco.write_text("esco_uri,isco_code,preferred_label,alt_labels\n"
                    "uri:zorb,6224,zorblax wrangler,zorblax tamer\nuri:quib,7315,quibbet polisher,quibbet buffer\n")
    config = tmp_path / "config.yaml"
    config.write_text("index:\n  bundle: false\n  sources:\n    - {kind: esco, path: esco.csv, name: esco_en}\n")
    labelled = tmp_path / "gold.csv"
    labelled.write_text("job_title,isco_code,esco_uri\n"
                        "zorblax wrangler,6224,uri:zorb\nquibbet polisher,7315,uri:quib\n")
    args = [str(labelled), "--json", "--config", str(config)]
    done = run("isco-eval", *args, "--leave-out-col", "esco_uri", "--folds", "2", data_dir=data_dir)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["overall"]["n"] == 2 and report["overall"]["top1_4digit"] == 0.0
    assert report["leave_out"] == {"column": "esco_uri", "folds": 2, "own_titles": False}
    missing = run("isco-eval", *args, "--leave-out-col", "uri", data_dir=data_dir)
    assert missing.returncode != 0 and "'uri'" in missing.stderr


@pytest.mark.slow
def test_isco_eval_of_a_coded_posts_source_leaves_its_own_titles_out(data_dir, tmp_path):
    """A file the index learns from is never graded against its own labels; a copy elsewhere is coded directly."""
    posts = tmp_path / "coded.csv"
    posts.write_text("job_title,isco_code\nZorblax Wrangler (m/w/d),6224\nQuibbet Polisher - Ipoh,7315\n")
    config = tmp_path / "config.yaml"
    config.write_text("index:\n  bundle: false\n  sources:\n"
                      "    - {kind: coded_posts, path: coded.csv, name: earlier_round}\n"
                      "    - {kind: coded_posts, path: absent.csv, name: later_round, optional: true}\n")
    copy = tmp_path / "copy" / "coded.csv"
    copy.parent.mkdir()
    copy.write_bytes(posts.read_bytes())
    own = json.loads(run("isco-eval", str(posts), "--json", "--folds", "2", "--config", str(config),
                         data_dir=data_dir).stdout)
    assert own["leave_out"] == {"column": "own titles", "folds": 2, "own_titles": True}
    assert own["overall"]["top1_4digit"] == 0.0
    direct = json.loads(run("isco-eval", str(copy), "--json", "--config", str(config), data_dir=data_dir).stdout)
    assert "leave_out" not in direct and direct["overall"]["top1_4digit"] == 1.0


def test_isco_eval_names_a_missing_column(data_dir, tmp_path):
    labelled = tmp_path / "gold.csv"
    labelled.write_text("title,code\nNurse,2221\n")
    done = run("isco-eval", str(labelled), data_dir=data_dir)
    assert done.returncode != 0
    assert "job_title" in done.stderr


@pytest.mark.slow
def test_isco_run_on_a_file_prints_candidates_and_exports(data_dir, tmp_path):
    drop = tmp_path / "posts.csv"
    rows = ["Scrum Master", "Agile Scrum Master", "Registered Nurse", "Cook", "Software Developer"] * 30
    drop.write_text("job_title,company\n" + "\n".join(f"{t},Company {i % 7}" for i, t in enumerate(rows)) + "\n")
    done = run("isco-run", str(drop), data_dir=data_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "novel-occupation candidates" in done.stdout
    assert (data_dir / "exports" / "novel_occupation_candidates.xlsx").exists()
    assert (data_dir / "landing" / "generic" / "posts.csv").exists()
