"""Discover: title clusters, their names, and the ranked novel-occupation candidates with exports."""


import dagster as dg
import numpy as np
import pandas as pd

from isco_assets.defs.metadata import table_metadata, timed
from isco_assets.lib.clustering import NOISE, cluster_vectors, summarize_clusters
from isco_assets.lib.embedding import stack_vectors
from isco_assets.lib.export import export_candidates
from isco_assets.lib.naming import descriptions_frame
from isco_assets.lib.novelty import rank_candidates
from isco_assets.resources.services import NamerResource
from isco_assets.resources.settings import PlatformSettings

GROUP = "discover"


@dg.multi_asset(
    outs={
        "job_clusters": dg.AssetOut(
            group_name=GROUP, automation_condition=dg.AutomationCondition.eager(),
            description="HDBSCAN clusters of normalized-title embeddings (PCA-reduced first), with post and title "
            "counts, exemplars nearest the centroid and c-TF-IDF keywords.",
        ),
        "cluster_assignments": dg.AssetOut(
            group_name=GROUP, automation_condition=dg.AutomationCondition.eager(),
            description="The cluster of every unique normalized title; -1 is noise, kept as signal for later drops.",
        ),
    },
)
def job_clusters(context: dg.AssetExecutionContext, settings: PlatformSettings, post_embeddings: pd.DataFrame):
    knobs = settings.config.clustering
    titles = post_embeddings["title_norm"].tolist()
    weights = post_embeddings["n_posts"].to_numpy(dtype=np.float64)
    vectors = stack_vectors(post_embeddings["vector"])
    with timed() as t:
        clustering = cluster_vectors(vectors, weights, knobs.min_cluster_size, knobs.dimensions, knobs.sample_size)
        clusters = summarize_clusters(titles, weights, vectors, clustering.labels)
    noise = clustering.labels == NOISE
    context.log.info(f"{len(clusters)} clusters over {len(titles):,} titles; {noise.sum():,} titles are noise")
    yield dg.Output(
        clusters, output_name="job_clusters",
        metadata=table_metadata(
            clusters, ["cluster_id", "n_posts", "n_titles", "exemplars", "keywords"],
            clusters=len(clusters), min_cluster_size=clustering.min_cluster_size,
            noise_titles=int(noise.sum()), noise_posts=int(weights[noise].sum()), seconds=t["seconds"],
        ),
    )
    assignments = pd.DataFrame({"title_norm": titles, "cluster_id": clustering.labels, "n_posts": weights.astype(int)})
    yield dg.Output(assignments, output_name="cluster_assignments",
                    metadata=table_metadata(assignments, ["title_norm", "cluster_id", "n_posts"]))


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="A readable name and summary per cluster from the configured ClusterNamer (offline default: "
    "the most common title and distinctive keywords).",
)
def cluster_names(namer: NamerResource, job_clusters: pd.DataFrame) -> dg.MaterializeResult:
    frame = descriptions_frame(namer.get_namer().describe(job_clusters))
    return dg.MaterializeResult(value=frame, metadata=table_metadata(frame, ["cluster_id", "name", "summary"]))


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="Clusters ranked by how badly the ISCO index covers them (distance of their posts to the nearest "
    "index labels, share coded n.e.c. or sent to review, spread over employers), with evidence; exported to "
    "$ISCO_DATA_DIR/exports/novel_occupation_candidates.csv and .xlsx.",
)
def novel_occupation_candidates(
    settings: PlatformSettings, job_clusters: pd.DataFrame, cluster_assignments: pd.DataFrame,
    cluster_names: pd.DataFrame, isco_codes: pd.DataFrame,
) -> dg.MaterializeResult:
    posts = isco_codes.merge(cluster_assignments[["title_norm", "cluster_id"]], on="title_norm", how="left")
    posts["cluster_id"] = posts["cluster_id"].fillna(NOISE).astype(int)
    candidates = rank_candidates(job_clusters.drop(columns=["centroid"]), cluster_names, posts, settings.taxonomy)
    paths = export_candidates(candidates, settings.layout.exports)
    return dg.MaterializeResult(
        value=candidates,
        metadata=table_metadata(
            candidates, ["rank", "name", "novelty_score", "n_posts", "suggested_parent", "example_titles"],
            export_csv=dg.MetadataValue.path(str(paths["csv"])), export_xlsx=dg.MetadataValue.path(str(paths["xlsx"])),
        ),
    )


@dg.asset_check(asset=novel_occupation_candidates, description="There is at least one candidate to review.")
def candidates_not_empty(novel_occupation_candidates: pd.DataFrame) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=len(novel_occupation_candidates) > 0,
                               severity=dg.AssetCheckSeverity.WARN,
                               metadata={"candidates": len(novel_occupation_candidates)})
