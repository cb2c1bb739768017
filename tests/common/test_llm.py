"""The LLM chat client over the real openai client and real HTTP, against a fake service on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import openai_server
from fakes.openai_server import (
    API_KEY,
    FakeOpenAI,
    answer_text,
    content_filter,
    malformed_body,
    rate_limited,
    server_error,
)

from isco_assets.lib.common.llm import (
    BudgetExhausted,
    ChatClient,
    ContentFiltered,
    InvalidAnswer,
    LLMSettings,
    RateLimiter,
    RequestFailed,
    ResponseCache,
    parse_json_object,
)
from isco_assets.lib.common.privacy import mask_for_external_service

fake_openai = openai_server.fake_openai  # the fixture: a FakeOpenAI on 127.0.0.1 per test


class FakeClock:
    """Time that moves only when someone sleeps: the tests never wait."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def openai_settings(server: FakeOpenAI, **overrides) -> LLMSettings:
    return LLMSettings(provider="openai", model="gpt-test", api_key=API_KEY, endpoint=server.openai_url,
                       **overrides)


def client_for(server: FakeOpenAI, tmp_path: Path | None = None, **overrides) -> ChatClient:
    cache = ResponseCache(tmp_path / "answers.sqlite") if tmp_path else None
    return ChatClient(openai_settings(server, **overrides), cache, FakeClock())


ASK = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Name this occupation."}]


def test_openai_route_sends_model_key_and_json_format(fake_openai):
    client = client_for(fake_openai)
    answer = client.complete(ASK, parse_json_object)
    assert answer == {"model": "gpt-test", "echo": "Name this occupation."}
    (request,) = fake_openai.chat_requests
    assert request.path == "/v1/chat/completions"
    assert request.header("Authorization") == f"Bearer {API_KEY}"
    assert request.json["response_format"] == {"type": "json_object"}
    assert request.json["temperature"] == 0.0
    assert client.usage.requests == 1 and client.usage.retries == 0
    assert client.usage.prompt_tokens > 0 and client.usage.completion_tokens > 0


def test_azure_route_uses_deployment_api_version_and_api_key(fake_openai):
    settings = LLMSettings(provider="azure_openai", model="naming-gpt4o", api_key=API_KEY, endpoint=fake_openai.url,
                           api_version="2024-10-21")
    answer = ChatClient(settings, clock=FakeClock()).complete(ASK, parse_json_object)
    assert answer["echo"] == "Name this occupation."
    (request,) = fake_openai.chat_requests
    assert request.path == "/openai/deployments/naming-gpt4o/chat/completions"
    assert request.query["api-version"] == ["2024-10-21"]
    assert request.header("api-key") == API_KEY
    assert request.header("Authorization") is None


def test_json_schema_format_sends_the_schema(fake_openai):
    schema = {"name": "answer", "strict": True, "schema": {"type": "object", "properties": {}}}
    client_for(fake_openai, response_format="json_schema").complete(ASK, parse_json_object, schema=schema)
    assert fake_openai.chat_requests[0].json["response_format"] == {"type": "json_schema", "json_schema": schema}


def test_429_is_retried_after_retry_after_and_500_with_backoff(fake_openai):
    fake_openai.script(rate_limited(retry_after="7"), server_error())
    client = client_for(fake_openai)
    assert client.complete(ASK, parse_json_object)["model"] == "gpt-test"
    assert len(fake_openai.chat_requests) == 3
    assert client.clock.sleeps == [7.0, 2.0]  # Retry-After honoured, then exponential backoff (1 s, 2 s, ...)
    assert client.usage.requests == 3 and client.usage.retries == 2


def test_retries_are_bounded(fake_openai):
    fake_openai.script(*[server_error()] * 3)
    client = client_for(fake_openai, max_retries=2)
    with pytest.raises(RequestFailed, match="HTTP 500"):
        client.complete(ASK, parse_json_object)
    assert len(fake_openai.chat_requests) == 3 and client.usage.retries == 2


def test_content_filter_fails_at_once(fake_openai):
    fake_openai.script(content_filter())
    client = client_for(fake_openai)
    with pytest.raises(ContentFiltered):
        client.complete(ASK, parse_json_object)
    assert len(fake_openai.chat_requests) == 1


def test_malformed_body_is_retried(fake_openai):
    fake_openai.script(malformed_body())
    client = client_for(fake_openai)
    assert client.complete(ASK, parse_json_object)["model"] == "gpt-test"
    assert client.usage.retries == 1


def test_answer_that_fails_the_parser_is_asked_again_then_given_up(fake_openai):
    fake_openai.script(answer_text("Sure! Here is the name: Scrum Masters"))
    client = client_for(fake_openai)
    assert client.complete(ASK, parse_json_object)["model"] == "gpt-test"
    assert len(fake_openai.chat_requests) == 2

    fake_openai.script(answer_text("not json"), answer_text("[1, 2]"))
    with pytest.raises(RequestFailed, match="invalid answer after 2 attempts"):
        client.complete(ASK, parse_json_object)


def test_cache_answers_identical_requests_without_sending(fake_openai, tmp_path):
    first = client_for(fake_openai, tmp_path)
    answer = first.complete(ASK, parse_json_object)
    assert first.complete(ASK, parse_json_object) == answer
    later_run = client_for(fake_openai, tmp_path)  # a new run, same cache file
    assert later_run.complete(ASK, parse_json_object) == answer
    assert len(fake_openai.chat_requests) == 1
    assert first.usage.cache_hits == 1 and later_run.usage.cache_hits == 1 and later_run.usage.requests == 0
    other = [*ASK[:1], {"role": "user", "content": "Another question."}]
    later_run.complete(other, parse_json_object)
    assert len(fake_openai.chat_requests) == 2


def test_invalid_answers_are_not_cached(fake_openai, tmp_path):
    fake_openai.script(answer_text("no"), answer_text("no"))
    with pytest.raises(RequestFailed):
        client_for(fake_openai, tmp_path).complete(ASK, parse_json_object)
    assert len(ResponseCache(tmp_path / "answers.sqlite")) == 0


def test_token_budget_stops_before_the_request_that_would_pass_it(fake_openai):
    client = client_for(fake_openai, budget_tokens=2_000, max_completion_tokens=100)
    with pytest.raises(BudgetExhausted, match="token budget 2,000"):
        for i in range(20):
            client.complete([*ASK[:1], {"role": "user", "content": f"Question {i}. " * 60}], parse_json_object)
    assert 3 < client.usage.requests == len(fake_openai.chat_requests) < 20
    assert client.usage.total_tokens <= 2_000


def test_cost_budget_uses_the_prices(fake_openai):
    client = client_for(fake_openai, budget_cost=0.01, price_input_per_million=100.0,
                        price_output_per_million=100.0, max_completion_tokens=20)
    with pytest.raises(BudgetExhausted, match="cost budget"):
        for i in range(10):
            client.complete([*ASK[:1], {"role": "user", "content": f"Question {i}."}], parse_json_object)
    assert 0 < client.usage.cost <= 0.01 + 1e-9
    assert client.usage.as_metadata()["llm_cost"] == round(client.usage.cost, 6)


def test_text_is_masked_before_it_leaves(fake_openai):
    post = ("Scrum master wanted. Contact: John Smith, john.smith@acme.example, +44 20 7946 0958 or "
            "ask for Maria Pérez on (11) 98765-4321.")
    client_for(fake_openai).complete([*ASK[:1], {"role": "user", "content": post}], parse_json_object)
    sent = fake_openai.sent_text()
    for secret in ("john.smith@acme.example", "7946 0958", "98765-4321", "John Smith", "Maria Pérez"):
        assert secret not in sent
    assert "Scrum master wanted" in sent and "[EMAIL]" in sent and "[PHONE]" in sent and "[NAME]" in sent


def test_limiter_keeps_requests_per_minute():
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=2, tokens_per_minute=10_000, clock=clock)
    for _ in range(5):
        limiter.acquire(10)
    assert clock.sleeps == [60.0, 60.0]  # two per minute: requests 3 and 5 wait for a free slot


def test_limiter_keeps_tokens_per_minute_with_settled_usage():
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=200, tokens_per_minute=1_000, clock=clock)
    slot = limiter.acquire(900)  # booked at the estimate ...
    limiter.settle(slot, 300)  # ... settled at what was really used
    limiter.acquire(600)
    assert clock.sleeps == []
    clock.now = 30.0
    limiter.acquire(500)  # 900 in the window: waits until the first request leaves it, at t=60
    assert clock.sleeps == [30.0] and limiter.waited_s == 30.0
    limiter.acquire(5_000)  # larger than the whole limit: goes alone once the window is empty
    assert clock.now == pytest.approx(120.0)


def test_client_waits_for_the_limiter(fake_openai):
    client = client_for(fake_openai, requests_per_minute=1)
    for i in range(3):
        client.complete([*ASK[:1], {"role": "user", "content": f"Question {i}."}], parse_json_object)
    assert client.clock.sleeps == [60.0, 60.0] and client.usage.rate_limit_wait_s == 120.0


def test_parse_json_object():
    assert parse_json_object('```json\n{"a": 1}\n```') == {"a": 1}
    with pytest.raises(InvalidAnswer):
        parse_json_object('{"a": ')


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Contact: John Smith", "Contact: [NAME]"),
        ("Contacto: Juan de la Cruz, RRHH", "Contacto: [NAME], RRHH"),
        ("Hubungi Encik Ahmad bin Ali", "Hubungi [NAME]"),
        ("Dear Mr. Smith,", "Dear Mr. [NAME],"),
        ("Senior Contact Center Agent", "Senior Contact Center Agent"),  # a job title, not a contact
        ("Sr. Software Engineer", "Sr. Software Engineer"),  # "Sr" is "Senior" here
        ("Attention to detail", "Attention to detail"),
    ],
)
def test_names_masked_for_external_services(text, expected):
    assert mask_for_external_service(text) == expected
