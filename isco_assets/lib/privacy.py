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


_RANGE = re.compile(r"([\d.,]+)\s*-\s*([\d.,]+)")
_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")


def _is_range(text: str) -> bool:
    """'3000-4000', '9000-12000', '3.000-4.000': two amounts of about the same size."""
    match = _RANGE.fullmatch(text)
    if not match:
        return False
    left, right = (sum(ch.isdigit() for ch in side) for side in match.groups())
    return 3 <= left <= 7 and 3 <= right <= 7 and abs(left - right) <= 1


def _mask_phone(match: re.Match[str]) -> str:
    found = match.group(0)
    stripped = found.strip()
    if _DATE.fullmatch(stripped) or _is_range(stripped):
        return found
    digits = sum(ch.isdigit() for ch in found)
    return PHONE_MASK if 8 <= digits <= 15 else found


def mask_personal_data(text: str | None) -> str:
    """Replace e-mails, profile URLs and phone numbers by placeholders; other text is unchanged."""
    if not text:
        return ""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _PERSONAL_URL.sub(URL_MASK, text)
    return _PHONE.sub(_mask_phone, text)
