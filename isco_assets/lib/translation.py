"""Machine translation of post text through Azure Translator (Text Translation v3, REST API).

Every text is masked (e-mails, phones, profile URLs) before it leaves the platform; texts already in the
target language and empty ones are never sent; translations are cached by (text hash, source, target) so the
same text is paid for once; requests stay within the service limits and are retried on 429/5xx honouring
Retry-After; characters sent are metered and priced.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

from isco_assets.lib.privacy import mask_personal_data
from isco_assets.lib.retry_after import retry_after_seconds

MAX_ELEMENTS = 1000  # per request (Translate)
MAX_CHARS = 50_000  # per request, and so per element
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_ENDPOINT = "https://api.cognitive.microsofttranslator.com"
DEFAULT_PRICE_PER_MILLION = 10.0  # USD per million characters, Azure's standard (S1) text translation list price


class TranslationError(RuntimeError):
    """The service refused a request, or kept failing after all retries."""


def translation_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TranslationCache:
    """SQLite table of translations keyed by (sha256 of the sent text, source language, target language)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS translations (hash TEXT, source TEXT, target TEXT, "
                       "translation TEXT NOT NULL, PRIMARY KEY (hash, source, target))")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get_many(self, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        found: dict[tuple[str, str, str], str] = {}
        with self._connect() as db:
            for key in keys:
                row = db.execute("SELECT translation FROM translations WHERE hash=? AND source=? AND target=?",
                                 key).fetchone()
                if row is not None:
                    found[key] = row[0]
        return found

    def put_many(self, rows: Sequence[tuple[str, str, str, str]]) -> None:
        """Rows of (hash, source, target, translation)."""
        with self._connect() as db:
            db.executemany("INSERT OR REPLACE INTO translations VALUES (?, ?, ?, ?)", rows)

    def __len__(self) -> int:
        with self._connect() as db:
            return int(db.execute("SELECT count(*) FROM translations").fetchone()[0])


@dataclass
class TranslationStats:
    """What a run cost: texts seen, not sent (target language or empty), cache hits, and what was sent."""

    texts: int = 0
    unchanged: int = 0
    cache_hits: int = 0
    texts_sent: int = 0
    characters_sent: int = 0
    requests: int = 0
    retries: int = 0
    price_per_million_chars: float = DEFAULT_PRICE_PER_MILLION

    @property
    def cost(self) -> float:
        return self.characters_sent * self.price_per_million_chars / 1_000_000

    def as_metadata(self) -> dict[str, float | int]:
        return {**asdict(self), "cost": round(self.cost, 6)}


@dataclass(frozen=True)
class PostTranslation:
    """Titles and descriptions in the target language, whether each was translated, and the usage."""

    titles: list[str]
    descriptions: list[str]
    title_translated: list[bool]
    description_translated: list[bool]
    stats: TranslationStats = field(default_factory=TranslationStats)


def batches(texts: Sequence[str], max_elements: int = MAX_ELEMENTS, max_chars: int = MAX_CHARS) -> Iterator[list[int]]:
    """Indices of ``texts`` grouped so that no group exceeds the element or character limit."""
    group: list[int] = []
    size = 0
    for i, text in enumerate(texts):
        if len(text) > max_chars:
            raise ValueError(f"text {i} has {len(text)} characters; the limit is {max_chars}")
        if group and (len(group) == max_elements or size + len(text) > max_chars):
            yield group
            group, size = [], 0
        group.append(i)
        size += len(text)
    if group:
        yield group


class AzureTranslatorClient:
    """POST {endpoint}/translate?api-version=3.0 with the subscription key (and region for regional resources)."""

    def __init__(
        self, key: str, endpoint: str = DEFAULT_ENDPOINT, region: str = "", target: str = "en",
        cache: TranslationCache | None = None, price_per_million_chars: float = DEFAULT_PRICE_PER_MILLION,
        max_retries: int = 5, backoff: float = 1.0, max_backoff: float = 60.0, timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep, session: requests.Session | None = None,
    ):
        if not key:
            raise ValueError("Azure Translator needs a subscription key")
        self.url = endpoint.rstrip("/") + "/translate"
        self.headers = {"Ocp-Apim-Subscription-Key": key, "Content-Type": "application/json; charset=UTF-8"}
        if region:
            self.headers["Ocp-Apim-Subscription-Region"] = region
        self.target = target
        self.cache = cache
        self.price_per_million_chars = price_per_million_chars
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.sleep = sleep
        self.session = session or requests.Session()

    def new_stats(self) -> TranslationStats:
        return TranslationStats(price_per_million_chars=self.price_per_million_chars)

    def translate(
        self, texts: Sequence[str | None], languages: Sequence[str | None], max_chars: int | None = None,
        stats: TranslationStats | None = None,
    ) -> tuple[list[str], list[bool]]:
        """Texts in the target language and, per text, whether it was translated (now or from the cache).

        Each text is masked and cut to ``max_chars`` first; a text whose language is the target, or that is
        empty, comes back unchanged (masked) and unsent. An empty language lets the service detect it.
        """
        stats = stats if stats is not None else self.new_stats()
        limit = MAX_CHARS if max_chars is None else min(max_chars, MAX_CHARS)
        prepared = [mask_personal_data(t)[:limit] for t in texts]
        sources = [(lang or "").strip().lower() for lang in languages]
        out = list(prepared)
        done = [False] * len(prepared)
        wanted: dict[tuple[str, str, str], str] = {}
        positions: dict[tuple[str, str, str], list[int]] = {}
        for i, (text, source) in enumerate(zip(prepared, sources, strict=True)):
            stats.texts += 1
            if not text.strip() or source == self.target:
                stats.unchanged += 1
                continue
            key = (translation_key(text), source, self.target)
            wanted[key] = text
            positions.setdefault(key, []).append(i)
        known = self.cache.get_many(list(wanted)) if self.cache is not None else {}
        stats.cache_hits += len(known)
        missing = [key for key in wanted if key not in known]
        fresh = self._send(missing, wanted, stats)
        for key, translation in {**known, **fresh}.items():
            for i in positions[key]:
                out[i], done[i] = translation, True
        return out, done

    def _send(
        self, keys: list[tuple[str, str, str]], texts: dict[tuple[str, str, str], str], stats: TranslationStats
    ) -> dict[tuple[str, str, str], str]:
        """Translate the texts of ``keys``, one source language at a time (``from`` is per request); each
        answered request goes into the cache at once, so a later failure loses nothing already paid for."""
        result: dict[tuple[str, str, str], str] = {}
        by_source: dict[str, list[tuple[str, str, str]]] = {}
        for key in keys:
            by_source.setdefault(key[1], []).append(key)
        for source, group in by_source.items():
            group_texts = [texts[k] for k in group]
            for indices in batches(group_texts):
                chunk = [group_texts[i] for i in indices]
                translations = self._request(chunk, source, stats)
                answered = {group[i]: t for i, t in zip(indices, translations, strict=True)}
                if self.cache is not None:
                    self.cache.put_many([(*key, translation) for key, translation in answered.items()])
                result.update(answered)
                stats.texts_sent += len(chunk)
                stats.characters_sent += sum(len(t) for t in chunk)
        return result

    def _request(self, chunk: list[str], source: str, stats: TranslationStats) -> list[str]:
        params = {"api-version": "3.0", "to": self.target, **({"from": source} if source else {})}
        body = [{"Text": t} for t in chunk]
        for attempt in range(self.max_retries + 1):
            stats.requests += 1
            try:
                response = self.session.post(self.url, params=params, json=body, headers=self.headers,
                                             timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt == self.max_retries:
                    raise TranslationError(f"Azure Translator unreachable after {attempt + 1} attempts: {exc}") from exc
                wait = None
            else:
                if response.status_code == 200:
                    return _parse(response, len(chunk))
                if response.status_code not in RETRY_STATUSES or attempt == self.max_retries:
                    raise TranslationError(f"Azure Translator answered {response.status_code} after "
                                           f"{attempt + 1} attempts: {_error_message(response)}")
                wait = retry_after_seconds(response.headers)
            stats.retries += 1
            self.sleep(min(wait if wait is not None else self.backoff * 2**attempt, self.max_backoff))
        raise AssertionError("unreachable")


def _parse(response: requests.Response, expected: int) -> list[str]:
    try:
        items = response.json()
        texts = [item["translations"][0]["text"] for item in items]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise TranslationError(f"unexpected Azure Translator response: {response.text[:200]!r}") from exc
    if len(texts) != expected:
        raise TranslationError(f"Azure Translator returned {len(texts)} translations for {expected} texts")
    return texts


def _error_message(response: requests.Response) -> str:
    try:
        error = response.json()["error"]
        return f"{error.get('code')}: {error.get('message')}"
    except (ValueError, KeyError, TypeError):
        return response.text[:200]


def translate_posts(
    client: AzureTranslatorClient, titles: Sequence[str | None], descriptions: Sequence[str | None],
    languages: Sequence[str | None], description_chars: int,
) -> PostTranslation:
    """Titles always; descriptions cut to ``description_chars`` (0: descriptions are not translated)."""
    stats = client.new_stats()
    title_out, title_done = client.translate(titles, languages, stats=stats)
    if description_chars > 0:
        desc_out, desc_done = client.translate(descriptions, languages, description_chars, stats=stats)
    else:
        desc_out, desc_done = [mask_personal_data(d) for d in descriptions], [False] * len(descriptions)
    return PostTranslation(title_out, desc_out, title_done, desc_done, stats)
