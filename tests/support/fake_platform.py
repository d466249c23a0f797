"""A fake of a platform's API on 127.0.0.1: routes answer as a test scripts them, every request is recorded, and a
route can be told to act, then stall past the client's timeout (the platform received it; we never heard back)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Seen:
    method: str
    path: str  # percent-decoded
    raw_path: str  # as sent
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode(), keep_blank_values=True).items()}


Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]
Handler = Callable[[Seen, re.Match[str]], Answer]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    stalls: list[float] = field(default_factory=list)  # seconds to wait after acting, one per coming request


class FakePlatform:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(self.command, unquote(parts.path), parts.path,
                            {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                            {k.lower(): v for k, v in self.headers.items()}, body)
                status, payload, headers, stall = fake.answer(seen)
                time.sleep(stall)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up waiting
                    return

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, *_args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, method: str, pattern: str, handler: Handler, *, first: bool = False) -> Route:
        """Answer `method` on paths matching `pattern` with `handler`; `first`: ahead of the routes already set."""
        added = Route(method, re.compile(pattern), handler)
        self.routes.insert(0 if first else len(self.routes), added)
        return added

    def stall_next(self, method: str, pattern: str, seconds: float) -> None:
        """The next request to that route is acted on, then answered only after `seconds`."""
        for candidate in self.routes:
            if candidate.method == method and candidate.pattern.pattern == pattern:
                candidate.stalls.append(seconds)
                return
        raise KeyError(pattern)

    def answer(self, seen: Seen) -> tuple[int, Any, dict[str, str], float]:
        with self.lock:
            self.seen.append(seen)
            for candidate in self.routes:
                match = candidate.pattern.fullmatch(seen.path)
                if candidate.method == seen.method and match:
                    result = candidate.handler(seen, match)
                    stall = candidate.stalls.pop(0) if candidate.stalls else 0.0
                    headers = result[2] if len(result) == 3 else {}
                    return result[0], result[1], headers, stall
        return 404, {"error": {"message": f"no route for {seen.method} {seen.path}"}}, {}, 0.0

    def requests_to(self, method: str, pattern: str) -> list[Seen]:
        compiled = re.compile(pattern)
        return [seen for seen in self.seen if seen.method == method and compiled.fullmatch(seen.path)]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def fake_platform() -> Iterator[FakePlatform]:
    fake = FakePlatform()
    try:
        yield fake
    finally:
        fake.close()
