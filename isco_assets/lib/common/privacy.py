"""Masking of personal data (e-mails, phone numbers, personal URLs) before text is stored, and of names too
before text leaves the machine."""

from __future__ import annotations

import re

EMAIL_MASK = "[EMAIL]"
PHONE_MASK = "[PHONE]"
URL_MASK = "[URL]"

_EMAIL = re.compile(r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# Profile-like URLs point at a person, not at an employer.
_PERSONAL_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:linkedin\.com/in|facebook\.com|fb\.com|instagram\.com|twitter\.com|x\.com"
    r"|t\.me|wa\.me|api\.whatsapp\.com|github\.com|tiktok\.com/@)[^\s<>\"')]*"
    # a profile or CV page on any site ("https://jobs.example.com/profile/ana-lima"); a posting's own URL stays
    r"|(?:https?://|www\.)[^\s<>\"')/]+/(?:in/|(?:[^\s<>\"')]*/)?(?:profiles?|people|users?|members?|cv"
    r"|resume|candidates?)/)[^\s<>\"')]*",
    re.IGNORECASE,
)
# The canonical columns a partner writes free text into, masked at ingestion: a partner's post id or company can
# hold an e-mail or a phone, a URL can be a person's profile. ``posted_at`` is validated as a date and
# ``language`` cut to a code before storage, so neither can carry contact details.
FREE_TEXT_COLUMNS: tuple[str, ...] = ("post_id", "job_title", "job_desc", "company", "country", "url")
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


NAME_MASK = "[NAME]"

# A personal name: one to three capitalized words ("John Smith", "María José Pérez", "Ahmad bin Ali").
_WORD = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’-]+"
_PARTICLES = r"(?:(?:de|da|do|dos|das|del|della|di|la|los|van|von|bin|binti)[ \t]+){0,2}"
_NAME = rf"{_WORD}(?:[ \t]+{_PARTICLES}{_WORD}){{0,2}}"
# Titles of address; not "Sr" (also "Senior" in job titles) nor "Don"/"En" (ordinary words).
_HONORIFIC_NAME = re.compile(
    r"\b(Mr|Mrs|Ms|Miss|Mx|Dr|Sra|Srta|Señor|Señora|Sig|Sig\.ra|Dott|Dott\.ssa|Encik|Puan|Cik|Tuan)(\.?[ \t]+)" + _NAME
)
# Contact labels followed by ":" or a dash ("Contact: Ana Lima"), and contact verbs followed by a name
# ("ask for Ana Lima"); a bare "Contact Center Agent" is a job title and stays.
_CONTACT_NAME = re.compile(
    r"(?i:\b(contact(?:[ \t]+person|[ \t]+name)?|attn|attention|recruiter|hiring[ \t]+manager|persona[ \t]+de"
    r"[ \t]+contacto|contacto|pessoa[ \t]+de[ \t]+contato|contato|referente|contatto|orang[ \t]+hubungan)\b)"
    r"([ \t]*[:\-–][ \t]*)" + _NAME
    + r"|(?i:\b(ask[ \t]+for|falar[ \t]+com|rivolgersi[ \t]+a|hubungi)\b)([ \t]+)" + _NAME
)


def mask_personal_names(text: str | None) -> str:
    """Replace names after a title of address ("Mr. John Smith") or a contact phrase ("Contact: Ana Lima").

    Names elsewhere in free text are not detected; the patterns rather over-mask ("Contact: Sales Team").
    """
    if not text:
        return ""
    text = _CONTACT_NAME.sub(lambda m: f"{m.group(1) or m.group(3)}{m.group(2) or m.group(4)}{NAME_MASK}", text)
    return _HONORIFIC_NAME.sub(lambda m: f"{m.group(1)}{m.group(2)}{NAME_MASK}", text)


def mask_for_external_service(text: str | None) -> str:
    """Everything masked before text leaves the machine (LLM, translation): contact details and names."""
    return mask_personal_names(mask_personal_data(text))
