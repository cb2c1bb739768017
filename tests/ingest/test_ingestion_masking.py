"""Masking is a property of ingestion: every free-text column of an accepted post is masked, a posting's public
URL stays and a profile URL does not, and every post gets a key unique across drops."""

from __future__ import annotations

import pandas as pd
import pytest

from isco_assets.lib.classify.expert_decisions import apply_recodes
from isco_assets.lib.classify.taxonomy import load_taxonomy
from isco_assets.lib.common.privacy import FREE_TEXT_COLUMNS, mask_personal_data
from isco_assets.lib.feedback.feedback import decisions_in_force
from isco_assets.lib.ingest.drops import ACCEPTED_COLUMNS
from isco_assets.lib.prepare import posts
from isco_assets.lib.prepare.language import LanguageDetector

PLANTED = ("ana.lima@example.com", "+34 612 345 678", "linkedin.com/in/ana-lima", "https://jobs.example.com/profile/ana")


@pytest.fixture
def detector() -> LanguageDetector:
    return LanguageDetector(("en", "es"))


def planted_drop(drop_id: str) -> pd.DataFrame:
    row = {"drop_id": drop_id, "partner": "generic", "row_number": 1, "language": "en", "posted_at": "2026-01-01"}
    row |= {column: f"{column} " + " ".join(PLANTED) for column in FREE_TEXT_COLUMNS}
    return pd.DataFrame([row])[list(ACCEPTED_COLUMNS)]


def test_every_free_text_column_is_masked_at_ingestion() -> None:
    stored = posts.masked_drop(planted_drop("generic__a__0123456789"))
    text = " ".join(stored.astype(str).to_numpy().ravel())
    for value in PLANTED:
        assert value not in text
    assert stored.loc[0, "company"] == "company [EMAIL] [PHONE] [URL] [URL]"


def test_a_postings_public_url_stays_and_a_profile_url_is_masked() -> None:
    assert mask_personal_data("https://jobs.example.com/ofertas/123") == "https://jobs.example.com/ofertas/123"
    assert mask_personal_data("https://example.com/jobs/cook-madrid") == "https://example.com/jobs/cook-madrid"
    for profile in ("https://www.linkedin.com/in/ana", "https://jobs.example.com/profile/ana-lima",
                    "https://talent.example.org/candidates/991", "https://example.com/cv/ana"):
        assert mask_personal_data(profile) == "[URL]"


def test_post_keys_are_unique_across_drops_that_reuse_post_ids() -> None:
    first, second = planted_drop("generic__a__0000000001"), planted_drop("generic__b__0000000002")
    stored = pd.concat([posts.masked_drop(first), posts.masked_drop(second)], ignore_index=True)
    assert stored["post_id"].nunique() == 1
    assert stored["post_key"].tolist() == ["generic__a__0000000001:1", "generic__b__0000000002:1"]


def test_drops_stored_before_keys_and_full_masking_are_keyed_and_masked_in_the_union(detector) -> None:
    old = planted_drop("generic__a__0000000001").assign(content_hash="abc")  # stored by the old masked_drop
    union, _ = posts.union_posts(old, detector)
    assert union.loc[0, "post_key"] == "generic__a__0000000001:1"
    assert union.loc[0, "content_hash"] == "abc"
    assert "ana.lima@example.com" not in union.loc[0, "company"]


def test_a_recode_by_post_key_recodes_that_post_only_and_an_old_one_by_post_id_where_unambiguous() -> None:
    taxonomy = load_taxonomy()
    codes = pd.DataFrame({"post_id": ["p1", "p1", "p2"], "post_key": ["a:1", "b:1", "a:2"],
                          "isco_code": ["2512", "2512", "2221"], "isco_title": "", "nec_flag": False,
                          "needs_review": True})
    log = pd.DataFrame({  # two decisions by post_id, stored before post_key: one ambiguous, one not
        "file": "old", "row": [1, 2], "subject": ["post:p1", "post:p2"], "kind": "post", "decision": "recode",
        "isco_code": ["8344", "3221"], "post_id": ["p1", "p2"], "decided_at": pd.Timestamp("2026-01-01", tz="UTC"),
        "received_at": pd.Timestamp("2026-01-01", tz="UTC")})
    log = log.reindex(columns=[*log.columns, "file_name", "sheet", "title", "name", "example_titles",
                                                          "cluster_id", "n_posts", "reviewer", "note"])
    out = apply_recodes(codes, decisions_in_force(log), taxonomy).set_index("post_key")
    assert out.loc[["a:1", "b:1"], "code_source"].tolist() == ["model", "model"], "p1 is two posts"
    assert (out.loc["a:2", "isco_code"], out.loc["a:2", "code_source"]) == ("3221", "expert")

    keyed = log.assign(post_key=["b:1", ""], subject=["post:b:1", "post:p2"])
    out = apply_recodes(codes, decisions_in_force(keyed), taxonomy).set_index("post_key")
    assert out["code_source"].tolist() == ["model", "expert", "expert"]
    assert out.loc["b:1", "isco_code"] == "8344"
