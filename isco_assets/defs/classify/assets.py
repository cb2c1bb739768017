"""Classify: the ISCO-08 index (labels with embeddings) and top-k codes for every post."""


import dagster as dg
import pandas as pd

from isco_assets.defs.metadata import progress_logger, table_metadata, timed
from isco_assets.lib.coder import CodeResult
from isco_assets.lib.coding import CodedTitles, CodingService, describe_ambiguous_posts, title_languages
from isco_assets.lib.embedding import EmbeddingCache, stack_vectors
from isco_assets.lib.feedback import apply_recodes, with_feedback_labels
from isco_assets.lib.index_sources import build_index_labels, embed_index
from isco_assets.lib.rerank import rerank_coded_titles
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
    with timed() as t:
        titles = clean_posts["title_code"].drop_duplicates().tolist()
        languages = dict(zip(titles, title_languages(clean_posts, titles), strict=True))
        services: list[CodingService] = []

        def service() -> CodingService:  # built only when something new must be coded
            if not services:
                services.append(CodingService.over(
                    isco_index.drop(columns="vector"), stack_vectors(isco_index["vector"]), model, settings.config,
                    settings.layout, settings.taxonomy,
                    progress_logger(context, "encoding index labels (multilingual model)")))
            return services[0]

        def code_new(texts: list[str], readings: list[str] | None = None) -> CodeResult:
            return service().code_normalized(texts, progress=progress_logger(context, "encoding titles"),
                                             languages=[languages[t] for t in texts], contexts=readings)

        earlier = CodedTitles(settings.layout.cache / "codes", isco_index, model.model_id, settings.config.coder)
        coded, new = earlier.code(titles, code_new, settings.taxonomy)
        multilingual = int(coded["multilingual_vote"].sum())
        if llm is not None:
            context.log.info(f"LLM re-ranking of {int(coded['needs_review'].sum()):,} titles that need review")
        coded, rerank_metadata = rerank_coded_titles(llm, coded)
        coded = coded.rename(columns={"title_norm": "title_code"})
        frame = clean_posts[["post_id", "post_key", "drop_id", "job_title", "title_norm", "title_code", "language",
                             "company", "desc_en", "desc_language"]].merge(coded, on="title_code", how="left")
        readings = CodedTitles(settings.layout.cache / "codes_described", isco_index, model.model_id,
                               settings.config.coder)
        frame, new_readings = describe_ambiguous_posts(frame, settings.config.coder, readings, settings.taxonomy,
                                                       code_new)
        frame = apply_recodes(frame.drop(columns=["desc_en", "desc_language"]), expert_decisions, settings.taxonomy)
    context.log.info(f"{len(titles):,} unique titles for {len(frame):,} posts; {new:,} coded now, the rest earlier")
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(
            frame, ["job_title", "isco_code", "isco_title", "isco_score", "needs_review"],
            unique_titles=len(titles), newly_coded=new, multilingual_vote_titles=multilingual,
            description_vote_posts=int(frame["description_vote"].sum()), newly_coded_readings=new_readings,
            review_share=round(float(frame["needs_review"].mean() or 0), 4),
            nec_share=round(float(frame["nec_flag"].mean() or 0), 4),
            top_codes=dg.MetadataValue.json(frame["isco_code"].value_counts().head(15).to_dict()),
            seconds=t["seconds"], **rerank_metadata,
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
