"""A contact centre on loopback for the demo and the tests: receives signed pushes and keeps them.

It checks the HMAC signature of the generic HTTPS connector, answers 401 to a bad one, and
keeps each Idempotency-Key once, as a real receiver should.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class ContactCentreFake:
    def __init__(self, signing_key: str, host: str = "127.0.0.1", port: int = 0, path: str = "/social-context"):
        self.signing_key = signing_key.encode()
        self.path = path
        self.received: dict[str, dict[str, Any]] = {}
        self.deliveries = 0
        self.rejected = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="contact-centre", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def start(self) -> ContactCentreFake:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ContactCentreFake:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _accept(self, headers, body: bytes) -> int:
        timestamp = headers.get("X-SocialCRM-Timestamp", "")
        signature = headers.get("X-SocialCRM-Signature", "")
        expected = "sha256=" + hmac.new(self.signing_key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        with self._lock:
            self.deliveries += 1
            if not hmac.compare_digest(signature, expected):
                self.rejected += 1
                return 401
            key = headers.get("Idempotency-Key") or hashlib.sha256(body).hexdigest()
            self.received.setdefault(key, json.loads(body))
        return 200

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status = fake._accept(self.headers, body) if self.path == fake.path else 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if status == 200 else b'{"ok": false}')

            def log_message(self, *_args) -> None:  # keep test output quiet
                return

        return Handler
