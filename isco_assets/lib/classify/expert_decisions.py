"""How expert decisions change coding: the titles experts accepted or merged join the index, and posts they
recoded take the expert's unit group. The decisions themselves are read from returned workbooks in
``lib/feedback/feedback.py``; this is the coder's side of the loop, so coding never depends on the workbook."""

from __future__ import annotations

import pandas as pd

from isco_assets.lib.classify.coder import LEVELS
from isco_assets.lib.classify.index_sources import INDEX_COLUMNS
from isco_assets.lib.classify.taxonomy import IscoTaxonomy
from isco_assets.lib.prepare.text import coding_text, normalize_title

FEEDBACK = "feedback"  # the "partner" of feedback files in file ids, and the source and kind of their labels


def with_feedback_labels(labels: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """The index labels plus the titles experts accepted or merged (source and kind "feedback", the file as
    version) and the titles of posts they recoded (kind "coded_post", read as the coder reads titles),
    deduplicated per (code, normalized label) with the configured labels first."""
    rows = []
    for d in decisions[decisions["decision"].isin(("accept", "merge"))].itertuples(index=False):
        titles = [d.title, d.name, *d.example_titles] if d.decision == "merge" else [d.title]
        rows += [{"code": d.isco_code, "label": t, "label_norm": normalize_title(t), "source": FEEDBACK,
                  "language": "", "kind": FEEDBACK, "concept": d.isco_code, "version": d.file, "weight": 1.0}
                 for t in titles]
    for d in decisions[(decisions["decision"] == "recode") & (decisions["title"] != "")].itertuples(index=False):
        rows.append({"code": d.isco_code, "label": d.title, "label_norm": coding_text(d.title), "source": FEEDBACK,
                     "language": "", "kind": "coded_post", "concept": coding_text(d.title), "version": d.file,
                     "weight": 1.0})
    extra = pd.DataFrame(rows, columns=list(INDEX_COLUMNS)).reindex(columns=labels.columns, fill_value="")
    extra = extra[extra["label_norm"] != ""]
    combined = pd.concat([labels, extra], ignore_index=True) if len(extra) else labels
    return combined.drop_duplicates(subset=["code", "label_norm"]).reset_index(drop=True)


def apply_recodes(codes: pd.DataFrame, decisions: pd.DataFrame | None, taxonomy: IscoTaxonomy) -> pd.DataFrame:
    """Posts an expert recoded take the expert's unit group (``code_source`` "expert", no review needed);
    the model's top-k stay beside it. No ``decisions`` (a benchmark): every code is the model's.

    A recode names its post by ``post_key``; one decided before posts had that key names a ``post_id``, and
    applies only where that id is one post's (a partner's ids repeat across drops: another post is never recoded).
    """
    out = codes.assign(code_source="model")
    if decisions is None:
        return out
    recodes = decisions[decisions["decision"] == "recode"]
    keyed = recodes["post_key"].fillna("") != "" if "post_key" in recodes else pd.Series(False, index=recodes.index)
    target = pd.Series(pd.NA, index=out.index, dtype=object)
    if "post_key" in out:
        target = out["post_key"].map(recodes[keyed].set_index("post_key")["isco_code"])
    by_id = recodes[~keyed].set_index("post_id")["isco_code"]
    unambiguous = ~out["post_id"].duplicated(keep=False)
    target = target.fillna(out["post_id"].where(unambiguous).map(by_id))
    hit = target.notna()
    if hit.any():
        target = target[hit].astype(str)
        out.loc[hit, "isco_code"] = target
        out.loc[hit, "isco_title"] = target.map(taxonomy.title)
        out.loc[hit, "nec_flag"] = target.map(taxonomy.is_nec)
        out.loc[hit, "needs_review"] = False
        out.loc[hit, "code_source"] = "expert"
        for digits, level in LEVELS.items():  # the expert's group at every level, for sure
            out.loc[hit, f"{level}_group"] = target.str[:digits]
            out.loc[hit, f"{level}_share"] = 1.0
    return out
