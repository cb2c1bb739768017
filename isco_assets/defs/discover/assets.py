"""Discover: title clusters, their names, and the ranked novel-occupation candidates with exports."""


import dagster as dg
import numpy as np
import pandas as pd

from isco_assets.defs.metadata import table_metadata, timed
from isco_assets.lib.discover.cluster_periods import activity_table, period_table, post_periods
from isco_assets.lib.discover.cluster_tracking import REGISTRY_FOLDER, ClusterRegistry, cluster_tables, record_drops
from isco_assets.lib.discover.clustering import NOISE
from isco_assets.lib.discover.definitions import GroupDefinitions
from isco_assets.lib.discover.index_words import IndexWords
from isco_assets.lib.discover.naming import add_member_evidence, descriptions_frame
from isco_assets.lib.discover.novelty import CANDIDATE, EVIDENCE_COLUMNS, candidates_of, judge_clusters, verdict_counts
from isco_assets.lib.discover.report import markdown_image, render_report, report_figures, write_report
from isco_assets.lib.embed.embedding import stack_vectors
from isco_assets.lib.feedback.export import export_candidates, review_posts
from isco_assets.lib.feedback.feedback import apply_candidate_feedback
from isco_assets.resources.compute import HeavyStepsResource
from isco_assets.resources.services import NamerResource
from isco_assets.resources.settings import PlatformSettings

GROUP = "discover"


@dg.multi_asset(
    outs={
        "job_clusters": dg.AssetOut(
            group_name=GROUP, automation_condition=dg.AutomationCondition.eager(),
            description="HDBSCAN clusters of normalized-title embeddings (PCA-reduced first), with post and title "
            "counts, exemplars nearest the centroid and c-TF-IDF keywords. Ids are stable across runs: clusters are "
            "matched to the previous run's by member titles and centroid (registry in $ISCO_DATA_DIR/tracking), "
            "with first_seen, runs_present and origin (new, or grown out of the noise).",
        ),
        "cluster_assignments": dg.AssetOut(
            group_name=GROUP, automation_condition=dg.AutomationCondition.eager(),
            description="The cluster of every unique normalized title; -1 is noise, kept as signal for later drops "
            "(and tracked in the registry). map_x/map_y: coordinates for the cluster map (PCA of the centroids).",
        ),
    },
)
def job_clusters(
    context: dg.AssetExecutionContext, settings: PlatformSettings, heavy_steps: HeavyStepsResource,
    post_embeddings: pd.DataFrame,
):
    knobs = settings.config.clustering
    titles = post_embeddings["title_norm"].tolist()
    weights = post_embeddings["n_posts"].to_numpy(dtype=np.float64)
    vectors = stack_vectors(post_embeddings["vector"])
    with timed() as t:
        clustering = heavy_steps.cluster(context, vectors, weights, min_cluster_size=knobs.min_cluster_size,
                                         dimensions=knobs.dimensions, sample_size=knobs.sample_size)
        registry = ClusterRegistry(settings.layout.root / REGISTRY_FOLDER)
        tables = cluster_tables(registry.load(), context.run_id, pd.Timestamp.now(tz="UTC"), titles, weights,
                                vectors, clustering.labels)
    clusters, tracked = tables.clusters, tables.tracked
    noise = tracked.labels == NOISE
    context.log.info(f"{len(clusters)} clusters over {len(titles):,} titles ({tracked.matched} kept their id, "
                     f"{tracked.new} new); {noise.sum():,} titles are noise")
    yield dg.Output(
        clusters, output_name="job_clusters",
        metadata=table_metadata(
            clusters, ["cluster_id", "n_posts", "n_titles", "origin", "runs_present", "exemplars", "keywords"],
            clusters=len(clusters), min_cluster_size=clustering.min_cluster_size, matched_clusters=tracked.matched,
            new_clusters=tracked.new, from_noise=int((clusters["origin"] == "noise").sum()),
            noise_titles=int(noise.sum()), noise_posts=int(weights[noise].sum()), seconds=t["seconds"],
        ),
    )
    yield dg.Output(tables.assignments, output_name="cluster_assignments",
                    metadata=table_metadata(tables.assignments, ["title_norm", "cluster_id", "n_posts"]))
    registry.save(tables.state)  # after both tables are stored: a failed run leaves the registry as it was


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="Posts per cluster and combination of period (month of posted_at, else of the drop's first "
    "arrival), source (partner), country, language and employer; noise (-1) included. The ranking reads counts, "
    "growth, persistence and spread from it; query it with DuckDB for any other cut.",
)
def cluster_activity(
    settings: PlatformSettings, cluster_assignments: pd.DataFrame, clean_posts: pd.DataFrame
) -> dg.MaterializeResult:
    with timed() as t:
        registry = ClusterRegistry(settings.layout.root / REGISTRY_FOLDER)
        state = record_drops(registry.load(), clean_posts["drop_id"].unique().tolist(), pd.Timestamp.now(tz="UTC"))
        posts = clean_posts[["drop_id", "partner", "title_norm", "posted_at", "country", "language", "company"]].merge(
            cluster_assignments[["title_norm", "cluster_id"]], on="title_norm", how="left")
        arrival = posts["drop_id"].map(state.drops.set_index("drop_id")["first_seen"])
        posts = posts.assign(period=post_periods(posts["posted_at"], arrival), source=posts["partner"],
                             cluster_id=posts["cluster_id"].fillna(NOISE).astype(int))
        activity = activity_table(posts)
        periods = period_table(activity)
    registry.save(state, ("drops",))
    totals = periods.assign(noise=periods["n_posts"].where(periods["cluster_id"] == NOISE, 0)).groupby("period")[
        ["n_posts", "noise"]].sum().reset_index()
    return dg.MaterializeResult(
        value=activity,
        metadata=table_metadata(
            activity, ["cluster_id", "period", "source", "country", "language", "n_posts"],
            periods=int((totals["period"] != "").sum()), undated_posts=int(totals.loc[totals["period"] == "",
                                                                                     "n_posts"].sum()),
            posts_and_noise_per_period=dg.MetadataValue.md(totals.to_markdown(index=False)), seconds=t["seconds"],
        ),
    )


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="A readable name and summary per cluster from the configured ClusterNamer (offline default: "
    "the most common title and distinctive keywords; with ISCO_LLM_PROVIDER set, an LLM adds skills, tasks, "
    "education and a suggested unit group from exemplars, keywords and sample descriptions). `status` and `error` "
    "show clusters whose LLM answer failed or was skipped (they keep the keyword name).",
)
def cluster_names(
    context: dg.AssetExecutionContext, namer: NamerResource, job_clusters: pd.DataFrame,
    cluster_assignments: pd.DataFrame, clean_posts: pd.DataFrame,
) -> dg.MaterializeResult:
    cluster_namer = namer.get_namer()
    with timed() as t:
        evidence = add_member_evidence(job_clusters, cluster_assignments, clean_posts)
        frame = descriptions_frame(cluster_namer.describe(evidence))
    run = cluster_namer.run_metadata()
    if run.get("left_undone", "nothing") != "nothing":
        context.log.warning(f"cluster naming stopped early: {run['left_undone']}")
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(frame, ["cluster_id", "name", "suggested_code", "status", "summary"],
                                namer=cluster_namer.namer_id, seconds=t["seconds"],
                                statuses=dg.MetadataValue.json(frame["status"].value_counts().to_dict()), **run),
    )


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="The clusters the ISCO index does not cover, ranked: every cluster is first judged on its own posts "
    "(covered when a share of them match an index label almost word for word, or, in a language the main model "
    "reads poorly, have every word in one label or in the labels of the group they were coded to, or only words "
    "its labels in that language use often, or when its median "
    "post is close to a label; "
    "vague when its titles name no work, such as 'general worker' or 'protege'; merged into a better candidate "
    "when both titles carry a word the index never uses, such as 'prompt' in 'prompt engineer' and 'ingeniero de "
    "prompts'), and only the rest are ranked, by "
    "how far even their best-coded posts lie from any label times distinctiveness (words of their own), coherence, "
    "size, spread over employers, sources, countries and languages, persistence and growth; each with its evidence "
    "(why the verdict, example titles, nearest unit groups, suggested parent, counts per source, country, language "
    "and month, trend). An empty table is a valid answer: nothing new. The covered and vague clusters are counted "
    "in the metadata with examples. "
    "Exported to $ISCO_DATA_DIR/exports/novel_occupation_candidates.csv, .xlsx and an .html report with a map of "
    "the clusters and trend lines of the top candidates (the same plots are in this asset's metadata).",
)
def novel_occupation_candidates(
    context: dg.AssetExecutionContext, settings: PlatformSettings, job_clusters: pd.DataFrame,
    cluster_assignments: pd.DataFrame, cluster_names: pd.DataFrame, isco_codes: pd.DataFrame,
    expert_decisions: pd.DataFrame, cluster_activity: pd.DataFrame, isco_index: pd.DataFrame,
) -> dg.MaterializeResult:
    posts = isco_codes.merge(cluster_assignments[["title_norm", "cluster_id"]], on="title_norm", how="left")
    posts["cluster_id"] = posts["cluster_id"].fillna(NOISE).astype(int)
    knobs = settings.config.novelty
    main_languages = settings.config.coder.main_languages
    # vagueness, naming by words
    words = IndexWords.of(isco_index[["code", "label_norm", "language", "kind", "concept"]], knobs.generic_groups,
                          main_languages)
    judged = judge_clusters(job_clusters.drop(columns=["centroid"]), cluster_names, posts, settings.taxonomy,
                            cluster_activity, knobs, words, main_languages,
                            GroupDefinitions.of(settings.config.index_sources))
    candidates = candidates_of(judged)
    verdicts = verdict_counts(judged)
    context.log.info(f"{len(judged)} clusters: " + ", ".join(f"{n} {v}" for v, n in verdicts.items()))
    feedback = settings.config.feedback
    candidates = apply_candidate_feedback(candidates, expert_decisions, feedback.evidence_growth)
    paths = export_candidates(candidates, settings.layout.exports,
                              review_posts(isco_codes, settings.taxonomy, feedback.review_posts))
    figures = report_figures(candidates, cluster_assignments)
    report = write_report(render_report(candidates, cluster_assignments, figures), settings.layout.exports)
    return dg.MaterializeResult(
        value=candidates,
        metadata=table_metadata(
            candidates, ["rank", "name", "novelty_score", "n_posts", "growth", "origin", "suggested_parent",
                         "example_titles"],
            export_csv=dg.MetadataValue.path(str(paths["csv"])), export_xlsx=dg.MetadataValue.path(str(paths["xlsx"])),
            report_html=dg.MetadataValue.path(str(report)),
            cluster_map=dg.MetadataValue.md(markdown_image(figures["cluster_map"], "cluster map")),
            top_trends=dg.MetadataValue.md(markdown_image(figures["trends"], "trends of the top candidates")),
            verdicts=dg.MetadataValue.json(verdicts),
            judged_not_candidates=dg.MetadataValue.md(
                judged.loc[judged["verdict"] != CANDIDATE, ["name", "verdict", "n_posts", "coverage_evidence"]]
                .head(20).to_markdown(index=False)),
        ),
    )


@dg.asset_check(asset="job_clusters", description="Every cluster id is unique and not the noise label.")
def cluster_ids_unique(job_clusters: pd.DataFrame) -> dg.AssetCheckResult:
    ids = job_clusters["cluster_id"]
    return dg.AssetCheckResult(passed=bool(ids.is_unique and (ids != NOISE).all()),
                               metadata={"clusters": len(ids), "duplicated": int(ids.duplicated().sum())})


@dg.asset_check(
    asset=novel_occupation_candidates,
    description="Every candidate carries its evidence: example titles, nearest unit groups, a suggested parent, "
    "counts per source, country and language, and a trend.",
)
def candidate_evidence_complete(novel_occupation_candidates: pd.DataFrame) -> dg.AssetCheckResult:
    frame = novel_occupation_candidates
    missing = {c: int((~frame[c].map(lambda v: v is not None and len(v) > 0).astype(bool)).sum())
               for c in EVIDENCE_COLUMNS}
    return dg.AssetCheckResult(passed=not any(missing.values()), severity=dg.AssetCheckSeverity.WARN,
                               metadata={"candidates": len(frame), **{f"missing_{k}": v for k, v in missing.items()}})


@dg.asset_check(
    asset=novel_occupation_candidates,
    description="No candidate is one the index covers or one whose titles name no work (an empty list passes).",
)
def candidates_not_covered(novel_occupation_candidates: pd.DataFrame) -> dg.AssetCheckResult:
    wrong = int((novel_occupation_candidates["verdict"] != CANDIDATE).sum())
    return dg.AssetCheckResult(passed=wrong == 0, metadata={"candidates": len(novel_occupation_candidates),
                                                            "not_candidates": wrong})
