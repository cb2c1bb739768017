"""Command-line entry points: isco-code, isco-eval, isco-index, isco-run, isco-demo and isco-finetune."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from tqdm import tqdm

from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.common.layout import DataLayout
from isco_assets.resources.environment import config_from_env, layout_from_env, llm_settings_from_env

if TYPE_CHECKING:
    from isco_assets.lib.classify.coder import CodeResult
    from isco_assets.lib.classify.evaluation import Gold

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class _Bar:
    """A tqdm bar fed by the (done, total) progress callbacks of the library."""

    def __init__(self, what: str):
        self.what = what
        self.bar: tqdm | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = tqdm(total=total, desc=self.what, unit="text", file=sys.stderr)
        self.bar.update(done - self.bar.n)
        if done >= total:
            self.bar.close()
            self.bar = None


def _say_progress() -> None:
    """The library's notes on one-time steps (building the index's caches) on stderr, as the bars are."""
    logger = logging.getLogger("isco_assets")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def _config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default=os.environ.get("ISCO_CONFIG", ""),
                        help="settings YAML (index sources, partners, thresholds); default: $ISCO_CONFIG, "
                        "here %(default)r ('' = the built-in settings and the bundled index)")


def _service(config_path: str, model_path: str = ""):
    from isco_assets.lib.classify.coding import CodingService

    _say_progress()
    return CodingService.build(
        config_from_env(config_path), layout_from_env(), _Bar("encoding index labels"),
        model_path,
    )


def code_main(argv: Sequence[str] | None = None) -> int:
    from isco_assets.lib.classify.coder import LEVELS

    parser = argparse.ArgumentParser(
        prog="isco-code", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Top-K ISCO-08 codes for job titles, in rank order: each code's vote share (what ranks them) "
        "and its best label similarity (what the review threshold reads).")
    parser.add_argument("texts", nargs="+", help="texts to code; a lone '-' reads one text per line from stdin")
    parser.add_argument("--top", type=int, default=5, help="codes per text")
    parser.add_argument("--json", action="store_true", help="one JSON object per input line")
    parser.add_argument("--language", default="",
                        help="the texts' language (en, es, ...); default: detected per text, which matters only "
                        "when coder.multilingual_model is set")
    parser.add_argument("--description", default="",
                        help="the post's description, read when a title alone needs review (coder.description_weight)")
    _config_arg(parser)
    args = parser.parse_args(argv)
    texts = [line.rstrip("\n") for line in sys.stdin] if args.texts == ["-"] else list(args.texts)
    service = _service(args.config)
    taxonomy = load_taxonomy()
    result = service.code(texts, args.top, _Bar("encoding texts") if len(texts) > 1000 else None,
                          [args.language.strip().lower()] * len(texts) if args.language else None,
                          [args.description] * len(texts) if args.description else None)
    for i, text in enumerate(texts):
        codes = [{"code": c, "title": taxonomy.title(c), "vote": round(float(v), 4), "score": round(float(s), 4)}
                 for c, v, s in zip(result.codes[i], result.votes[i], result.scores[i], strict=True)]
        review = bool(result.needs_review[i])
        if args.json:
            levels = {level: {"code": result.level_codes[i, j], "share": round(float(result.level_shares[i, j]), 4)}
                      for j, level in enumerate(LEVELS.values())}
            print(json.dumps({"text": text, "codes": codes, "needs_review": review, "groups": levels,
                              "confidence": round(float(result.confidence[i]), 4),
                              "multilingual_vote": bool(result.blended[i]),
                              "description_vote": bool(result.described[i])}, ensure_ascii=False))
        else:
            read = "  [read with the description]" if result.described[i] else ""
            print(f"{text}{'  [needs review]' if review else ''}{read}  confidence {result.confidence[i]:.2f}")
            print("      code  vote  similarity")
            for rank, c in enumerate(codes, start=1):
                print(f"  {rank}. {c['code']}  {c['vote']:.2f}  {c['score']:.3f}       {c['title']}")
    return 0


def eval_main(argv: Sequence[str] | None = None) -> int:
    from isco_assets.lib.classify.coding import CodingService
    from isco_assets.lib.classify.evaluation import accuracy_report, gold_codes, row_table
    from isco_assets.lib.classify.leaveout import leave_out_code, leave_out_plan
    from isco_assets.lib.classify.rerank import CANDIDATES, rerank_codes, top
    from isco_assets.lib.feedback.export_cells import csv_cell
    from isco_assets.lib.prepare.language import LanguageDetector

    parser = argparse.ArgumentParser(prog="isco-eval", description="Accuracy of the coder on a labelled CSV.",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("file", type=Path)
    parser.add_argument("--text-col", default="job_title")
    parser.add_argument("--desc-col", default="job_desc",
                        help="post descriptions, read for titles that alone need review (coder.description_weight); "
                        "a column the file lacks: titles only")
    parser.add_argument("--gold-col", default="isco_code", help="unit group; several acceptable ones as 2512|2513")
    parser.add_argument("--lang-col", default="language",
                        help="each row's language, a hint as a partner's is: the language detected from the title "
                        "and description wins when sure, and a language the detector does not know is kept")
    parser.add_argument("--source-col", default="source", help="per-source breakdown when the file has it")
    parser.add_argument("--leave-out-col", default="",
                        help="e.g. esco_uri: split rows into --folds folds by this column and code each fold with "
                        "an index that leaves out the fold's values (occupation URIs, O*NET-SOC codes, ISCO codes)")
    parser.add_argument("--folds", type=int, default=5,
                        help="folds of --leave-out-col, or of the titles when the file is a coded_posts source of "
                        "the index (then each fold's own titles always leave the index)")
    parser.add_argument("--json", action="store_true", help="the whole report as JSON")
    parser.add_argument("--rows", type=Path, metavar="CSV",
                        help="write one line per graded row (gold, first code, right or not, the gold's rank, top "
                        "codes with their votes), safe to open in a spreadsheet; with several models, a model column")
    parser.add_argument("--calibrate", type=Path, metavar="JSON",
                        help="fit a confidence calibration on this run (vote share -> chance the first code is "
                        "right), one map for votes blended with the multilingual model's and one for the others, as "
                        "far as the run has them; a kind the run lacks keeps its map from an existing JSON; name it "
                        "in the config as coder.calibration")
    parser.add_argument("--rerank", action="store_true",
                        help="the LLM set by ISCO_LLM_* picks among the top-10 groups of posts that need review; "
                        "the report gives the retrieval's overall accuracy beside it")
    parser.add_argument("--model", action="append", default=[],
                        help="sentence-transformers folder to evaluate; repeat to compare models "
                        "(default $ISCO_EMBEDDING_MODEL or the packaged model)")
    _config_arg(parser)
    args = parser.parse_args(argv)
    frame = pd.read_csv(args.file, dtype=str, keep_default_na=False)
    for column in (args.text_col, args.gold_col, *([args.leave_out_col] if args.leave_out_col else [])):
        if column not in frame.columns:
            parser.error(f"{args.file}: no column {column!r}; columns are {list(frame.columns)}")
    taxonomy = load_taxonomy()
    gold = frame[args.gold_col].map(lambda value: gold_codes(value, taxonomy))
    valid = gold.map(bool)
    skipped = int((~valid).sum())
    frame, gold = frame[valid], gold[valid]
    sources = frame[args.source_col].tolist() if args.source_col in frame.columns else None
    descriptions = frame[args.desc_col].tolist() if args.desc_col in frame.columns else None
    config, layout, texts = config_from_env(args.config), layout_from_env(), frame[args.text_col].tolist()
    # read as the pipeline reads posts: detected, the file's column a hint
    hints = frame[args.lang_col].tolist() if args.lang_col in frame.columns else None
    languages = [d.language for d in LanguageDetector(config.languages, cache_root=layout.language_cache)
                 .detect_posts(texts, descriptions, hints)]
    _say_progress()
    # a file the index learns from as coded posts is graded with each fold's own titles left out
    keys, own_titles = leave_out_plan(config, args.file, texts,
                                      frame[args.leave_out_col].tolist() if args.leave_out_col else None)
    reports, row_tables, top_k = [], [], CANDIDATES if args.rerank else 5
    for model in args.model or [""]:
        services: list[CodingService] = []

        def build(cfg, model=model, services=services):  # remembers what it built: the report names the model
            if keys is not None:
                print(f"fold {len(services) + 1} of {args.folds}: building its index", file=sys.stderr)
            services.append(CodingService.build(cfg, layout, _Bar("encoding index labels"),
                                                model))
            return services[-1]

        if keys is not None:
            result = leave_out_code(config, texts, keys, args.folds, build, top_k, own_titles, languages,
                                    descriptions)
        else:
            result = build(config).code(texts, top_k, _Bar("encoding texts"), languages, descriptions)
        if args.calibrate:
            calibrated = _calibrate(args.calibrate, gold.tolist(), result,
                                    f"{args.file.name}, {services[0].embedder.model_id}, {len(texts)} rows")
        if args.rerank:
            retrieval = accuracy_report(gold.tolist(), top(result, 5), languages, sources, config.coder)["overall"]
            result, reranked = rerank_codes(texts, result, layout.cache, llm_settings_from_env(config),
                                            descriptions=descriptions)
        report = accuracy_report(gold.tolist(), result, languages, sources, config.coder)
        report.update(file=str(args.file), model=services[0].embedder.model_id, rows=len(frame) + skipped,
                      skipped_invalid_gold=skipped)
        if keys is not None:
            report["leave_out"] = {"column": args.leave_out_col or "own titles", "folds": args.folds,
                                   "own_titles": own_titles}
        if args.calibrate:
            report["calibration"] = calibrated
        if args.rerank:
            report["rerank"] = {**reranked, "retrieval_overall": retrieval}
        reports.append(report)
        if args.rows:
            row_tables.append(row_table(texts, gold.tolist(), result, languages, taxonomy)
                              .assign(model=services[0].embedder.model_id))
        if not args.json:
            _print_report(report)
    if args.rows:
        rows = pd.concat(row_tables, ignore_index=True)
        rows.drop(columns=[] if len(row_tables) > 1 else ["model"]).map(csv_cell).to_csv(args.rows, index=False)
        print(f"{len(rows):,} graded rows written to {args.rows}", file=sys.stderr)
    if args.json:
        print(json.dumps(reports[0] if len(reports) == 1 else reports, indent=2))
    return 0


def _calibrate(path: Path, gold: Sequence[Gold], result: CodeResult, fitted_on: str) -> dict:
    """Fit the vote share -> first-code-right map on this run, one per kind of vote it holds (votes blended with
    the multilingual model's, and the others), save it, and say how calibrated it was before. The kinds this run
    lacks keep their map from the file already at ``path``."""
    from isco_assets.lib.classify.calibration import Calibration, Calibrations, calibration_error, rows_by_kind
    from isco_assets.lib.classify.evaluation import first_code_correct

    correct, share = first_code_correct(gold, result), result.votes[:, 0]
    fitted = {kind: Calibration.fit(share[rows], correct[rows], fitted_on)
              for kind, rows in rows_by_kind(result.blended).items() if rows.any()}
    kept = Calibrations.load(path).maps if path.is_file() else {}
    calibrations = Calibrations({**kept, **fitted})
    calibrations.save(path)
    return {"file": str(path), "fitted": {kind: m.rows for kind, m in fitted.items()},
            "kept": sorted(set(kept) - set(fitted)),
            "confidence_ece_before": calibration_error(result.confidence, correct),
            "confidence_ece_after": calibration_error(calibrations(share, result.blended), correct)}


def _print_report(report: dict) -> None:
    from isco_assets.lib.classify.evaluation import report_table

    leave_out = report.get("leave_out")
    print(f"{report['file']} with model {report['model']}: {report['rows']} rows, "
          f"{report['skipped_invalid_gold']} skipped (gold code not an ISCO-08 unit group)"
          + (f"; {leave_out['folds']}-fold leave-out by {leave_out['column']}" if leave_out else "")
          + ("; the file is a coded-posts source of the index: each fold's own titles left out"
             if leave_out and leave_out["own_titles"] else ""))
    print(report_table(report).to_string(float_format=lambda v: f"{v:.3f}"))
    print("auto_coded_share / auto_top1_4digit: coverage and precision at the review threshold "
          f"{report.get('review_threshold', {})}")
    if described := report.get("description_vote_rows"):
        print(f"{described} rows whose title alone needed review were read with their description")
    if calibrated := report.get("calibration"):
        fitted = ", ".join(f"{kind} ({rows} rows)" for kind, rows in calibrated["fitted"].items())
        kept = f"; kept from the file: {', '.join(calibrated['kept'])}" if calibrated["kept"] else ""
        print(f"calibration saved to {calibrated['file']}, fitted for votes {fitted}{kept}: confidence ECE "
              f"{calibrated['confidence_ece_before']:.3f} -> {calibrated['confidence_ece_after']:.3f} on this file "
              "(fitted here; judge it on another file)")
    if rerank := report.get("rerank"):
        before = rerank["retrieval_overall"]
        print(f"LLM re-ranking of {rerank['candidates']} posts needing review: {rerank['changed']} changed, "
              f"{rerank['failed']} failed, {rerank['skipped']} skipped; top-1 {before['top1_4digit']:.3f} -> "
              f"{report['overall']['top1_4digit']:.3f}; {rerank['llm_total_tokens']:,} tokens, cost "
              f"{rerank['llm_cost']:.4f}" + (f"; {rerank['stopped']}" if rerank["stopped"] else ""))


def index_main(argv: Sequence[str] | None = None) -> int:
    from isco_assets.lib.classify.index_report import index_report, print_index_report

    parser = argparse.ArgumentParser(
        prog="isco-index", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="What the ISCO-08 index holds: its sources with versions and provenance, labels per source, "
        "language and unit group, what each source left out and why, the groups with few labels, and how many "
        "labels each source adds that no other has.")
    parser.add_argument("--few", type=int, default=5, help="list the unit groups with fewer labels than this")
    parser.add_argument("--json", action="store_true", help="the whole report as JSON")
    parser.add_argument("--write-vectors", action="store_true",
                        help="maintainers: encode the bundled index's labels with the packaged models, train their "
                        "group heads, and write the vectors and heads the package ships (reference/bundle/vectors/, "
                        "heads/), after a change to the bundle or to how labels are normalized")
    _config_arg(parser)
    args = parser.parse_args(argv)
    if args.write_vectors:
        from isco_assets.lib.classify.index_report import write_bundle_vectors

        for file, what in write_bundle_vectors(layout_from_env(), _Bar).items():
            print(f"wrote {file}: {what}")
        return 0
    report = index_report(config_from_env(args.config), load_taxonomy(), args.few)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_index_report(report)
    return 0


def _ensure_dagster_home(layout: DataLayout) -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or layout.dagster_home)
    home.mkdir(parents=True, exist_ok=True)
    template = PROJECT_ROOT / "dagster.yaml"
    if not (home / "dagster.yaml").exists() and template.exists():
        shutil.copy(template, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def run_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="isco-run", description="Land drop files as partner 'generic' and materialize the whole graph.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--top", type=int, default=10, help="candidates to print")
    _config_arg(parser)
    args = parser.parse_args(argv)
    from isco_assets.lib.discover.report import REPORT_NAME
    from isco_assets.runner import run_pipeline

    layout = layout_from_env()
    _ensure_dagster_home(layout)
    for file in args.files:
        if not file.is_file():
            parser.error(f"no such file: {file}")
    outcome = run_pipeline(layout, args.files, args.config)
    for message in outcome.failed_drops:
        print(f"drop rejected: {message}", file=sys.stderr)
    if outcome.candidates is None:
        print("the pipeline failed; see the messages above", file=sys.stderr)
        return 1
    candidates = outcome.candidates
    if candidates.empty:
        print(f"\n{outcome.posts:,} posts coded; no novel-occupation candidates: the index covers every cluster")
    else:
        print(f"\n{outcome.posts:,} posts coded; top {min(args.top, len(candidates))} of {len(candidates)} "
              f"novel-occupation candidates (clusters the index does not cover):")
    for row in candidates.head(args.top).itertuples(index=False):
        examples = ", ".join(list(row.example_titles)[:3])
        print(f"{row.rank:>3}. {row.name:<40} score {row.novelty_score:.3f}  posts {row.n_posts:>5}  "
              f"parent {row.suggested_parent}  e.g. {examples}")
        if len(row.same_work):
            print(f"     the same work as: {', '.join(row.same_work)}")
    print(f"\nexports: {layout.exports}/novel_occupation_candidates.csv and .xlsx, report: "
          f"{layout.exports / REPORT_NAME}")
    print(f"tables:  {layout.tables} (Parquet; query with duckdb or pandas)")
    return 2 if outcome.failed_drops else 0


def demo_main(argv: Sequence[str] | None = None) -> int:
    from isco_assets.lib.demo.drop import write_demo_drop

    parser = argparse.ArgumentParser(prog="isco-demo", description="Generate a sample drop and run the pipeline.",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    _config_arg(parser)
    args = parser.parse_args(argv)
    layout = layout_from_env()
    path = write_demo_drop(layout.demo_drops / f"demo_drop_{args.seed}.csv", args.posts, args.seed)
    print(f"wrote {path}")
    return run_main([str(path), *(["--config", args.config] if args.config else [])])


def finetune_main(argv: Sequence[str] | None = None) -> int:
    from isco_assets.lib.classify.coding import index_labels
    from isco_assets.lib.embed.embedding import default_model_path
    from isco_assets.lib.embed.finetune import FineTuneSettings, fine_tune

    parser = argparse.ArgumentParser(
        prog="isco-finetune", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Fine-tune the embedding model on the index labels (and accepted feedback in the index); "
        "saves a versioned model under $ISCO_DATA_DIR/models/ for ISCO_EMBEDDING_MODEL.",
    )
    parser.add_argument("--base-model", default="",
                        help="model folder to start from (default: embedding.model, ISCO_EMBEDDING_MODEL, when it is a "
                        "folder, else the packaged all-MiniLM-L6-v2)")
    parser.add_argument("--epochs", type=int, default=FineTuneSettings.epochs)
    parser.add_argument("--max-pairs", type=int, default=FineTuneSettings.max_pairs)
    parser.add_argument("--batch-size", type=int, default=FineTuneSettings.batch_size)
    _config_arg(parser)
    args = parser.parse_args(argv)
    layout, config = layout_from_env(), config_from_env(args.config)
    labels = index_labels(config, layout, load_taxonomy())
    chosen = args.base_model or (config.embedding.model if Path(config.embedding.model).is_dir() else "")
    base = Path(chosen) if chosen else default_model_path()
    bar = tqdm(desc="fine-tuning", unit="batch", file=sys.stderr)

    def progress(step: int, total: int, loss: float) -> None:
        bar.total = total
        bar.update(step - bar.n)
        bar.set_postfix(loss=f"{loss:.3f}")

    settings = FineTuneSettings(epochs=args.epochs, max_pairs=args.max_pairs, batch_size=args.batch_size)
    name = base.name if chosen else "all-MiniLM-L6-v2"
    out = fine_tune(base, name, labels, layout.models, settings, progress=progress)
    bar.close()
    print(f"saved {out}\nuse it with: export ISCO_EMBEDDING_MODEL={out}\ncompare with: isco-eval FILE --model {out}")
    return 0
