"""Masking per drop, the union of drops and cleaning through its cache: a new drop pays only for its own texts,
and the results are those of masking and cleaning every post again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import isco_assets.lib.prepare.posts as posts
from isco_assets.lib.common.privacy import FREE_TEXT_COLUMNS, mask_personal_data
from isco_assets.lib.ingest.drops import ACCEPTED_COLUMNS
from isco_assets.lib.prepare.language import LanguageDetector
from isco_assets.lib.prepare.text import clean_text, coding_title, normalize_title


def drop(drop_id: str, rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    """Accepted rows of one drop: (title, description, language hint)."""
    frame = pd.DataFrame([
        {"drop_id": drop_id, "partner": "generic", "row_number": i + 1, "post_id": f"{drop_id}:{i + 1}",
         "job_title": title, "job_desc": desc, "company": "Acme", "country": "ES", "language": hint,
         "posted_at": "2026-01-01", "url": ""}
        for i, (title, desc, hint) in enumerate(rows)
    ])
    return frame[list(ACCEPTED_COLUMNS)].astype({"row_number": "int64"})


FIRST = drop("a", [
    ("Enfermera (m/f) - Madrid", "Cuidar pacientes. Escribe a ana@example.com o llama al +34 612 345 678", "es"),
    ("Senior Java Developer", "Build <b>services</b>; see linkedin.com/in/someone", "en"),
    ("Enfermera (m/f) - Madrid", "Cuidar pacientes. Escribe a ana@example.com o llama al +34 612 345 679", "es"),
    ("Cook", "Cook meals for the staff canteen", "en"),
])
SECOND = drop("b", [
    ("Senior Java Developer", "Build <b>services</b>; see linkedin.com/in/someone", "en"),  # a re-post of a's
    ("Drone Pilot", "Fly drones over the fields and map the crops", "en"),
    ("Cook", "Cook meals for the staff canteen", "en"),  # a re-post of a's
    ("Cocinero/a", "Cocinar para el comedor de la empresa", "es"),
])


@pytest.fixture
def detector() -> LanguageDetector:
    return LanguageDetector(("en", "es"))


def test_a_drop_is_keyed_as_delivered_then_masked() -> None:
    stored = posts.masked_drop(FIRST)
    assert stored["content_hash"].tolist() == posts.content_key(FIRST).tolist()
    assert stored["job_desc"].tolist() == FIRST["job_desc"].map(mask_personal_data).tolist()
    assert "@example.com" not in " ".join(stored["job_desc"]) and "[PHONE]" in stored["job_desc"][0]
    # two ads that differ only in a phone number are the same once masked, but stay two posts
    assert stored["job_desc"][0] == stored["job_desc"][2] and stored["content_hash"][0] != stored["content_hash"][2]
    assert posts.masked_drop(FIRST.iloc[:0])["content_hash"].tolist() == []


def test_union_of_masked_drops_is_the_union_of_drops_stored_before_masking_moved(detector) -> None:
    raw = pd.concat([FIRST, SECOND], ignore_index=True)
    stored = pd.concat([posts.masked_drop(FIRST), posts.masked_drop(SECOND)], ignore_index=True)
    mixed = pd.concat([FIRST, posts.masked_drop(SECOND)], ignore_index=True)  # a drop stored the old way
    union, stats = posts.union_posts(stored, detector)
    assert (stats.rows_in, stats.duplicates_removed, stats.rows_out) == (8, 2, 6)
    assert union["post_id"].tolist() == ["a:1", "a:2", "a:3", "a:4", "b:2", "b:4"], "first delivery wins"
    assert "@example.com" not in " ".join(union["job_desc"])
    for other in (raw, mixed):
        again, again_stats = posts.union_posts(other, detector)
        pd.testing.assert_frame_equal(again, union)
        assert again_stats == stats
    assert len(posts.union_posts(pd.DataFrame(), detector)[0]) == 0


def test_a_new_drop_masks_only_its_own_rows(monkeypatch: pytest.MonkeyPatch, detector) -> None:
    stored_first = posts.masked_drop(FIRST)
    masked: list[str] = []
    monkeypatch.setattr(posts, "mask_personal_data", lambda text: masked.append(text) or mask_personal_data(text))
    stored_second = posts.masked_drop(SECOND)
    posts.union_posts(pd.concat([stored_first, stored_second], ignore_index=True), detector)
    assert sorted(masked) == sorted(v for c in FREE_TEXT_COLUMNS for v in SECOND[c])


def translated(frame: pd.DataFrame) -> pd.DataFrame:
    """What the pass-through translation makes of the union."""
    return frame.assign(title_en=frame["job_title"], desc_en=frame["job_desc"], title_language=frame["language"],
                        desc_language=frame["language"])


def reference_cleaning(frame: pd.DataFrame) -> pd.DataFrame:
    """Every post cleaned on its own, as the pipeline did before the cache."""
    out = frame.copy()
    out["desc_clean"] = [clean_text(t, lang) for t, lang in zip(out["desc_en"], out["desc_language"], strict=True)]
    out["title_norm"] = out["title_en"].map(normalize_title)
    empty = out["title_norm"] == ""
    out.loc[empty, "title_norm"] = out.loc[empty, "job_title"].str.lower().str.strip()
    out["title_code"] = out["title_en"].map(coding_title).where(lambda s: s != "", out["title_norm"])
    return out


def test_cleaning_equals_cleaning_every_post(detector) -> None:
    union, _ = posts.union_posts(posts.masked_drop(pd.concat([FIRST, SECOND], ignore_index=True)), detector)
    frame = translated(union)
    frame.loc[1, "title_en"] = "2024 - Urgent"  # only noise: the title falls back to the original, lower-cased
    frame.loc[2, "desc_language"] = None
    cleaned, computed = posts.clean_posts(frame)
    pd.testing.assert_frame_equal(cleaned, reference_cleaning(frame))
    assert cleaned.loc[1, "title_norm"] == "senior java developer"
    # distinct (language, text) pairs of descriptions, plus distinct titles
    pairs = set(zip(frame["desc_language"].fillna(""), frame["desc_en"], strict=True))
    assert computed == len(pairs) + frame["title_en"].nunique()


def test_a_new_drop_cleans_only_its_new_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, detector) -> None:
    first, _ = posts.union_posts(posts.masked_drop(FIRST), detector)
    posts.clean_posts(translated(first), tmp_path)
    both, _ = posts.union_posts(pd.concat([posts.masked_drop(FIRST), posts.masked_drop(SECOND)]), detector)
    calls: list[str] = []
    monkeypatch.setattr(posts, "clean_text", lambda text, lang: calls.append(text) or clean_text(text, lang))
    cleaned, computed = posts.clean_posts(translated(both), tmp_path)
    new = both[both["drop_id"] == "b"]
    assert sorted(calls) == sorted(new["job_desc"]), "only drop b's posts are cleaned"
    assert computed == len(new) + len(new)  # their descriptions and title forms
    pd.testing.assert_frame_equal(cleaned, reference_cleaning(translated(both)))
    calls.clear()
    assert posts.clean_posts(translated(both), tmp_path)[1] == 0 and calls == []


def test_the_cleaning_cache_belongs_to_the_cleaning_code(tmp_path: Path, detector) -> None:
    stale = tmp_path / "0123456789abcdef"  # the cache of an earlier version of text.py or stopwords.py
    (stale / "clean").mkdir(parents=True)
    union, _ = posts.union_posts(posts.masked_drop(FIRST), detector)
    posts.clean_posts(translated(union), tmp_path)
    [current] = list(tmp_path.iterdir())
    assert current != stale and {p.name for p in current.iterdir()} == {"clean", "titles"}
