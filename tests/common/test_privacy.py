"""Masking personal data: contact details go, employer URLs, salaries and years stay."""

from __future__ import annotations

import pytest

from isco_assets.lib.common.privacy import EMAIL_MASK, PHONE_MASK, URL_MASK, mask_personal_data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Send CV to jane.doe+jobs@example.co.uk today", f"Send CV to {EMAIL_MASK} today"),
        ("Contact: mailto:hr@acme.com.", f"Contact: {EMAIL_MASK}."),
        ("RH: Recursos.Humanos@empresa.com.br ou vagas@empresa.com.br",
         f"RH: {EMAIL_MASK} ou {EMAIL_MASK}"),
    ],
)
def test_emails_are_masked(text: str, expected: str) -> None:
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",  # UK
        "+1 (555) 123-4567",  # US international
        "555-123-4567",  # US local
        "(11) 98765-4321",  # Brazil
        "11 98765-4321",  # Brazil without brackets
        "02 1234 5678",  # Italy
        "+39 02 1234 5678",  # Italy international
        "55 1234 5678",  # Mexico
        "012-345 6789",  # Malaysia mobile
        "+60 12-345 6789",  # Malaysia international
        "0049 30 12345678",  # Germany with 00 prefix
        "+34 912.345.678",  # Spain with dots
    ],
)
def test_phone_numbers_are_masked(phone: str) -> None:
    assert mask_personal_data(f"Call {phone} now") == f"Call {PHONE_MASK} now"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.linkedin.com/in/jane-doe-123",
        "linkedin.com/in/jane-doe",
        "https://facebook.com/jane.doe",
        "http://fb.com/profile.php?id=1234",
        "https://wa.me/60123456789",
        "https://api.whatsapp.com/send?phone=60123456789",
        "https://t.me/janedoe",
        "https://instagram.com/jane.doe",
    ],
)
def test_personal_urls_are_masked(url: str) -> None:
    assert mask_personal_data(f"see {url} for details") == f"see {URL_MASK} for details"


@pytest.mark.parametrize(
    "text",
    [
        "Apply at https://www.acme.com/careers/12345",
        "Salary 3000-4000 EUR",
        "Salary 3000 - 4000 per month",
        "Salario 25000-30000 MXN",
        "RM 2500-3500 per month",
        "Founded in 1998, since 2015 in Lisbon",
        "Contract 2024-2025",
        "20-30 hours a week, 5 years of experience",
        "ISO 9001:2015 certified",
        "Start 01/05/2024",
        "Java 17, Python 3.12, 8 GB RAM",
    ],
)
def test_ordinary_numbers_and_company_urls_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text


def test_mixed_text() -> None:
    text = ("Senior Nurse at https://clinic.example/jobs. Salary 3000-4000. Call +44 20 7946 0958 or "
            "mail nurse.jobs@clinic.example, linkedin.com/in/recruiter-x")
    assert mask_personal_data(text) == (
        f"Senior Nurse at https://clinic.example/jobs. Salary 3000-4000. Call {PHONE_MASK} or "
        f"mail {EMAIL_MASK}, {URL_MASK}"
    )


@pytest.mark.parametrize("text", [None, ""])
def test_empty(text: str | None) -> None:
    assert mask_personal_data(text) == ""


@pytest.mark.parametrize("text", ["Posted 2024-05-01", "Start 01.05.2024"])
def test_dates_are_not_phone_numbers(text: str) -> None:
    assert mask_personal_data(text) == text


@pytest.mark.parametrize("text", ["Salary 9000-12000", "Salary 3.000-4.000 EUR"])
def test_uneven_salary_ranges_are_kept(text: str) -> None:
    assert mask_personal_data(text) == text
