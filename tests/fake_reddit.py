"""A fake of the Reddit API on loopback, serving recorded listing pages, with rate-limit headers and
scripted failures (429, 500) at chosen request numbers."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).resolve().parents[1] / "events" / "polling"
USER_AGENT = "python:socialcrm-tests:1.0 (by /u/acme_social)"


def recorded_matches() -> set[str]:
    search = json.loads((RECORDED / "reddit_search_gadgets.json").read_text(encoding="utf-8"))
    comments = json.loads((RECORDED / "reddit_comments_gadgets.json").read_text(encoding="utf-8"))
    wanted = {c["data"]["name"] for page in search for c in page["data"]["children"]}
    wanted |= {c["data"]["name"] for page in comments for c in page["data"]["children"] if "acme" in c["data"]["body"]}
    return wanted


class FakeReddit:
    def __init__(self, client_id: str, client_secret: str, user_agent: str) -> None:
        self.expected_auth = "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self.user_agent = user_agent
        self.listings: dict[str, list[dict]] = {
            "/r/gadgets/search": json.loads((RECORDED / "reddit_search_gadgets.json").read_text(encoding="utf-8")),
            "/r/gadgets/comments": json.loads((RECORDED / "reddit_comments_gadgets.json").read_text(encoding="utf-8")),
        }
        self.failures: dict[int, tuple[int, dict[str, str]]] = {}  # API request number -> (status, headers)
        self.api_requests = 0
        self.token_requests = 0
        self.bad_user_agents = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                return

            def _send(self, status: int, body: dict | None, headers: dict[str, str] | None = None) -> None:
                payload = json.dumps(body or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake.lock:
                    fake.token_requests += 1
                if self.headers.get("Authorization") != fake.expected_auth:
                    return self._send(401, {"error": 401})
                return self._send(200, {"access_token": "fake-token", "token_type": "bearer", "expires_in": 86400})

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                with fake.lock:
                    fake.api_requests += 1
                    number = fake.api_requests
                    if self.headers.get("User-Agent") != fake.user_agent:
                        fake.bad_user_agents += 1
                if self.headers.get("Authorization") != "bearer fake-token":
                    return self._send(401, {"error": 401})
                limits = {"X-Ratelimit-Used": str(number), "X-Ratelimit-Remaining": str(max(0, 600 - number)),
                          "X-Ratelimit-Reset": "1"}
                if number in fake.failures:
                    status, headers = fake.failures[number]
                    return self._send(status, {"error": status}, {**limits, **headers})
                pages = fake.listings.get(parts.path)
                if pages is None:
                    return self._send(404, {"error": 404})
                after = parse_qs(parts.query).get("after", [None])[0]
                index = 0 if after is None else next(
                    (i + 1 for i, page in enumerate(pages) if page["data"]["after"] == after), None)
                if index is None or index >= len(pages):
                    return self._send(200, {"kind": "Listing", "data": {"after": None, "children": []}}, limits)
                return self._send(200, pages[index], limits)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def add_newer(self, path: str, children: list[dict]) -> None:
        """New posts arrive: they come first in the newest-first listing."""
        pages = self.listings[path]
        pages[0] = {**pages[0], "data": {**pages[0]["data"], "children": children + pages[0]["data"]["children"]}}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
