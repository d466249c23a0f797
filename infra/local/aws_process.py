"""moto server in its own process, so its state is never shared with an in-process mock_aws.

It exits when its parent goes away (stdin reaches end of file), so nothing outlives the stack.
With --faults, requests pass through the fault injector first (infra/local/faults.py). Connections are
kept alive between requests (werkzeug closes each one), which spares moto a connection and a thread per call.

    python -m infra.local.aws_process HOST PORT [--faults]
"""

from __future__ import annotations

import faulthandler
import io
import logging
import signal
import socket
import sys
import threading
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import WSGIRequestHandler, make_server

from infra.local import moto_fixes
from infra.local.faults import FaultInjector


class KeepAliveHandler(WSGIRequestHandler):
    """werkzeug's handler, except that a connection serves request after request. werkzeug closes each
    one because a body the application leaves unread would spoil the next request; here the body is
    read in full before the application runs. Chunked or 100-continue requests still close."""

    keep_alive = False

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in separate writes: on a kept connection, Nagle's algorithm and the
        # client's delayed ACK would hold the body back for 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def run_wsgi(self) -> None:
        self.keep_alive = "Transfer-Encoding" not in self.headers and "Expect" not in self.headers
        if not self.keep_alive:
            super().run_wsgi()
            return
        connection, self.rfile = self.rfile, io.BytesIO(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        try:
            super().run_wsgi()
        finally:
            self.rfile = connection

    def send_header(self, keyword: str, value: Any) -> None:
        if not (self.keep_alive and keyword.lower() == "connection" and str(value).lower() == "close"):
            super().send_header(keyword, value)


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    moto_fixes.apply()
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>`: every thread's stack on stderr (the stack's log)
    app = DomainDispatcherApplication(create_backend_app)  # what moto's ThreadedMotoServer serves
    server = make_server(host, port, FaultInjector(app) if "--faults" in sys.argv[3:] else app, threaded=True,
                         request_handler=KeepAliveHandler)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.read()  # blocks until the parent closes the pipe or dies
    server.shutdown()


if __name__ == "__main__":
    main()
