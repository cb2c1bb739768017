"""Post-level preparation: masking each drop, union and deduplication of drops, language, cleaning.

The steps that read every post on every new drop pay only for what is new: masking happens once per drop, at
ingestion (``masked_drop``), and language detection and cleaning are cached by text (``TextCache``), so a drop
of 10k posts on top of a million masks, detects and cleans about 10k posts' texts.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from isco_assets.lib.common.privacy import FREE_TEXT_COLUMNS, mask_personal_data
from isco_assets.lib.ingest.drops import ACCEPTED_COLUMNS
from isco_assets.lib.prepare import stopwords, text
from isco_assets.lib.prepare.language import LanguageDetector
from isco_assets.lib.prepare.text import clean_text, coding_title, normalize_title
from isco_assets.lib.prepare.text_cache import TextCache

STORED_COLUMNS: tuple[str, ...] = (*ACCEPTED_COLUMNS, "content_hash", "post_key")
_KEY_SEP = "\x1f"  # between a language code and a text in the cleaning cache's keys


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


def post_keys(frame: pd.DataFrame) -> pd.Series:
    """The platform's key of each post, ``<drop id>:<row number>``: unique across drops and partners, where a
    partner's ``post_id`` is not (two drops may reuse an id for other posts), so a recode applies to one post."""
    return frame["drop_id"].astype(str) + ":" + frame["row_number"].astype(str)


def masked_drop(accepted: pd.DataFrame) -> pd.DataFrame:
    """A drop's accepted rows as ``raw_job_posts`` stores them: keyed by the post as delivered (``content_hash``)
    and by its place in the drop (``post_key``), then e-mails, phone numbers and personal URLs masked in every
    free-text column (``FREE_TEXT_COLUMNS``).

    Masking once per drop means a new drop never re-masks the posts before it; hashing before masking keeps
    apart two ads that differ only in their contact details, as when the union masked."""
    frame = accepted.copy()
    frame["content_hash"] = content_key(frame) if len(frame) else pd.Series(dtype=str)
    frame["post_key"] = post_keys(frame) if len(frame) else pd.Series(dtype=str)
    for column in FREE_TEXT_COLUMNS:
        frame[column] = frame[column].map(mask_personal_data)
    return frame


def union_posts(raw: pd.DataFrame, detector: LanguageDetector) -> tuple[pd.DataFrame, UnionStats]:
    """Rows of all drops as ``masked_drop`` stored them, exact duplicates removed (first delivery wins),
    language detected with the partner's hint as fallback."""
    frame = raw if len(raw) else pd.DataFrame(columns=list(STORED_COLUMNS))
    unkeyed = frame["post_key"].isna() if "post_key" in frame else pd.Series(True, index=frame.index)
    if unkeyed.any():  # drops stored before ingestion masked every free-text column and keyed posts
        stale = frame[unkeyed]
        masked = masked_drop(stale.drop(columns=["content_hash", "post_key"], errors="ignore"))
        if "content_hash" in stale:  # masking is idempotent, but a hash taken before masking is kept
            masked["content_hash"] = stale["content_hash"].fillna(masked["content_hash"])
        frame = pd.concat([frame[~unkeyed], masked])
    frame = frame.sort_values(["drop_id", "row_number"], kind="stable").reset_index(drop=True)
    deduped = frame.drop_duplicates("content_hash").reset_index(drop=True)
    detections = detector.detect_posts(deduped["job_title"].tolist(), deduped["job_desc"].tolist(),
                                       deduped["language"].tolist())
    deduped = deduped.rename(columns={"language": "language_hint"})
    deduped["language"] = [d.language for d in detections]
    deduped["language_confidence"] = [d.confidence for d in detections]
    deduped["language_method"] = [d.method for d in detections]
    stats = UnionStats(len(frame), len(frame) - len(deduped), len(deduped))
    return deduped, stats


def clean_posts(translated: pd.DataFrame, cache_root: Path | None = None) -> tuple[pd.DataFrame, int]:
    """The pilot's cleaned description (``desc_clean``) and the title in the two forms the platform reads: grouped
    (``title_norm``, what clusters and candidates key on) and coded (``title_code``, every segment the coder reads);
    the original columns beside them; and how many distinct texts were cleaned now. Each distinct text is cleaned
    once, and with ``cache_root`` once across runs: a new drop cleans only its own new texts."""
    frame = translated.copy()
    folder = _cleaning_folder(cache_root) if cache_root is not None else None
    # stop words of the language the text is in now: the target language where it was translated
    descriptions = frame["desc_en"].fillna("").astype(str)
    languages = frame["desc_language"].fillna("").astype(str)
    cleaned, n_clean = TextCache(folder / "clean" if folder else None).get(
        (languages + _KEY_SEP + descriptions).tolist(), _clean)
    frame["desc_clean"] = cleaned["clean"].to_numpy()
    titles, n_titles = TextCache(folder / "titles" if folder else None).get(
        frame["title_en"].fillna("").astype(str).tolist(), _title_forms)
    frame["title_norm"] = titles["norm"].to_numpy()
    # a title made only of noise words keeps its lower-cased original rather than becoming empty
    empty = frame["title_norm"] == ""
    frame.loc[empty, "title_norm"] = frame.loc[empty, "job_title"].str.lower().str.strip()
    # what the coder reads: every segment of the title, not only the first that grouping keys on
    frame["title_code"] = pd.Series(titles["code"].to_numpy(), index=frame.index).where(lambda s: s != "",
                                                                                         frame["title_norm"])
    return frame, n_clean + n_titles


def _clean(keys: list[str]) -> pd.DataFrame:
    pairs = (key.partition(_KEY_SEP) for key in keys)
    return pd.DataFrame({"clean": [clean_text(t, lang) for lang, _, t in pairs]}, dtype=object)


def _title_forms(titles: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"norm": [normalize_title(t) for t in titles], "code": [coding_title(t) for t in titles]},
                        dtype=object)


def _cleaning_folder(cache_root: Path) -> Path:
    """``cache_root/<version>``, the version a hash of the cleaning code (text.py, stopwords.py): changing either
    starts a new cache, and the folders of other versions are removed."""
    digest = hashlib.sha1()
    for module in (text, stopwords):
        digest.update(Path(module.__file__).read_bytes())
    folder = Path(cache_root) / digest.hexdigest()[:16]
    if cache_root.is_dir():
        for stale in cache_root.iterdir():
            if stale != folder and stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
    return folder
