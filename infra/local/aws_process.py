"""moto server in its own process, so its state is never shared with an in-process mock_aws.

It exits when its parent goes away (stdin reaches end of file), so nothing outlives the stack.
With --faults, requests pass through the fault injector first (infra/local/faults.py).

    python -m infra.local.aws_process HOST PORT [--faults]
"""

from __future__ import annotations

import logging
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from infra.local import moto_fixes
from infra.local.faults import FaultInjector


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    moto_fixes.apply()
    app = DomainDispatcherApplication(create_backend_app)  # what moto's ThreadedMotoServer serves
    server = make_server(host, port, FaultInjector(app) if "--faults" in sys.argv[3:] else app, threaded=True)
    threading.Thread(target=server.serve_forever, name="moto", daemon=True).start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.read()  # blocks until the parent closes the pipe or dies
    server.shutdown()


if __name__ == "__main__":
    main()
