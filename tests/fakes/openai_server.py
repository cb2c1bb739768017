"""A fake OpenAI / Azure OpenAI chat-completions service on 127.0.0.1, for the real ``openai`` client.

Routes: OpenAI's ``POST /v1/chat/completions`` (``Authorization: Bearer``) and Azure's
``POST /openai/deployments/{deployment}/chat/completions?api-version=...`` (``api-key`` header). A normal answer
is built by the ``answer`` function from the request body; faults are scripted (429 with Retry-After, 500,
a malformed body, Azure's content-filter error, or any chosen answer text).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .scripted_server import Received, Reply, ScriptedServer

API_KEY = "test-key"
_AZURE_PATH = re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)/chat/completions$")

Answer = Callable[[dict[str, Any]], str | dict]


def echo_answer(body: dict[str, Any]) -> dict:
    """The default answer: which model was asked and the start of the last message."""
    return {"model": body.get("model"), "echo": body["messages"][-1]["content"][:200]}


def completion(content: str, model: str = "fake-model", prompt_tokens: int = 0,
               finish_reason: str = "stop") -> dict[str, Any]:
    completion_tokens = max(1, len(content) // 4)
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000, "model": model,
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def rate_limited(retry_after: str = "0.01") -> Reply:
    return Reply(429, {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
                 {"Retry-After": retry_after})


def server_error() -> Reply:
    return Reply(500, {"error": {"message": "The server had an error", "type": "server_error", "code": None}})


def malformed_body() -> Reply:
    return Reply(200, b'{"id": "chatcmpl-fake", "choices": [', {"Content-Type": "application/json"})


def content_filter() -> Reply:
    """Azure OpenAI's answer when the prompt trips the content filter."""
    return Reply(400, {"error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        "type": None, "param": "prompt", "code": "content_filter", "status": 400,
        "innererror": {"code": "ResponsibleAIPolicyViolation",
                       "content_filter_result": {"violence": {"filtered": True, "severity": "medium"}}},
    }})


def answer_text(content: str) -> Reply:
    """A well-formed completion whose message content is ``content`` (e.g. not JSON)."""
    return Reply(200, completion(content))


class FakeOpenAI(ScriptedServer):
    def __init__(self, answer: Answer = echo_answer) -> None:
        super().__init__()
        self.answer = answer

    @property
    def openai_url(self) -> str:
        """The base URL for ``openai.OpenAI``."""
        return f"{self.url}/v1"

    @property
    def chat_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def sent_text(self) -> str:
        """Every message content the service received, joined."""
        return "\n".join(m["content"] for r in self.chat_requests for m in r.json["messages"])

    def handle(self, request: Received) -> Reply:
        if request.method != "POST":
            return Reply(405, {"error": {"message": "method not allowed"}})
        if request.path == "/v1/chat/completions":
            if request.header("Authorization") != f"Bearer {API_KEY}":
                return Reply(401, {"error": {"message": "Incorrect API key", "code": "invalid_api_key"}})
        elif _AZURE_PATH.match(request.path):
            if request.header("api-key") != API_KEY:
                return Reply(401, {"error": {"code": "401", "message": "Access denied: invalid subscription key"}})
            if not request.query.get("api-version"):
                return Reply(404, {"error": {"code": "404", "message": "Resource not found"}})
        else:
            return Reply(404, {"error": {"message": f"unknown route {request.path}"}})
        body = request.json
        content = self.answer(body)
        text = content if isinstance(content, str) else json.dumps(content)
        prompt_tokens = sum(len(m["content"]) for m in body["messages"]) // 4
        return Reply(200, completion(text, body.get("model", "fake-model"), prompt_tokens))


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server
