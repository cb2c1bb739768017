"""Embed: one vector per unique normalized title, encoded only when the cache has not seen it."""


import dagster as dg
import pandas as pd

from isco_assets.defs.metadata import progress_logger, table_metadata, timed
from isco_assets.lib.embed.embedding import EmbeddingCache, text_hash
from isco_assets.resources.compute import HeavyStepsResource
from isco_assets.resources.services import EmbedderResource
from isco_assets.resources.settings import PlatformSettings


@dg.asset(
    group_name="embed",
    automation_condition=dg.AutomationCondition.eager(),
    description="Sentence-transformers embeddings of the unique normalized titles (with their post counts), "
    "batched, on CUDA when present, cached by (model, text hash); titles the cache lacks are encoded where the "
    "heavy_steps resource says (in process, a Pipes subprocess, or Azure ML).",
)
def post_embeddings(
    context: dg.AssetExecutionContext, settings: PlatformSettings, embedder: EmbedderResource,
    heavy_steps: HeavyStepsResource, clean_posts: pd.DataFrame,
) -> dg.MaterializeResult:
    counts = clean_posts["title_norm"].value_counts(sort=False)
    titles = counts.index.tolist()
    cache = EmbeddingCache(settings.layout.embedding_cache, embedder.get_embedder().model_id)
    with timed() as t:
        model = heavy_steps.encoder(context, embedder, cache.missing(titles))
        vectors, encoded = cache.embed(titles, model, progress_logger(context, "encoding titles"))
    frame = pd.DataFrame({
        "title_norm": titles,
        "text_hash": [text_hash(x) for x in titles],
        "n_posts": counts.to_numpy(),
        "vector": list(vectors),
    })
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(frame, ["title_norm", "n_posts"], model=model.model_id, device=model.device,
                                heavy_steps=heavy_steps.backend,
                                newly_encoded=encoded, from_cache=len(titles) - encoded, seconds=t["seconds"]),
    )
