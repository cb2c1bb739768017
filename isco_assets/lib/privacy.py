"""Masking of personal data (e-mails, phone numbers, personal URLs) before text is stored."""

from __future__ import annotations

import re

EMAIL_MASK = "[EMAIL]"
PHONE_MASK = "[PHONE]"
URL_MASK = "[URL]"

_EMAIL = re.compile(r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# Profile-like URLs point at a person, not at an employer.
_PERSONAL_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:linkedin\.com/in|facebook\.com|fb\.com|instagram\.com|twitter\.com|x\.com"
    r"|t\.me|wa\.me|api\.whatsapp\.com|github\.com|tiktok\.com/@)[^\s<>\"')]*",
    re.IGNORECASE,
)
# International or local numbers with at least 8 digits, allowing spaces, dots, dashes, brackets.
_PHONE = re.compile(r"(?<![\w/.-])(?:\+|00)?\(?\d[\d\s().-]{6,}\d(?![\w/-])")


_RANGE = re.compile(r"(\d+)\s*-\s*(\d+)")


def _mask_phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in found)
    numeric_range = _RANGE.fullmatch(found.strip())
    if numeric_range and len(numeric_range.group(1)) == len(numeric_range.group(2)):
        return found  # "3000-4000" is a salary range, not a phone number
    return PHONE_MASK if 8 <= digits <= 15 else found


def mask_personal_data(text: str | None) -> str:
    """Replace e-mails, profile URLs and phone numbers by placeholders; other text is unchanged."""
    if not text:
        return ""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PERSONAL_URL.sub(URL_MASK, text)
    return _PHONE.sub(_mask_phone, text)
