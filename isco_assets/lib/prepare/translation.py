"""Machine translation of post text through Azure Translator (Text Translation v3, REST API).

Every text is masked (e-mails, phones, profile URLs) before it leaves the platform; texts already in the
target language and empty ones are never sent; translations are cached by (text hash, source, target) so the
same text is paid for once; requests stay within the service limits and are retried on 429/5xx honouring
Retry-After; characters sent are metered and priced.

A request that still fails follows the failure policy (``on_failure``): ``fail`` raises TranslationError naming
the endpoint and what to check; ``pass-through`` (the default) keeps those texts untranslated, never caches
them (the next run sends them again) and counts them with the reason in TranslationStats. The default is
pass-through because a statistician wants a code for every post: an untranslated title is still coded (less
surely, unless ``coder.multilingual_model`` is set) and its post's ``translated`` flag says so, while failing
the run leaves no codes at all; who needs English-only coding sets ``fail``. Connection failures are retried
only briefly (``connect_retries``) and, after ``breaker_failures`` requests in a row could not connect, or
once the key is refused (401/403), nothing more is sent in this client's run, so a closed port costs seconds
rather than minutes.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests

from isco_assets.lib.common.privacy import mask_personal_data
from isco_assets.lib.common.retry_after import retry_after_seconds
from isco_assets.lib.config import TranslatorSettings

MAX_ELEMENTS = 1000  # per request (Translate)
MAX_CHARS = 50_000  # per request, and so per element
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REFUSED_STATUSES = frozenset({401, 403})  # the key or region is wrong: every later request would be refused too
ON_FAILURE_CHOICES = ("pass-through", "fail")
# the settings' defaults (lib/config.py TranslatorSettings)
DEFAULT_ON_FAILURE = TranslatorSettings.on_failure
DEFAULT_ENDPOINT = TranslatorSettings.endpoint
DEFAULT_PRICE_PER_MILLION = TranslatorSettings.price_per_million_chars


class TranslationError(RuntimeError):
    """The service refused a request, or kept failing after all retries; ``advice`` says what to check."""

    def __init__(self, message: str, advice: str = ""):
        super().__init__(message)
        self.advice = advice


def check_on_failure(value: str, name: str = "on_failure") -> str:
    """``value`` if it is a failure policy; a ValueError naming the setting and listing the choices otherwise."""
    if value not in ON_FAILURE_CHOICES:
        choices = " or ".join(repr(c) for c in ON_FAILURE_CHOICES)
        raise ValueError(f"{name}={value!r}: the Translator failure policy is {choices}")
    return value


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
    """What a run cost: texts seen, not sent (target language or empty), cache hits, and what was sent; and
    under the pass-through policy, how many texts could not be translated and the last reason why."""

    texts: int = 0
    unchanged: int = 0
    cache_hits: int = 0
    texts_sent: int = 0
    characters_sent: int = 0
    requests: int = 0
    retries: int = 0
    untranslated_texts: int = 0
    translator_error: str = ""
    price_per_million_chars: float = DEFAULT_PRICE_PER_MILLION

    @property
    def cost(self) -> float:
        return self.characters_sent * self.price_per_million_chars / 1_000_000

    def as_metadata(self) -> dict[str, float | int | str]:
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
    """POST {endpoint}/translate?api-version=3.0 with the subscription key (and region for regional resources).

    One client is one run: the breaker (``breaker_failures`` requests in a row that could not connect, or a
    refused key) stays open for the client's life.
    """

    def __init__(
        self, key: str, endpoint: str = DEFAULT_ENDPOINT, region: str = "", target: str = "en",
        cache: TranslationCache | None = None, price_per_million_chars: float = DEFAULT_PRICE_PER_MILLION,
        max_retries: int = 5, backoff: float = 1.0, max_backoff: float = 60.0, timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep, session: requests.Session | None = None,
        on_failure: str = DEFAULT_ON_FAILURE, connect_retries: int = 2, connect_timeout: float = 5.0,
        breaker_failures: int = 3,
    ):
        if not key:
            raise ValueError("Azure Translator needs a subscription key")
        self.on_failure = check_on_failure(on_failure)
        self.endpoint = endpoint.rstrip("/")
        self.url = self.endpoint + "/translate"
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
        self.connect_retries = min(connect_retries, max_retries)  # a refused connection rarely heals in seconds
        self.connect_timeout = min(connect_timeout, timeout)  # a port that drops packets must not hang long
        self.breaker_failures = max(1, breaker_failures)
        self._unreachable_in_a_row = 0
        self.stopped: TranslationError | None = None  # why nothing more is sent in this run

    def new_stats(self) -> TranslationStats:
        return TranslationStats(price_per_million_chars=self.price_per_million_chars)

    def translate(
        self, texts: Sequence[str | None], languages: Sequence[str | None], max_chars: int | None = None,
        stats: TranslationStats | None = None,
    ) -> tuple[list[str], list[bool]]:
        """Texts in the target language and, per text, whether it was translated (now or from the cache).

        Each text is masked and cut to ``max_chars`` first; a text whose language is the target, or that is
        empty, comes back unchanged (masked) and unsent. An empty language lets the service detect it. A text
        whose request failed comes back unchanged under pass-through (counted in ``untranslated_texts``).
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
        stats.untranslated_texts += sum(len(positions[key]) for key in missing if key not in fresh)
        for key, translation in {**known, **fresh}.items():
            for i in positions[key]:
                out[i], done[i] = translation, True
        return out, done

    def _send(
        self, keys: list[tuple[str, str, str]], texts: dict[tuple[str, str, str], str], stats: TranslationStats
    ) -> dict[tuple[str, str, str], str]:
        """Translate the texts of ``keys``, one source language at a time (``from`` is per request); each
        answered request goes into the cache at once, so a later failure loses nothing already paid for. Under
        pass-through a failed request's texts are left out of the result (and the cache) and the next goes on."""
        result: dict[tuple[str, str, str], str] = {}
        by_source: dict[str, list[tuple[str, str, str]]] = {}
        for key in keys:
            by_source.setdefault(key[1], []).append(key)
        for source, group in by_source.items():
            group_texts = [texts[k] for k in group]
            for indices in batches(group_texts):
                chunk = [group_texts[i] for i in indices]
                try:
                    translations = self._request(chunk, source, stats)
                except TranslationError as exc:
                    if self.on_failure == "fail":
                        raise TranslationError(f"{exc}. {exc.advice or 'Check the service'}, or set "
                                               "ISCO_TRANSLATOR_ON_FAILURE=pass-through to code the text "
                                               "untranslated") from exc
                    stats.translator_error = str(exc)
                    continue
                answered = {group[i]: t for i, t in zip(indices, translations, strict=True)}
                if self.cache is not None:
                    self.cache.put_many([(*key, translation) for key, translation in answered.items()])
                result.update(answered)
                stats.texts_sent += len(chunk)
                stats.characters_sent += sum(len(t) for t in chunk)
        return result

    def _request(self, chunk: list[str], source: str, stats: TranslationStats) -> list[str]:
        if self.stopped is not None:
            raise TranslationError(str(self.stopped), self.stopped.advice)
        params = {"api-version": "3.0", "to": self.target, **({"from": source} if source else {})}
        body = [{"Text": t} for t in chunk]
        for attempt in range(self.max_retries + 1):
            stats.requests += 1
            try:
                response = self.session.post(self.url, params=params, json=body, headers=self.headers,
                                             timeout=(self.connect_timeout, self.timeout))
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.connect_retries:
                    raise self._unreachable(exc, attempt + 1) from exc
                wait = None
            else:
                self._unreachable_in_a_row = 0
                if response.status_code == 200:
                    return _parse(response, len(chunk), self.endpoint)
                if response.status_code not in RETRY_STATUSES or attempt == self.max_retries:
                    message = (f"Azure Translator at {self.endpoint} answered {response.status_code} after "
                               f"{attempt + 1} attempts: {_error_message(response)}")
                    advice = _advice(response.status_code)
                    if response.status_code in REFUSED_STATUSES:
                        self.stopped = TranslationError(f"{message}; nothing more is sent in this run", advice)
                    raise TranslationError(message, advice)
                wait = retry_after_seconds(response.headers)
            stats.retries += 1
            self.sleep(min(wait if wait is not None else self.backoff * 2**attempt, self.max_backoff))
        raise AssertionError("unreachable")

    def _unreachable(self, exc: requests.RequestException, attempts: int) -> TranslationError:
        """The error for a request that got no answer; opens the breaker at ``breaker_failures`` in a row."""
        self._unreachable_in_a_row += 1
        advice = _advice(None)
        if self._unreachable_in_a_row >= self.breaker_failures:
            self.stopped = TranslationError(
                f"Azure Translator at {self.endpoint} unreachable: {self._unreachable_in_a_row} requests in a row "
                f"got no answer ({type(exc).__name__}); nothing more is sent in this run", advice)
        return TranslationError(f"Azure Translator at {self.endpoint} unreachable after {attempts} attempts "
                                f"({type(exc).__name__}: {exc})", advice)


def _advice(status: int | None) -> str:
    """What to check when a request failed with ``status`` (None: no answer at all)."""
    if status is None:
        return "Check AZURE_TRANSLATOR_ENDPOINT and that this machine can reach it"
    if status in REFUSED_STATUSES:
        return "Check AZURE_TRANSLATOR_KEY and AZURE_TRANSLATOR_REGION"
    return "Check the service's status and the request limits"


def _parse(response: requests.Response, expected: int, endpoint: str) -> list[str]:
    try:
        items = response.json()
        texts = [item["translations"][0]["text"] for item in items]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise TranslationError(f"unexpected answer from Azure Translator at {endpoint}: "
                               f"{response.text[:200]!r}") from exc
    if len(texts) != expected:
        raise TranslationError(f"Azure Translator at {endpoint} returned {len(texts)} translations for "
                               f"{expected} texts")
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
