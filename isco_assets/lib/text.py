"""Text cleaning as in the ILO pilot, and job-title normalization for coding and clustering."""

from __future__ import annotations

import html
import re
import unicodedata

from isco_assets.lib.stopwords import stop_words

_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)


def strip_html(text: str) -> str:
    """Remove tags, scripts and entities; keep the visible text with single spaces."""
    if "<" in text:
        text = _SCRIPT.sub(" ", text)
        text = _TAG.sub(" ", text)
    return _SPACE.sub(" ", html.unescape(text)).strip()


def clean_text(text: str | None, language: str | None = None) -> str:
    """The pilot's cleaning: HTML stripped, lower case, punctuation and stop words removed."""
    if not text:
        return ""
    words = _WORD.findall(strip_html(text).lower())
    stops = stop_words(language)
    return " ".join(w for w in words if w not in stops)


# Gender markers: "(m/w/d)", "(m/f)", "(h/m)", "m/f/d", "(f/m/x)", "(all genders)".
_GENDER = re.compile(
    r"\(\s*(?:[mwfhdxai]\s*[/|,]\s*){1,3}[mwfhdxai]\s*\)|\b(?:[mwfhd]\s*/\s*){1,3}[mwfhd]\b|\(\s*all genders?\s*\)",
    re.IGNORECASE,
)
# Romance-language inflection pairs: "programador/a", "diretor(a)", "operatore/trice" -> first form.
_INFLECTION = re.compile(
    r"(\w{3,})\s*(?:/\s*|\()(?:a|as|o|os|ra|ora|trice|essa|e|ice)\)?(?=\s|$|[,.;:])", re.IGNORECASE
)
# Everything inside brackets is usually location, schedule, code or gender.
_BRACKETS = re.compile(r"[\(\[\{][^\)\]\}]*[\)\]\}]")
# Tokens holding digits (requisition ids, "2024", "#123", "L3") carry no occupation.
_CODEY = re.compile(r"\S*\d\S*")
_SEPARATORS = re.compile(r"\s+[-–—|/@:]\s+|\s*[|•·]\s*|\s+at\s+|\s*,\s+")

# Level and noise words per language that never change the occupation.
_LEVEL_WORDS = {
    "en": "senior sr snr junior jr jnr mid-level mid entry-level entry level intern internship trainee "
    "graduate experienced apprentice i ii iii iv "
    "urgent urgently hiring immediate immediately needed wanted vacancy job opening remote hybrid "
    "onsite on-site full-time part-time fulltime parttime temporary temp contract permanent freelance "
    "new",
    "es": "senior sr semi semisenior ssr junior jr pasante practicante trainee becario becaria urgente "
    "remoto híbrido hibrido presencial tiempo completo jornada temporal eventual zona",
    "pt": "sênior senior sr pleno júnior junior jr estagiário estagiária estágio trainee urgente remoto "
    "híbrido hibrido presencial vaga temporário temporária efetivo",
    "it": "senior junior jr stagista stage tirocinante tirocinio apprendista urgente remoto ibrido "
    "tempo pieno determinato indeterminato",
    "ms": "kanan senior junior pelatih praktikal segera kosong jawatan kerja sambilan tetap kontrak",
    "id": "senior junior magang lowongan segera kontrak tetap freelance",
}
LEVEL_WORDS: frozenset[str] = frozenset(w for words in _LEVEL_WORDS.values() for w in words.split())


def _nfkc(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def normalize_title(title: str | None) -> str:
    """A job title reduced to its occupation: lower case, without seniority, gender markers,
    locations, codes and noise.

    "Senior Java Developer (m/w/d) - Berlin" -> "java developer";
    "Programador/a Jr. | Remoto" -> "programador".
    """
    if not title:
        return ""
    text = _nfkc(strip_html(title))
    text = _GENDER.sub(" ", text)
    text = _INFLECTION.sub(r"\1", text)
    text = _BRACKETS.sub(" ", text)
    # Keep the first segment that still names something; later ones are locations, employers or perks.
    parts = [p for p in (_strip_noise(s) for s in _SEPARATORS.split(text)) if p]
    return parts[0] if parts else ""


def _strip_noise(segment: str) -> str:
    segment = _CODEY.sub(" ", segment.lower())
    words = [w for w in _WORD.findall(segment) if w not in LEVEL_WORDS]
    return " ".join(words)
