"""Prepare: translation (pass-through by default) and the pilot's cleaning with normalized titles."""

import dagster as dg
import numpy as np
import pandas as pd

from isco_assets.defs.metadata import table_metadata, timed
from isco_assets.lib.prepare.posts import clean_posts as clean
from isco_assets.resources.settings import PlatformSettings
from isco_assets.resources.translator import TranslatorResource

GROUP = "prepare"


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="Posts with title and description in the target language (title_en, desc_en), the language "
    "each is now in (title_language, desc_language) and whether a translation happened; the offline default "
    "passes text through. Metadata: characters sent, cache hits, requests, retries and cost; texts the service "
    "could not translate are kept as they are (untranslated_texts, translator_error, and a warning in the log).",
)
def translated_posts(
    context: dg.AssetExecutionContext, translator: TranslatorResource, job_posts: pd.DataFrame
) -> dg.MaterializeResult:
    with timed() as t:
        frame = job_posts.copy()
        languages = frame["language"].tolist()
        done = translator.translate_posts(frame["job_title"].tolist(), frame["job_desc"].tolist(), languages)
        target = translator.target_language
        frame["title_en"], frame["desc_en"] = done.titles, done.descriptions
        title_done = np.asarray(done.title_translated, dtype=bool)
        desc_done = np.asarray(done.description_translated, dtype=bool)
        original = np.asarray(languages, dtype=object)
        frame["title_language"] = np.where(title_done, target, original)
        frame["desc_language"] = np.where(desc_done, target, original)
        frame["translated"] = title_done | desc_done
        frame["translator"] = translator.translator_id
    if done.stats.untranslated_texts:
        context.log.warning(f"{done.stats.untranslated_texts} of {done.stats.texts} texts could not be translated "
                            f"and are coded as they are (translated = false): {done.stats.translator_error}")
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(frame, ["post_id", "language", "job_title", "title_en", "translated"],
                                translated=int(frame["translated"].sum()), seconds=t["seconds"],
                                translator=translator.translator_id, **done.stats.as_metadata()),
    )


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="The ILO pilot's cleaning of the description (lower case, HTML stripped, stop words removed per "
    "language) and the title normalized without seniority, gender markers, locations and codes, for grouping "
    "(title_norm) and for coding (title_code); originals kept beside. Cleaned "
    "texts are cached by (text, language) under cache/cleaning/, so a new drop cleans only its new texts "
    "(metadata: texts_cleaned).",
)
def clean_posts(settings: PlatformSettings, translated_posts: pd.DataFrame) -> dg.MaterializeResult:
    with timed() as t:
        frame, cleaned = clean(translated_posts, settings.layout.cleaning_cache)
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(frame, ["post_id", "job_title", "title_norm", "title_code"],
                                unique_titles=int(frame["title_norm"].nunique()), texts_cleaned=cleaned,
                                seconds=t["seconds"]),
    )
