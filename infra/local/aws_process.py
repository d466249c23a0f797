"""moto server in its own process, so its state is never shared with an in-process mock_aws.

It exits when its parent goes away (stdin reaches end of file), so nothing outlives the stack.

    python -m infra.local.aws_process HOST PORT
"""

from __future__ import annotations

import logging
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    host, port = sys.argv[1], int(sys.argv[2])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.read()  # blocks until the parent closes the pipe or dies
    server.stop()


if __name__ == "__main__":
    main()
