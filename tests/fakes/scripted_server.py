"""A generic scripted HTTP server on 127.0.0.1 for testing real clients over real connections.

Every request is logged (method, path, query, headers, body). Replies come first from a queue of scripted
faults (status, headers such as Retry-After, raw body), then from the server's handler. Subclass it, or pass a
handler, to build a fake of a particular service (see ``openai_server.py``).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass(frozen=True)
class Reply:
    """One HTTP answer; a dict or list body is sent as JSON, bytes or str as they are (malformed bodies too)."""

    status: int = 200
    body: bytes | str | dict | list = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, dict | list):
            headers.setdefault("Content-Type", "application/json")
            return json.dumps(self.body).encode(), headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return self.body.encode(), headers
        return self.body, headers


@dataclass(frozen=True)
class Received:
    """A request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


Handler = Callable[[Received], Reply]


def _not_found(request: Received) -> Reply:
    return Reply(404, {"error": f"no route for {request.method} {request.path}"})


class ScriptedServer:
    """Threaded HTTP server on 127.0.0.1 (free port); use as a context manager or through the fixture."""

    def __init__(self, handler: Handler | None = None) -> None:
        self._handler = handler or self.handle
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self.requests: list[Received] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._request_handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    # --- what tests use ---------------------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, *replies: Reply) -> None:
        """Queue replies that answer the next requests, in order, before the handler is asked."""
        with self._lock:
            self._script.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not yet used."""
        with self._lock:
            return len(self._script)

    def handle(self, request: Received) -> Reply:
        """The default answer when nothing is scripted; subclasses override it."""
        return _not_found(request)

    def start(self) -> ScriptedServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="scripted-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- plumbing ---------------------------------------------------------------------------------------------------

    def _answer(self, request: Received) -> Reply:
        with self._lock:
            self.requests.append(request)
            scripted = self._script.popleft() if self._script else None
        return scripted if scripted is not None else self._handler(request)

    def _request_handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()),
                                   self.rfile.read(length) if length else b"")
                reply = server._answer(request)
                body, headers = reply.encoded()
                self.send_response(reply.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                pass

        return _Handler


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    """A running ScriptedServer with no routes (404 unless scripted); stopped after the test."""
    with ScriptedServer() as server:
        yield server
