"""A fake Azure Translator (Text Translation v3) on 127.0.0.1, for the real translation client.

``POST /translate?api-version=3.0&to=..[&from=..]`` with ``Ocp-Apim-Subscription-Key``; the body is a JSON array
of ``{"Text": ...}``. It enforces the service's request limits (1,000 elements, 50,000 characters: 400 otherwise)
and "translates" deterministically with a tiny word table (unknown words stay as they are). Faults are scripted:
429 with Retry-After, 500.
"""

from __future__ import annotations

import re

from .scripted_server import Received, Reply, ScriptedServer

API_KEY = "test-translator-key"
MAX_ELEMENTS = 1000
MAX_CHARS = 50_000

WORDS = {
    "es": {"enfermero": "nurse", "enfermera": "nurse", "programador": "programmer", "cocinero": "cook",
           "conductor": "driver", "de": "of", "camión": "truck", "y": "and", "con": "with"},
    "pt": {"enfermeiro": "nurse", "programador": "programmer", "cozinheiro": "cook", "motorista": "driver",
           "de": "of", "caminhão": "truck"},
    "it": {"infermiere": "nurse", "programmatore": "programmer", "cuoco": "cook", "autista": "driver"},
    "ms": {"jururawat": "nurse", "pengaturcara": "programmer", "tukang": "worker", "masak": "cook",
           "pemandu": "driver", "lori": "truck"},
}
_WORD = re.compile(r"\w+", re.UNICODE)


def fake_translation(text: str, source: str) -> str:
    """Word-by-word with the table; case of the first letter kept."""
    table = WORDS.get(source, {})

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        out = table.get(word.lower(), word)
        return out.capitalize() if word[:1].isupper() else out

    return _WORD.sub(swap, text)


def _error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, {"error": {"code": code, "message": message}}, headers or {})


def throttled(retry_after: str = "2") -> Reply:
    return _error(429, 429001, "The server rejected the request because the client has exceeded request limits.",
                  {"Retry-After": retry_after})


def server_error() -> Reply:
    return _error(500, 500000, "An unexpected error occurred.")


class FakeTranslator(ScriptedServer):
    @property
    def translate_requests(self) -> list[Received]:
        return [r for r in self.requests if r.path == "/translate"]

    def sent_texts(self) -> list[str]:
        """Every text the service received, in order (retried requests count again)."""
        return [item["Text"] for r in self.translate_requests for item in r.json]

    def handle(self, request: Received) -> Reply:
        if request.method != "POST" or request.path != "/translate":
            return _error(404, 404001, "The requested resource was not found.")
        if request.header("Ocp-Apim-Subscription-Key") != API_KEY:
            return _error(401, 401000, "The request is not authorized because credentials are missing or invalid.")
        if request.query.get("api-version") != ["3.0"]:
            return _error(400, 400021, "The API version parameter is missing or invalid.")
        targets = request.query.get("to") or []
        if len(targets) != 1:
            return _error(400, 400036, "The target language (\"To\" field) is missing or invalid.")
        body = request.json
        if not isinstance(body, list) or not all(isinstance(i, dict) and "Text" in i for i in body):
            return _error(400, 400074, "The body of the request is not valid JSON.")
        if len(body) > MAX_ELEMENTS:
            return _error(400, 400077, "The maximum request size has been exceeded.")
        if sum(len(i["Text"]) for i in body) > MAX_CHARS:
            return _error(400, 400077, "The maximum request size has been exceeded.")
        source = (request.query.get("from") or [""])[0]
        target = targets[0]
        answers = []
        for item in body:
            detected = source or "es"
            answer: dict = {"translations": [{"text": fake_translation(item["Text"], detected), "to": target}]}
            if not source:
                answer["detectedLanguage"] = {"language": detected, "score": 1.0}
            answers.append(answer)
        return Reply(200, answers)
