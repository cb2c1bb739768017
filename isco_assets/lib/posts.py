"""Post-level preparation: union and deduplication of drops, masking, language, cleaning."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from isco_assets.lib.drops import ACCEPTED_COLUMNS
from isco_assets.lib.language import LanguageDetector
from isco_assets.lib.privacy import mask_personal_data
from isco_assets.lib.text import clean_text, coding_title, normalize_title

DETECT_CHARS = 400


@dataclass(frozen=True)
class UnionStats:
    rows_in: int
    duplicates_removed: int
    rows_out: int


def content_key(frame: pd.DataFrame) -> pd.Series:
    """Hash of what makes two posts the same ad: title, description, company and country."""
    parts = [frame[c].astype(str).str.strip().str.lower() for c in ("job_title", "job_desc", "company", "country")]
    joined = parts[0].str.cat(parts[1:], sep="\x1f")
    return joined.map(lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest()[:16])


def union_posts(raw: pd.DataFrame, detector: LanguageDetector) -> tuple[pd.DataFrame, UnionStats]:
    """Accepted rows of all drops, exact duplicates removed (first delivery wins), personal data
    masked, language detected with the partner's hint as fallback."""
    if raw.empty:
        raw = pd.DataFrame(columns=list(ACCEPTED_COLUMNS))
    frame = raw.sort_values(["drop_id", "row_number"], kind="stable").reset_index(drop=True)
    frame["content_hash"] = content_key(frame) if len(frame) else pd.Series(dtype=str)
    deduped = frame.drop_duplicates("content_hash").reset_index(drop=True)
    deduped["job_title"] = deduped["job_title"].map(mask_personal_data)
    deduped["job_desc"] = deduped["job_desc"].map(mask_personal_data)
    sample = (deduped["job_title"] + ". " + deduped["job_desc"].str.slice(0, DETECT_CHARS)).tolist()
    detections = detector.detect(sample, deduped["language"].tolist())
    deduped = deduped.rename(columns={"language": "language_hint"})
    deduped["language"] = [d.language for d in detections]
    deduped["language_confidence"] = [d.confidence for d in detections]
    deduped["language_method"] = [d.method for d in detections]
    stats = UnionStats(len(frame), len(frame) - len(deduped), len(deduped))
    return deduped, stats


def clean_posts(translated: pd.DataFrame) -> pd.DataFrame:
    """The pilot's cleaned text plus a normalized title; the original columns stay beside them."""
    frame = translated.copy()
    # stop words of the language the text is in now: the target language where it was translated
    frame["title_clean"] = [clean_text(t, lang) for t, lang in zip(frame["title_en"], frame["title_language"],
                                                                   strict=True)]
    frame["desc_clean"] = [clean_text(t, lang) for t, lang in zip(frame["desc_en"], frame["desc_language"],
                                                                  strict=True)]
    frame["title_norm"] = frame["title_en"].map(normalize_title)
    # a title made only of noise words keeps its lower-cased original rather than becoming empty
    empty = frame["title_norm"] == ""
    frame.loc[empty, "title_norm"] = frame.loc[empty, "job_title"].str.lower().str.strip()
    # what the coder reads: every segment of the title, not only the first that grouping keys on
    frame["title_code"] = frame["title_en"].map(coding_title).where(lambda s: s != "", frame["title_norm"])
    return frame
