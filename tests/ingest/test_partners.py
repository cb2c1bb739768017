"""The partner registry, CV drops (personal data), and which versions of a changed file count."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from isco_assets.lib.config import ConfigError, load_config
from isco_assets.lib.ingest.drops import PartnerSpec, make_drop_id, read_drop
from isco_assets.lib.ingest.landing import current_versions
from isco_assets.lib.ingest.partners import PartnerRegistryError, load_partners

REGISTRY = """
partners:
  jobportal_posts:
    prefix: jobportal/posts
    format: csv
    delimiter: ";"
    encoding: latin-1
    columns: {job_title: titulo, job_desc: descricao, country: pais}
    language: es
    country_languages: {br: PT, my: ms}
  jobportal_cvs:
    kind: cvs
    prefix: jobportal/cvs/
    format: jsonl
    max_bytes: 1000000
    changed_files: add
"""


def test_registry_in_its_own_file_next_to_the_settings(tmp_path: Path) -> None:
    (tmp_path / "partners.yaml").write_text(REGISTRY)
    (tmp_path / "platform.yaml").write_text("languages: [en, es, pt]\npartners: partners.yaml\n")
    partners = load_config(tmp_path / "platform.yaml").partners
    assert list(partners) == ["generic", "jobportal_posts", "jobportal_cvs"]
    posts, cvs = partners["jobportal_posts"], partners["jobportal_cvs"]
    assert (posts.folder, cvs.folder, partners["generic"].folder) == ("jobportal/posts", "jobportal/cvs", "generic")
    assert posts.country_languages == {"BR": "pt", "MY": "ms"}
    assert posts.language_hint("br") == "pt" and posts.language_hint("ES") == "es"
    assert cvs.is_cv and not posts.is_cv and cvs.changed_files == "add" and cvs.max_bytes == 1_000_000


def test_inline_registry_and_the_generic_partner_always_present(tmp_path: Path) -> None:
    assert list(load_partners(None, tmp_path)) == ["generic"]
    partners = load_partners({"acme": {"columns": {"job_title": "Titel"}}}, tmp_path)
    assert partners["generic"] == PartnerSpec("generic") and partners["acme"].source_column("job_title") == "Titel"
    (tmp_path / "flat.yaml").write_text("acme: {kind: posts}\n")  # the mapping at the top level works too
    assert set(load_partners("flat.yaml", tmp_path)) == {"generic", "acme"}


@pytest.mark.parametrize(("registry", "message"), [
    ({"a__b": {}}, "single '_'"),
    ({"acme": {"kind": "resumes"}}, "kind 'resumes' is not one of"),
    ({"acme": {"format": "xlsx"}}, "format 'xlsx'"),
    ({"acme": {"changed_files": "ignore"}}, "changed_files"),
    ({"acme": {"columns": {"title": "Titel"}}}, "canonical names"),
    ({"acme": {"prefix": "generic"}}, "share folder 'generic'"),
    ({"acme": {"encodig": "latin-1"}}, "encodig"),
    ({"acme": ["not", "a", "mapping"]}, "expected a mapping"),
])
def test_registry_errors_name_the_partner_and_key(registry: dict, message: str, tmp_path: Path) -> None:
    with pytest.raises(PartnerRegistryError, match=message):
        load_partners(registry, tmp_path)


def test_a_missing_registry_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text("partners: nowhere.yaml\n")
    with pytest.raises(ConfigError, match="partner registry not found"):
        load_config(tmp_path / "platform.yaml")


CV_PARTNER = PartnerSpec("portal_cvs", kind="cvs", format="jsonl", language="en",
                         columns={"job_title": "title", "job_desc": "experience", "country": "market"},
                         country_languages={"MY": "ms"})


def test_a_cv_keeps_only_title_experience_country_and_language() -> None:
    rows = [
        {"full_name": "Ana Lima", "email": "ana@mail.example", "phone": "+55 11 91234-5678", "dob": "1991-02-03",
         "address": "Rua A 1", "title": "Enfermeira", "market": "BR", "company": "Hospital X",
         "experience": "8 anos em UTI; contato ana@mail.example", "url": "https://linkedin.com/in/ana"},
        {"full_name": "Ali", "email": "ali@mail.example", "title": "Kerani", "market": "my", "language": ""},
        {"full_name": "Bo", "email": "bo@mail.example", "title": "", "experience": "call +60 12 345 6789"},
    ]
    data = "\n".join(json.dumps(r) for r in rows).encode() + b'\n{"full_name": "Cy", broken\n'
    result = read_drop(data, "cvs.jsonl", CV_PARTNER, "portal_cvs__cvs.jsonl__0123456789")
    assert result.rows_read == 4 and result.reconciles
    first, second = result.accepted.to_dict("records")
    assert first["job_title"] == "Enfermeira" and first["country"] == "BR" and first["language"] == "en"
    assert first["job_desc"] == "8 anos em UTI; contato [EMAIL]"
    assert first["company"] == first["url"] == first["posted_at"] == ""
    assert second["language"] == "ms"  # the country's hint
    stored = result.accepted.to_csv() + result.quarantined.to_csv()
    for value in ("Ana Lima", "ana@mail.example", "91234", "1991-02-03", "Rua A 1", "Hospital X", "linkedin",
                  "Ali", "bo@mail.example", "345 6789", "Cy"):
        assert value not in stored
    reasons = dict(zip(result.quarantined["row_number"], result.quarantined["raw"], strict=True))
    assert json.loads(reasons[3]) == {"job_title": "", "job_desc": "call [PHONE]", "country": "", "language": ""}
    assert reasons[4] == ""  # an unparseable CV row keeps nothing


def test_only_the_latest_version_of_a_replaced_file_counts() -> None:
    partners = {"generic": PartnerSpec("generic"), "logs": PartnerSpec("logs", changed_files="add")}
    v1, v2 = make_drop_id("generic", "a.csv", "1" * 64), make_drop_id("generic", "a.csv", "2" * 64)
    other = make_drop_id("generic", "b.csv", "3" * 64)
    l1, l2 = make_drop_id("logs", "day.csv", "4" * 64), make_drop_id("logs", "day.csv", "5" * 64)
    gone = make_drop_id("retired", "x.csv", "6" * 64)
    assert current_versions([v1, other, l1, v2, l2, gone], partners) == {v2, other, l1, l2, gone}
