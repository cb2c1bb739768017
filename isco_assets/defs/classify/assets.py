"""Classify: the ISCO-08 index (labels with embeddings) and top-k codes for every post."""


import dagster as dg
import pandas as pd

from isco_assets.defs.metadata import progress_logger, table_metadata, timed
from isco_assets.lib.coder import IscoCoder, result_frame
from isco_assets.lib.embedding import EmbeddingCache, stack_vectors
from isco_assets.lib.index_sources import build_index_labels, embed_index
from isco_assets.resources.services import EmbedderResource
from isco_assets.resources.settings import PlatformSettings

GROUP = "classify"
MAX_REVIEW_SHARE = 0.6


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="ISCO-08 index: the 436 unit-group titles carried by the project plus the labels of the "
    "configured sources (ESCO exports, ILO index of titles, structure file, accepted feedback), with provenance "
    "and cached embeddings.",
)
def isco_index(
    context: dg.AssetExecutionContext, settings: PlatformSettings, embedder: EmbedderResource
) -> dg.MaterializeResult:
    model = embedder.get_embedder()
    with timed() as t:
        labels = build_index_labels(settings.taxonomy, settings.config.index_sources, settings.config.index_exclude)
        vectors, encoded = embed_index(
            labels, model, EmbeddingCache(settings.layout.embedding_cache, model.model_id),
            progress_logger(context, "encoding index labels"),
        )
    frame = labels.assign(vector=list(vectors))
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(
            frame, ["code", "label", "source", "language", "kind"],
            unit_groups_covered=int(frame["code"].nunique()), newly_encoded=encoded, model=model.model_id,
            labels_per_source=dg.MetadataValue.json(frame["source"].value_counts().to_dict()), seconds=t["seconds"],
        ),
    )


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="Top-5 ISCO-08 unit groups per post with scores, a confidence, a needs-review flag (low score or "
    "small margin) and the pilot's n.e.c. flag (a 'not elsewhere classified' group in the top 5).",
)
def isco_codes(
    context: dg.AssetExecutionContext, settings: PlatformSettings, isco_index: pd.DataFrame,
    post_embeddings: pd.DataFrame, clean_posts: pd.DataFrame,
) -> dg.MaterializeResult:
    with timed() as t:
        coder = IscoCoder(isco_index, stack_vectors(isco_index["vector"]), settings.taxonomy, settings.config.coder)
        titles = post_embeddings["title_norm"].tolist()
        result = coder.code(titles, stack_vectors(post_embeddings["vector"]))
        coded = result_frame(titles, result, settings.taxonomy)
        frame = clean_posts[["post_id", "drop_id", "job_title", "title_norm", "language", "company"]].merge(
            coded, on="title_norm", how="left"
        )
    context.log.info(f"coded {len(titles):,} unique titles for {len(frame):,} posts")
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(
            frame, ["job_title", "isco_code", "isco_title", "isco_score", "needs_review"],
            unique_titles=len(titles), review_share=round(float(frame["needs_review"].mean() or 0), 4),
            nec_share=round(float(frame["nec_flag"].mean() or 0), 4),
            top_codes=dg.MetadataValue.json(frame["isco_code"].value_counts().head(15).to_dict()),
            seconds=t["seconds"],
        ),
    )


@dg.asset_check(asset=isco_codes, description="Every post has a code.")
def every_post_coded(isco_codes: pd.DataFrame) -> dg.AssetCheckResult:
    missing = int(isco_codes["isco_code"].isna().sum())
    return dg.AssetCheckResult(passed=missing == 0 and len(isco_codes) > 0,
                               metadata={"posts": len(isco_codes), "uncoded": missing})


@dg.asset_check(
    asset=isco_codes,
    description=f"At most {MAX_REVIEW_SHARE:.0%} of posts need review; more means the index misses this data.",
)
def review_share_acceptable(isco_codes: pd.DataFrame) -> dg.AssetCheckResult:
    share = float(isco_codes["needs_review"].mean()) if len(isco_codes) else 0.0
    return dg.AssetCheckResult(passed=share <= MAX_REVIEW_SHARE, severity=dg.AssetCheckSeverity.WARN,
                               metadata={"review_share": round(share, 4)})
