"""Prepare: translation (pass-through by default) and the pilot's cleaning with normalized titles."""


import dagster as dg
import pandas as pd

from isco_assets.defs.metadata import table_metadata, timed
from isco_assets.lib.posts import clean_posts as clean
from isco_assets.resources.services import TranslatorResource

GROUP = "prepare"


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="Posts with title and description in the target language (title_en, desc_en) and a flag "
    "saying whether a translation happened; the offline default passes text through.",
)
def translated_posts(translator: TranslatorResource, job_posts: pd.DataFrame) -> dg.MaterializeResult:
    with timed() as t:
        frame = job_posts.copy()
        languages = frame["language"].tolist()
        frame["title_en"], title_done = translator.translate(frame["job_title"].tolist(), languages)
        frame["desc_en"], desc_done = translator.translate(frame["job_desc"].tolist(), languages)
        frame["translated"] = [a or b for a, b in zip(title_done, desc_done, strict=True)]
        frame["translator"] = translator.translator_id
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(frame, ["post_id", "language", "job_title", "title_en", "translated"],
                                translated=int(frame["translated"].sum()), seconds=t["seconds"]),
    )


@dg.asset(
    group_name=GROUP,
    automation_condition=dg.AutomationCondition.eager(),
    description="The ILO pilot's cleaning (lower case, HTML stripped, stop words removed per language) and a "
    "normalized title without seniority, gender markers, locations and codes; originals kept beside.",
)
def clean_posts(translated_posts: pd.DataFrame) -> dg.MaterializeResult:
    with timed() as t:
        frame = clean(translated_posts)
    return dg.MaterializeResult(
        value=frame,
        metadata=table_metadata(frame, ["post_id", "job_title", "title_norm", "title_clean"],
                                unique_titles=int(frame["title_norm"].nunique()), seconds=t["seconds"]),
    )
