"""A contact-centre push to send, and a loopback HTTPS-connector endpoint that answers as scripted."""

from __future__ import annotations

import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from socialcrm.model import ContactPush


def a_push(push_id: str = "p-1") -> ContactPush:
    return ContactPush(push_id=push_id, customer_id="cust-1", customer_name="Ada", platform="facebook",
                       kind="comment", post_id="1_2_3", text="broken again 😡", sentiment="negative",
                       created_at="2026-11-22T10:00:00Z", url="https://www.facebook.com/1_2_3", reason="negative")


class ScriptedServer:
    """Answers each POST with the next scripted (status, headers, delay); records what it got."""

    def __init__(self) -> None:
        self.script: deque[tuple[int, dict[str, str], float]] = deque()
        self.requests: list[tuple[dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status, headers, delay = server.script.popleft() if server.script else (200, {}, 0.0)
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
