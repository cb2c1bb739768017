"""A synthetic multilingual partner drop of job posts for ``isco-demo`` and the end-to-end tests.

The posts look like real scraped ads (noisy titles, HTML, contact details, re-posts, broken rows) so the
whole pipeline — reading, quarantine, masking, dedup, coding and novelty detection — has something to do,
without any external data or network access. Everything is deterministic for a given seed. What the posts are
made of (occupations, employers, places, phrases) is data, in ``vocabulary.yaml`` beside this module.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.yaml")
COLUMNS: tuple[str, ...] = (
    "post_id", "job_title", "job_desc", "company", "country", "language", "posted_at", "url",
)
LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "it", "ms")

EMERGING_SHARE = 0.12  # of the unique posts; each emerging occupation gets an equal share
DUPLICATE_SHARE = 0.03  # exact re-posts (same title, description, company, country; new post_id)


@dataclass(frozen=True)
class _Occupation:
    name: str
    titles: Mapping[str, tuple[str, ...]]  # language -> title variants
    tasks: Mapping[str, tuple[str, ...]]  # language -> task phrases (verb phrases in the infinitive)


def _tuples(value: Any) -> Any:
    """YAML lists as tuples, so the vocabulary is as immutable as the constants it replaced."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


_VOCABULARY: dict[str, Any] = _tuples(yaml.safe_load(VOCABULARY_FILE.read_text(encoding="utf-8")))
_ORDINARY = tuple(_Occupation(o["name"], o["titles"], o["tasks"]) for o in _VOCABULARY["ordinary"])
_EMERGING = tuple(_Occupation(o["name"], o["titles"], o["tasks"]) for o in _VOCABULARY["emerging"])
EMERGING_OCCUPATIONS: tuple[str, ...] = tuple(o.name for o in _EMERGING)
EMERGING_KEYWORDS: dict[str, tuple[str, ...]] = _VOCABULARY["emerging_keywords"]
_LANGUAGE_WEIGHTS: dict[str, int] = _VOCABULARY["language_weights"]
_EMERGING_LANGUAGE_WEIGHTS: dict[str, int] = _VOCABULARY["emerging_language_weights"]  # mostly English, as real ads
_COUNTRIES: dict[str, tuple[str, ...]] = _VOCABULARY["countries"]
_COUNTRY_WEIGHTS: dict[str, tuple[int, ...]] = _VOCABULARY["country_weights"]
_CITIES: dict[str, tuple[str, ...]] = _VOCABULARY["cities"]
_PHONES: dict[str, str] = _VOCABULARY["phones"]
_EMAILS: tuple[str, ...] = _VOCABULARY["emails"]
_COMPANIES: dict[str, tuple[str, ...]] = _VOCABULARY["companies"]  # fake employers by the language of their ads
_INTROS: dict[str, tuple[str, ...]] = _VOCABULARY["intros"]
_TASK_SENTENCES: dict[str, tuple[str, ...]] = _VOCABULARY["task_sentences"]
_CLOSINGS: dict[str, tuple[str, ...]] = _VOCABULARY["closings"]
_CONTACTS: dict[str, tuple[str, ...]] = _VOCABULARY["contacts"]
_SENIORITY: dict[str, tuple[str, ...]] = _VOCABULARY["seniority"]
_GENDER: dict[str, tuple[str, ...]] = _VOCABULARY["gender"]
# The long tail of real boards: specialisations that make most distinct titles rare ("sap logistics accountant").
_TAIL = tuple(f"{a} {b}" for a in _VOCABULARY["tail_domains"] for b in _VOCABULARY["tail_kinds"])


def generate_posts(
    n_posts: int = 3000, seed: int = 0, bad_rows: int = 20, *, tail_share: float = 0.0,
    start: date = date(2026, 1, 1), days: int = 365,
) -> list[dict[str, str]]:
    """Good posts only (``bad_rows`` is accepted for a uniform signature; ``write_demo_drop`` adds them).

    ``tail_share`` of the titles get a specialisation drawn from a heavy-tailed list of 1,200 (a few are common,
    most are rare), as on real boards; posts are dated uniformly over ``days`` from ``start``. The defaults
    reproduce the original demo exactly.
    """
    del bad_rows
    if n_posts <= 0:
        return []
    rng = random.Random(seed)
    n_dup = int(n_posts * DUPLICATE_SHARE) if n_posts >= 20 else 0
    n_unique = n_posts - n_dup
    n_emerging = round(n_unique * EMERGING_SHARE)
    # Equal shares so that every emerging occupation reaches a clusterable size.
    plan = [_EMERGING[i % len(_EMERGING)] for i in range(n_emerging)]
    plan += [rng.choice(_ORDINARY) for _ in range(n_unique - n_emerging)]
    posts = [_post(rng, occ, occ in _EMERGING, tail_share, start, days) for occ in plan]
    originals = posts[:n_unique]  # sliced once: slicing per re-post made a million posts quadratic
    posts += [dict(rng.choice(originals)) for _ in range(n_dup)]  # re-posts: same content
    rng.shuffle(posts)
    for i, post in enumerate(posts, start=1):
        post["post_id"] = f"demo-{i:06d}"
        post["url"] = f"https://jobs.example.com/{post['post_id']}"
    return [{c: post[c] for c in COLUMNS} for post in posts]


def write_demo_drop(
    path: Path, n_posts: int = 3000, seed: int = 0, bad_rows: int = 20, *, tail_share: float = 0.0,
    start: date = date(2026, 1, 1), days: int = 365,
) -> Path:
    """Write the posts plus ``bad_rows`` broken rows as a UTF-8 CSV, the way a partner would deliver it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    posts = generate_posts(n_posts, seed, tail_share=tail_share, start=start, days=days)
    rng = random.Random(f"demo-bad-rows-{seed}")
    kinds = ("empty_title", "no_letters", "bad_date", "wrong_fields")
    bad_positions = sorted(rng.randint(0, len(posts)) for _ in range(max(bad_rows, 0)))
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        b = 0
        for i in range(len(posts) + 1):
            while b < len(bad_positions) and bad_positions[b] == i:
                post_id = f"demo-{len(posts) + b + 1:06d}"
                kind = kinds[b % len(kinds)]
                if kind == "wrong_fields":  # written raw, as a broken export would
                    fh.write(_wrong_fields_line(b // len(kinds), post_id) + "\r\n")
                else:
                    writer.writerow(_bad_row(kind, b // len(kinds), post_id))
                b += 1
            if i < len(posts):
                writer.writerow([posts[i][c] for c in COLUMNS])
    return path


def _post(
    rng: random.Random, occ: _Occupation, emerging: bool, tail_share: float, start: date, days: int
) -> dict[str, str]:
    weights = _EMERGING_LANGUAGE_WEIGHTS if emerging else _LANGUAGE_WEIGHTS
    lang = rng.choices(LANGUAGES, weights=[weights[x] for x in LANGUAGES])[0]
    country = rng.choices(_COUNTRIES[lang], weights=_COUNTRY_WEIGHTS[lang])[0]
    city = rng.choice(_CITIES[country])
    company = rng.choice(_COMPANIES[lang])
    base = rng.choice(occ.titles[lang])
    posted = start + timedelta(days=rng.randrange(days))
    if tail_share and rng.random() < tail_share:
        qualifier = _TAIL[int(len(_TAIL) ** rng.random()) - 1]  # log-uniform rank: a heavy head, a long tail
        base = f"{qualifier} {base}" if lang == "en" else f"{base} {qualifier}"
    return {
        "job_title": _noisy_title(rng, base, lang, city),
        "job_desc": _description(rng, occ, base, lang, company, country, city),
        "company": company,
        "country": country,
        "language": lang,
        "posted_at": posted.isoformat(),
    }


def _noisy_title(rng: random.Random, title: str, lang: str, city: str) -> str:
    """Add the clutter real ads carry: seniority, gender markers, locations, codes, shouting."""
    if rng.random() < 0.15:
        level = rng.choice(_SENIORITY[lang])
        title = f"{level} {title}" if lang == "en" else f"{title} {level}"
    if rng.random() < 0.10:
        title = f"{title} {rng.choice(_GENDER[lang])}"
    if rng.random() < 0.15:
        title = f"{title} - {city}"
    if rng.random() < 0.05:
        code = f"REQ-{rng.randint(10000, 99999)}"
        title = rng.choice((f"{title} ({code})", f"{code} | {title}", f"{title} - {code}"))
    r = rng.random()
    if r < 0.05:
        title = title.upper()
    elif r < 0.07:
        title = title.lower()
    return title


def _description(
    rng: random.Random, occ: _Occupation, title: str, lang: str, company: str, country: str, city: str
) -> str:
    """One to three sentences in the post's language; some with HTML, line breaks or contact details."""
    sentences: list[str] = []
    if rng.random() < 0.7:
        article = _article(title)
        intro = rng.choice(_INTROS[lang])
        sentences.append(intro.format(a=article, title=title, company=company, city=city))
    tasks = rng.sample(occ.tasks[lang], k=min(len(occ.tasks[lang]), rng.choice((1, 1, 2))))
    templates = rng.sample(_TASK_SENTENCES[lang], k=len(tasks))  # no "You will ... You will ..."
    sentences += [template.format(task=task) for template, task in zip(templates, tasks, strict=True)]
    if len(sentences) < 3:
        r = rng.random()
        if r < 0.07:
            contact = rng.choice(_CONTACTS[lang])
            sentences.append(contact.format(email=rng.choice(_EMAILS), phone=_PHONES[country]))
        elif r < 0.5:
            sentences.append(rng.choice(_CLOSINGS[lang]))
    r = rng.random()
    if r < 0.12:
        return "".join(f"<p>{s}</p>" for s in sentences)
    if r < 0.20:
        return "<br>".join(sentences).replace(title, f"<b>{title}</b>", 1)
    if r < 0.25:
        return "\n".join(sentences)
    return " ".join(sentences)


def _bad_row(kind: str, occurrence: int, post_id: str) -> list[str]:
    """A row the reader must quarantine: no title, a title without letters, or an unparseable date."""
    title, posted_at = "Cook", "2026-03-01"
    if kind == "empty_title":
        title = ("", "   ")[occurrence % 2]
    elif kind == "no_letters":
        title = ("12345", "---", "#### 0001", "?!")[occurrence % 4]
    else:
        posted_at = ("not-a-date", "31/02/2026", "2026-13-45", "yesterday")[occurrence % 4]
    return [post_id, title, "Prepare dishes according to the menu.", "Blue Harbor Foods", "GB", "en", posted_at,
            f"https://jobs.example.com/{post_id}"]


def _wrong_fields_line(occurrence: int, post_id: str) -> str:
    """A raw line with too few or too many fields, as produced by a broken export."""
    if occurrence % 2 == 0:
        return f"{post_id},Waiter,missing columns"
    return f"{post_id},Cashier,Handle payments,Summit Retail,GB,en,2026-02-03,https://jobs.example.com/x,extra,field"


def _article(title: str) -> str:
    """English indefinite article by sound: "an Accountant", "an HR Officer", "a UAV pilot"."""
    first = title.split()[0] if title.split() else ""
    if first.isupper() and len(first) <= 4:  # acronym, read letter by letter
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    return "an" if first[:1].lower() in "aeio" else "a"
