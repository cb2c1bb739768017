"""Classify: the ISCO-08 index (labels with embeddings) and top-k codes for every post."""


import dagster as dg
import pandas as pd

from isco_assets.defs.metadata import progress_logger, table_metadata, timed
from isco_assets.lib.classify.coding import CodingService, code_posts
from isco_assets.lib.classify.expert_decisions import with_feedback_labels
from isco_assets.lib.classify.index_sources import build_index_labels, embed_index
from isco_assets.lib.embed.embedding import EmbeddingCache, stack_vectors
from isco_assets.resources.llm import RerankerResource
from isco_assets.resources.services import EmbedderResource
from isco_assets.resources.settings import PlatformSettings

GROUP = "classify"
MAX_REVIEW_SHARE = 0.6


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="ISCO-08 index: the reference bundle shipped in the package (ISCO-08 structure and definitions, "
    "the ILO index of titles, ESCO v1.2 en/es/pt/it, the UK SOC 2020 coding index, Colombia's CIUO-08 A.C., "
    "Brazil's CBO 2002), as the config turns it on, off or replaces it, plus configured sources and titles experts "
    "accepted, with provenance (source, version, language, kind, concept) and embeddings (the bundle's ship with "
    "the package). `isco-index` prints what it holds.",
)
def isco_index(
    context: dg.AssetExecutionContext, settings: PlatformSettings, embedder: EmbedderResource,
    expert_decisions: pd.DataFrame,
) -> dg.MaterializeResult:
    model = embedder.get_embedder()
    with timed() as t:
        labels = build_index_labels(settings.taxonomy, settings.config.index_sources, settings.config.index_exclude,
                                    cache=settings.layout.index_cache)
        labels = with_feedback_labels(labels, expert_decisions)
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
            labels_per_source=dg.MetadataValue.json(frame["source"].value_counts().to_dict()),
            labels_per_language=dg.MetadataValue.json(frame["language"].value_counts().to_dict()),
            source_versions=dg.MetadataValue.json({s.label: s.version for s in settings.config.index_sources}),
            seconds=t["seconds"],
        ),
    )


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    deps=["post_embeddings"],
    description="Top-5 ISCO-08 unit groups per post with scores, a confidence, a needs-review flag (low score or "
    "small margin) and the pilot's n.e.c. flag (a 'not elsewhere classified' group in the top 5); the minor, "
    "sub-major and major group the votes roll up to, with their shares, for posts sure only of a wider group. "
    "Coded from "
    "every segment of the title (title_code); titles coded earlier against the same index, model and settings "
    "are not coded again. With coder.multilingual_model set, titles outside coder.main_languages also get that "
    "model's vote. A post whose title alone needs review, with a description in coder.main_languages (or "
    "translated), also gets the vote for its title read with the description's first words (column "
    "description_vote). With an LLM re-ranker configured (ISCO_LLM_RERANK), the model picks among the top 5 of "
    "each title that needs review (column reranked); its answers are cached, so a title is never paid twice.",
)
def isco_codes(
    context: dg.AssetExecutionContext, settings: PlatformSettings, embedder: EmbedderResource,
    isco_index: pd.DataFrame, clean_posts: pd.DataFrame, expert_decisions: pd.DataFrame, reranker: RerankerResource,
) -> dg.MaterializeResult:
    model = embedder.get_embedder()
    llm = reranker.get_reranker()
    services: list[CodingService] = []

    def service() -> CodingService:  # built only when something new must be coded
        if not services:
            services.append(CodingService.over(
                isco_index.drop(columns="vector"), stack_vectors(isco_index["vector"]), model, settings.config,
                settings.layout, settings.taxonomy,
                progress_logger(context, "encoding index labels (multilingual model)")))
        return services[0]

    if llm is not None:
        context.log.info("LLM re-ranking of the titles that need review")
    with timed() as t:
        posts = clean_posts[["post_id", "post_key", "drop_id", "job_title", "title_norm", "title_code", "language",
                             "company", "desc_en", "desc_language"]]
        frame, counts = code_posts(posts, isco_index, model.model_id, settings.config.coder, settings.layout,
                                   settings.taxonomy, service, progress_logger(context, "encoding titles"), llm,
                                   expert_decisions)
    context.log.info(f"{counts['unique_titles']:,} unique titles for {len(frame):,} posts; "
                     f"{counts['newly_coded']:,} coded now, the rest earlier")
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(
            frame, ["job_title", "isco_code", "isco_title", "isco_score", "needs_review"],
            description_vote_posts=int(frame["description_vote"].sum()),
            review_share=round(float(frame["needs_review"].mean() or 0), 4),
            nec_share=round(float(frame["nec_flag"].mean() or 0), 4),
            top_codes=dg.MetadataValue.json(frame["isco_code"].value_counts().head(15).to_dict()),
            seconds=t["seconds"], **counts,
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
