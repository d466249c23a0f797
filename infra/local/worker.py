"""One function's execution environment: imports the handler once (cold start), then serves invocations.

Protocol: one JSON line in on stdin ({"event", "request_id", "deadline_ms"}), one JSON line out
({"result"} or {"error"}) on the original stdout. The handler's own output (Powertools logs, EMF,
prints) is moved to stderr so it can never corrupt the protocol.

    python -m infra.local.worker <code_dir> <module.function> <function_name> <timeout_s> <memory_mb> [<layer_dir>...]

Only the modules Lambda would give the function can be imported: the runtime's and its layers' (layer_guard.py).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
import uuid
from pathlib import Path

from infra.local import layer_guard

REGION = os.environ.get("AWS_REGION", "us-east-1")


class LambdaContext:
    def __init__(self, function_name: str, memory_mb: int, request_id: str, deadline: float) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/{function_name}"
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    code_dir, handler_path, function_name, timeout_s, memory_mb = sys.argv[1:6]
    layer_guard.install(Path(code_dir), [Path(layer) for layer in sys.argv[6:]], function_name)
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.path.insert(0, code_dir)
    module_name, function = handler_path.rsplit(".", 1)
    handler = getattr(importlib.import_module(module_name), function)
    protocol.write(json.dumps({"ready": True}) + "\n")

    for line in sys.stdin:
        request = json.loads(line)
        request_id = request.get("request_id") or str(uuid.uuid4())
        context = LambdaContext(function_name, int(memory_mb), request_id, time.monotonic() + float(timeout_s))
        try:
            answer = {"result": handler(request["event"], context)}
        except Exception as error:  # reported like Lambda reports an unhandled error
            answer = {"error": {"errorMessage": str(error), "errorType": type(error).__name__,
                                "stackTrace": traceback.format_exception(error)}}
        sys.stderr.flush()
        try:
            protocol.write(json.dumps(answer, default=str) + "\n")
        except (TypeError, ValueError) as error:
            protocol.write(json.dumps({"error": {"errorMessage": f"result is not JSON: {error}",
                                                 "errorType": "Runtime.MarshalError"}}) + "\n")


if __name__ == "__main__":
    main()
