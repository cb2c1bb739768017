"""A chat client for OpenAI and Azure OpenAI that is safe to run unattended over many requests.

Every text is masked before it leaves the machine; a client-side limiter keeps requests and tokens per minute
under the deployment's limits; 429s and 5xx are retried with backoff, honouring Retry-After; a per-run budget
stops the run cleanly; answers are validated by the caller's parser (a bad answer is asked again) and only valid
ones are cached on disk, so an identical request is never paid twice. A circuit breaker stops the run's
requests after ``breaker_failures`` requests in a row could not connect (a closed port would otherwise cost every
request its full retries): the rest raise LLMUnreachable at once, and cached answers are still served.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

import openai

from isco_assets.lib.common.privacy import mask_for_external_service
from isco_assets.lib.common.retry_after import retry_after_seconds

Provider = Literal["openai", "azure_openai"]
PROVIDERS: tuple[str, ...] = ("openai", "azure_openai")
ResponseFormat = Literal["json_object", "json_schema", "none"]
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
CHARS_PER_TOKEN = 4  # rough estimate for the limiter and the budget; actual usage replaces it
UNREACHABLE = "LLM unreachable"  # starts the message of every error that comes from not reaching the service
T = TypeVar("T")


class LLMError(Exception):
    """Base of the errors a caller handles."""


class RequestFailed(LLMError):
    """This request cannot succeed (content filter, client error, retries or answer attempts used up)."""


class ContentFiltered(RequestFailed):
    """The provider's content filter refused the prompt or the answer."""


class ConnectionFailed(RequestFailed):
    """This request could not connect (refused, timed out) after its retries."""


class LLMUnreachable(LLMError):
    """The circuit breaker is open: requests in a row could not connect; nothing more is sent in this run."""


class InvalidAnswer(LLMError):
    """Raised by a caller's parser: the answer is not valid JSON or breaks the schema."""


class BudgetExhausted(LLMError):
    """The per-run budget does not allow another request; nothing more is sent in this run."""


@dataclass(frozen=True)
class LLMSettings:
    """Where and how to call the model; ``model`` is the Azure deployment name for ``azure_openai``."""

    provider: Provider
    model: str
    api_key: str
    endpoint: str = ""  # OpenAI-compatible base URL (default api.openai.com) or https://<resource>.openai.azure.com
    api_version: str = "2024-10-21"  # Azure only
    tokens_per_minute: int = 10_000
    requests_per_minute: int = 200
    budget_tokens: int = 200_000  # per run, prompt + completion; 0 = no limit
    budget_cost: float = 0.0  # per run, in the currency of the prices; 0 = no limit
    price_input_per_million: float = 0.0
    price_output_per_million: float = 0.0
    max_completion_tokens: int = 800
    temperature: float = 0.0
    response_format: ResponseFormat = "json_object"
    max_retries: int = 5  # per request, on 429/5xx/connection errors
    breaker_failures: int = 3  # requests in a row that cannot connect before the run stops asking; 0 = never
    answer_attempts: int = 2  # per request, when the answer fails the caller's parser
    max_backoff_s: float = 60.0
    timeout_s: float = 60.0

    def __post_init__(self) -> None:
        if self.provider not in PROVIDERS:
            raise ValueError(f"LLM provider must be one of {PROVIDERS}, not {self.provider!r}")
        if self.response_format not in ("json_object", "json_schema", "none"):
            raise ValueError(f"response_format must be json_object, json_schema or none, not {self.response_format!r}")
        if not self.model:
            raise ValueError("an LLM model (the deployment name on Azure) is required")
        if self.provider == "azure_openai" and not self.endpoint:
            raise ValueError("azure_openai needs the resource endpoint, https://<resource>.openai.azure.com")
        if self.max_retries < 0 or self.breaker_failures < 0:
            raise ValueError(f"max_retries and breaker_failures are counts (0 or more), not {self.max_retries} and "
                             f"{self.breaker_failures}")


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass
class _Slot:
    at: float
    tokens: int


class RateLimiter:
    """Sliding one-minute window over requests and tokens: waits on the clock until the next request fits.

    A request is booked with its estimated tokens and settled with the tokens it really used. One request larger
    than the whole token limit goes alone, once the window is empty.
    """

    WINDOW_S = 60.0

    def __init__(self, requests_per_minute: int, tokens_per_minute: int, clock: Clock):
        self.rpm, self.tpm, self.clock = requests_per_minute, tokens_per_minute, clock
        self._window: deque[_Slot] = deque()
        self._lock = threading.Lock()
        self.waited_s = 0.0

    def acquire(self, tokens: int) -> _Slot:
        with self._lock:
            while True:
                now = self.clock.monotonic()
                while self._window and self._window[0].at <= now - self.WINDOW_S:
                    self._window.popleft()
                used = sum(s.tokens for s in self._window)
                if not self._window or (len(self._window) < self.rpm and used + tokens <= self.tpm):
                    slot = _Slot(now, tokens)
                    self._window.append(slot)
                    return slot
                wait = self._window[0].at + self.WINDOW_S - now
                self.waited_s += wait
                self.clock.sleep(wait)

    def settle(self, slot: _Slot, tokens: int) -> None:
        with self._lock:
            slot.tokens = tokens


@dataclass
class Usage:
    """What a client spent in this run."""

    requests: int = 0  # HTTP requests sent, retries included
    retries: int = 0
    connection_failures: int = 0  # requests that could not connect after their retries
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    cache_hits: int = 0
    rate_limit_wait_s: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_metadata(self) -> dict[str, float | int]:
        return {**{f"llm_{k}": round(v, 6) if isinstance(v, float) else v for k, v in asdict(self).items()},
                "llm_total_tokens": self.total_tokens}


class ResponseCache:
    """Valid answers on disk (SQLite), by a key that says what was asked; shared by runs and processes."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, content TEXT NOT NULL, "
                       "created REAL NOT NULL)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, key: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT content FROM answers WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, content: str) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)", (key, content, time.time()))

    def __len__(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT count(*) FROM answers").fetchone()[0]


def signature(*parts: object) -> str:
    """A stable hash of JSON-serializable parts."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    return sum(len(m["content"]) for m in messages) // CHARS_PER_TOKEN + 4 * len(messages)


def _openai_client(settings: LLMSettings) -> openai.OpenAI:
    common: dict[str, Any] = {"api_key": settings.api_key, "max_retries": 0, "timeout": settings.timeout_s}
    if settings.provider == "azure_openai":
        return openai.AzureOpenAI(azure_endpoint=settings.endpoint, api_version=settings.api_version,
                                  azure_deployment=settings.model, **common)
    return openai.OpenAI(base_url=settings.endpoint or None, **common)


@dataclass
class ChatClient:
    """Masked, rate-limited, retried, budgeted and cached chat completions with validated JSON answers."""

    settings: LLMSettings
    cache: ResponseCache | None = None
    clock: Clock = field(default_factory=SystemClock)
    usage: Usage = field(default_factory=Usage)

    def __post_init__(self) -> None:
        self._client = _openai_client(self.settings)
        self._limiter = RateLimiter(self.settings.requests_per_minute, self.settings.tokens_per_minute, self.clock)
        self._failed_in_a_row = 0
        self.unreachable = ""  # why the breaker opened; empty while it is closed

    @property
    def where(self) -> str:
        return self.settings.endpoint or "api.openai.com"

    def complete(
        self, messages: list[dict[str, str]], parse: Callable[[str], T], cache_key: str | None = None,
        schema: dict[str, Any] | None = None,
    ) -> T:
        """The parsed answer to ``messages`` (masked before sending).

        ``parse`` raises InvalidAnswer for an answer to ask again; ``cache_key`` names what is asked (default: a
        hash of the masked request), so a caller can reuse answers across changes that do not matter to it.
        Raises RequestFailed (ConnectionFailed, ContentFiltered), BudgetExhausted or LLMUnreachable.
        """
        masked = [{"role": m["role"], "content": mask_for_external_service(m["content"])} for m in messages]
        s = self.settings
        key = signature(s.provider, s.model, cache_key or [masked, s.temperature, s.response_format, schema])
        if self.cache is not None and (cached := self.cache.get(key)) is not None:
            try:
                answer = parse(cached)
            except InvalidAnswer:
                pass  # written by an older parser: ask again
            else:
                self.usage.cache_hits += 1
                return answer
        if self.unreachable:
            raise LLMUnreachable(self.unreachable)
        problem: InvalidAnswer | None = None
        for _ in range(max(1, s.answer_attempts)):
            content = self._send(masked, schema)
            try:
                answer = parse(content)
            except InvalidAnswer as exc:
                problem = exc
                continue
            if self.cache is not None:
                self.cache.put(key, content)
            return answer
        raise RequestFailed(f"invalid answer after {s.answer_attempts} attempts: {problem}")

    def _check_budget(self, prompt_estimate: int) -> None:
        """Stop before a request whose worst case (estimated prompt, full completion) would pass the budget."""
        s, u = self.settings, self.usage
        if s.budget_tokens and u.total_tokens + prompt_estimate + s.max_completion_tokens > s.budget_tokens:
            raise BudgetExhausted(f"token budget {s.budget_tokens:,} reached ({u.total_tokens:,} spent)")
        if s.budget_cost and u.cost + self._cost(prompt_estimate, s.max_completion_tokens) > s.budget_cost:
            raise BudgetExhausted(f"cost budget {s.budget_cost} reached ({u.cost:.4f} spent)")

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        s = self.settings
        return (prompt_tokens * s.price_input_per_million + completion_tokens * s.price_output_per_million) / 1e6

    def _request_options(self, schema: dict[str, Any] | None) -> dict[str, Any]:
        s = self.settings
        options: dict[str, Any] = {"model": s.model, "temperature": s.temperature,
                                   "max_completion_tokens": s.max_completion_tokens}
        if s.response_format == "json_schema" and schema is not None:
            options["response_format"] = {"type": "json_schema", "json_schema": schema}
        elif s.response_format != "none":
            options["response_format"] = {"type": "json_object"}
        return options

    def _send(self, messages: list[dict[str, str]], schema: dict[str, Any] | None) -> str:
        """One answer's content, retrying 429/5xx/connection errors with backoff; any HTTP answer closes the
        breaker's count, a request that never connects adds to it."""
        s = self.settings
        prompt_estimate = estimate_tokens(messages)
        options = self._request_options(schema)
        for attempt in range(s.max_retries + 1):
            self._check_budget(prompt_estimate)
            waited = self._limiter.waited_s
            slot = self._limiter.acquire(prompt_estimate + s.max_completion_tokens)
            self.usage.rate_limit_wait_s += self._limiter.waited_s - waited
            self.usage.requests += 1
            try:
                response = self._client.chat.completions.create(messages=messages, **options)  # type: ignore[arg-type]
            except openai.APIStatusError as exc:
                self._limiter.settle(slot, 0)
                self._failed_in_a_row = 0
                if exc.code == "content_filter":
                    raise ContentFiltered(f"content filter: {exc.message}") from exc
                if exc.status_code not in RETRYABLE_STATUS or attempt == s.max_retries:
                    raise RequestFailed(f"HTTP {exc.status_code}: {exc.message}") from exc
                wait = retry_after_seconds(exc.response.headers)
            except openai.APIConnectionError as exc:  # refused, reset or timed out (APITimeoutError)
                self._limiter.settle(slot, 0)
                if attempt == s.max_retries:
                    raise self._connection_failed(exc, attempt + 1) from exc
                wait = None
            except (openai.APIResponseValidationError, json.JSONDecodeError) as exc:
                self._limiter.settle(slot, 0)
                self._failed_in_a_row = 0
                if attempt == s.max_retries:
                    raise RequestFailed(f"{type(exc).__name__}: {exc}") from exc
                wait = None
            else:
                self._failed_in_a_row = 0
                return self._record(response, slot)
            self.usage.retries += 1
            self.clock.sleep(min(s.max_backoff_s, wait if wait is not None else 2.0 ** attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _connection_failed(self, exc: openai.APIConnectionError, attempts: int) -> ConnectionFailed:
        """The error for a request that never connected; opens the breaker at ``breaker_failures`` in a row."""
        self.usage.connection_failures += 1
        self._failed_in_a_row += 1
        n = self.settings.breaker_failures
        if n and self._failed_in_a_row >= n:
            self.unreachable = (f"{UNREACHABLE} at {self.where}: {n} requests in a row could not connect "
                                f"({type(exc).__name__}); nothing more is sent in this run")
        return ConnectionFailed(f"{UNREACHABLE} at {self.where}: {type(exc).__name__}: {exc} "
                                f"(after {attempts} attempts)")

    def _record(self, response: Any, slot: _Slot) -> str:
        used = response.usage
        prompt, completion = (used.prompt_tokens, used.completion_tokens) if used else (0, 0)
        self._limiter.settle(slot, prompt + completion)
        self.usage.prompt_tokens += prompt
        self.usage.completion_tokens += completion
        self.usage.cost += self._cost(prompt, completion)
        if not response.choices:
            raise RequestFailed("the answer has no choices")
        choice = response.choices[0]
        if choice.finish_reason == "content_filter":
            raise ContentFiltered("content filter: the answer was filtered")
        return choice.message.content or ""


def parse_json_object(content: str) -> dict[str, Any]:
    """The answer as a JSON object (a ```json fence is tolerated); InvalidAnswer otherwise."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidAnswer(f"not a JSON object: {type(value).__name__}")
    return value


def open_client(settings: LLMSettings, cache_dir: Path, clock: Clock | None = None) -> ChatClient:
    """A client whose answers are cached under ``cache_dir``/llm/answers.sqlite."""
    return ChatClient(settings, ResponseCache(cache_dir / "llm" / "answers.sqlite"), clock or SystemClock())
