"""A contact centre on loopback for the demo and the tests: receives signed pushes and keeps them.

It checks the HMAC signature of the generic HTTPS connector, answers 401 to a bad one, and
keeps each Idempotency-Key once, as a real receiver should. `accepted` counts, per key, every
push it answered 2xx to, so a test can tell "delivered once" from "delivered again and deduplicated".

Outages for the fault tests (`outage`): "refuse" answers 503 at once; "hang" holds each request
for `hold_seconds` (longer than the client waits) and then answers 503 to nobody. Either way
nothing is accepted while the outage lasts.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

OUTAGES = ("refuse", "hang")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # room for a burst of pushes on a busy machine (see stack.LoopbackServer)


class ContactCentreFake:
    def __init__(self, signing_key: str, host: str = "127.0.0.1", port: int = 0, path: str = "/social-context"):
        self.signing_key = signing_key.encode()
        self.path = path
        self.received: dict[str, dict[str, Any]] = {}
        self.accepted: Counter[str] = Counter()
        self.deliveries = 0
        self.rejected = 0
        self.refused = 0
        self.hung = 0
        self.holding = 0  # requests held by a "hang" outage that have not ended yet
        self.mode: str | None = None
        self.hold_seconds = 11.0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server((host, port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, name="contact-centre", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def start(self) -> ContactCentreFake:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases held requests
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ContactCentreFake:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def outage(self, mode: str | None, hold_seconds: float = 11.0) -> None:
        """Start an outage ("refuse" or "hang"), or end it (None)."""
        if mode is not None and mode not in OUTAGES:
            raise ValueError(f"outage must be one of {OUTAGES} or None")
        with self._lock:
            self.mode, self.hold_seconds = mode, hold_seconds

    def _hold(self, seconds: float) -> None:
        try:
            self._stopping.wait(seconds)
        finally:
            with self._lock:
                self.holding -= 1

    def _accept(self, headers, body: bytes) -> int:
        with self._lock:
            self.deliveries += 1
            mode, hold = self.mode, self.hold_seconds
            if mode == "refuse":
                self.refused += 1
                return 503
            if mode == "hang":
                self.hung += 1
                self.holding += 1  # with the count, so no one sees it hung and not yet holding
        if mode == "hang":
            self._hold(hold)
            return 503
        timestamp = headers.get("X-SocialCRM-Timestamp", "")
        signature = headers.get("X-SocialCRM-Signature", "")
        expected = "sha256=" + hmac.new(self.signing_key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        with self._lock:
            if not hmac.compare_digest(signature, expected):
                self.rejected += 1
                return 401
            key = headers.get("Idempotency-Key") or hashlib.sha256(body).hexdigest()
            self.received.setdefault(key, json.loads(body))
            self.accepted[key] += 1
        return 200

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = fake._accept(self.headers, body) if self.path == fake.path else 404
                with contextlib.suppress(OSError):  # a client that gave up on a held request is gone
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}' if status == 200 else b'{"ok": false}')

            def log_message(self, *_args) -> None:  # keep test output quiet
                return

        return Handler
