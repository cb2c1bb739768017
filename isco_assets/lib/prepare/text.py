"""Text cleaning as in the ILO pilot, and job-title normalization for coding and clustering."""

from __future__ import annotations

import html
import re
import unicodedata

from isco_assets.lib.prepare.stopwords import stop_words

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


# Gender markers: "(m/w/d)", "(m/f)", "(h/m)", "m/f/d", "(f/m/x)", "(all genders)"; Malay and Indonesian
# "L/P", "Lelaki/Perempuan", "Pria/Wanita".
_GENDER = re.compile(
    r"\(\s*(?:[mwfhdxai]\s*[/|,]\s*){1,3}[mwfhdxai]\s*\)|\b(?:[mwfhd]\s*/\s*){1,3}[mwfhd]\b|\(\s*all genders?\s*\)"
    r"|\b(?:l\s*/\s*p|p\s*/\s*l|lelaki\s*/\s*perempuan|perempuan\s*/\s*lelaki|pria\s*/\s*wanita|wanita\s*/\s*pria)\b",
    re.IGNORECASE,
)
# Both gendered forms written out: "camarero/camarera", "operatore/operatrice", "director/directora" -> the first.
_GENDER_PAIR = re.compile(r"\b(\w{3,})(\w{0,3})\s*/\s*\1\w{0,5}\b", re.IGNORECASE)
# Romance-language inflection pairs: "programador/a", "diretor(a)", "operatore/trice" -> first form.
_INFLECTION = re.compile(
    r"(\w{3,})\s*(?:/\s*|\()(?:a|as|o|os|ra|ora|trice|essa|e|ice)\)?(?=\s|$|[,.;:])", re.IGNORECASE
)
# Everything inside brackets is usually location, schedule, code or gender.
_BRACKETS = re.compile(r"[\(\[\{][^\)\]\}]*[\)\]\}]")
# Tokens holding digits (requisition ids, "2024", "#123", "L3") carry no occupation.
_CODEY = re.compile(r"\S*\d\S*")
_SEPARATORS = re.compile(r"\s+[-–—|/@:]\s+|\s*[|•·]\s*|\s+at\s+|\s*,\s+")
# in a label, a comma joins a list and "at" names a place of work: neither ends it
_LABEL_SEPARATORS = re.compile(r"\s+[-–—|/@:]\s+|\s*[|•·]\s*")

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
    "ms": "kanan senior junior pelatih praktikal segera kosong jawatan kerja sambilan tetap kontrak diperlukan "
    "dikehendaki lantikan sementara",
    "id": "senior junior magang lowongan segera kontrak tetap freelance dibutuhkan dicari harian sementara",
    # Polish ads (read with a partner's hint, or with pl among the languages): grades, internships, pay and contract
    "pl": "młodszy młodsza młodszego starszy starsza starszego stażysta stażystka praktykant praktykantka staż stażu "
    "praktyki praca pracy zdalna zdalnie hybrydowo stacjonarnie zaraz brutto netto zł pln umowa zlecenie premia premii "
    "etat etatu",
}
LEVEL_WORDS: frozenset[str] = frozenset(w for words in _LEVEL_WORDS.values() for w in words.split())
# Noise of more than one word whose parts alone can name something: "sepenuh masa" (full-time),
# "paruh waktu" (part-time), "latihan industri" (internship), "fresh graduate".
_NOISE_PHRASES = re.compile(
    r"\b(?:(?:sepenuh|separuh|penuh|paruh)\s+(?:masa|waktu)|latihan\s+industri|fresh\s+graduates?)\b", re.IGNORECASE
)


_STROKED = str.maketrans("łŁ", "lL")  # letters no decomposition takes the mark off: Polish "główny" typed "glowny"


def without_accents(text: str) -> str:
    """``text`` with its accents off ("técnico" "tecnico", "główny" "glowny"), so words match however a title was
    typed."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).translate(_STROKED)


def _nfkc(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def normalize_title(title: str | None) -> str:
    """A job title reduced to its occupation: lower case, without seniority, gender markers,
    locations, codes and noise.

    "Senior Java Developer (m/w/d) - Berlin" -> "java developer";
    "Programador/a Jr. | Remoto" -> "programador".
    """
    # Keep the first segment that still names something; later ones are mostly locations, employers or perks.
    parts = title_segments(title)
    return parts[0] if parts else ""


def coding_title(title: str | None) -> str:
    """All segments of a normalized title, for coding rather than grouping: later segments are sometimes
    the occupation itself ("Tukang Kebun / Gardener", "Intern - Data Analyst"), and a location or employer
    segment moves the embedding less than a lost occupation does."""
    return " ".join(title_segments(title))


def coding_text(title: str) -> str:
    """What the coder reads for a title: its ``coding_title``, or the lower-cased title when that is empty
    (a title made only of noise words is still better than nothing)."""
    return coding_title(title) or title.strip().lower()


def title_segments(title: str | None, levels: bool = False, separators: re.Pattern[str] = _SEPARATORS) -> list[str]:
    """The non-empty segments of a title split at ``separators`` (" - ", "|", ", ", " at "), noise removed, and
    level words too unless ``levels``."""
    if not title:
        return []
    text = _nfkc(strip_html(title))
    text = _GENDER.sub(" ", text)
    text = _GENDER_PAIR.sub(r"\1\2", text)
    text = _INFLECTION.sub(r"\1", text)
    text = _NOISE_PHRASES.sub(" ", text)
    text = _BRACKETS.sub(" ", text)
    return [p for p in (_strip_noise(s, levels) for s in separators.split(text)) if p]


def label_text(label: str) -> str:
    """What the index holds for a taxonomy label: ``normalize_title``, but a comma or "at" does not end it, for in a
    label they join a list ("assistant coffee, tea, cocoa and spices distribution manager", "Tailors, Dressmakers,
    Furriers and Hatters") or a workplace ("manager at paper mill") where in a title they start a location or an
    employer; and with its level words where dropping them
    would leave one word: "Stage manager", "Junior engineer" and "Veterinary intern" name work of their own, and as
    "manager", "engineer" and "veterinary" they were the exact label of every bare title."""
    segments = title_segments(label, separators=_LABEL_SEPARATORS)
    text = segments[0] if segments else ""
    if len(text.split()) == 1:
        kept = title_segments(label, levels=True, separators=_LABEL_SEPARATORS)
        if kept and len(kept[0].split()) > len(text.split()):
            return kept[0]
    return text


def _strip_noise(segment: str, levels: bool = False) -> str:
    segment = _CODEY.sub(" ", segment.lower())
    words = [w for w in _WORD.findall(segment) if levels or w not in LEVEL_WORDS]
    return " ".join(words)
