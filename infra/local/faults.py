"""Faults on demand in the local stack's embedded AWS (tests only): DynamoDB throttling for a stretch.

`FaultInjector` is WSGI middleware in front of moto, in moto's own process (`LocalStack(faults=True)`).
While throttling is on, every DynamoDB request (X-Amz-Target "DynamoDB_20120810.*") gets the answer of
a table over its throughput: HTTP 400, ProvisionedThroughputExceededException; everything else passes.
It counts the throttled answers it served, and every request it saw by service and operation (`make scale`
reads them: AWS calls per post). Control on the same port, by `Faults`:

    GET  /_faults                               -> {"throttle_dynamodb": bool, "throttled": n}
    POST /_faults {"throttle_dynamodb": bool}   -> the same, after the change
    GET  /_faults/calls                         -> {"DynamoDB.PutItem": n, "SQS.SendMessage": n, ...}
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

CONTROL_PATH = "/_faults"
CALLS_PATH = "/_faults/calls"
DYNAMODB_TARGET = "DynamoDB_20120810."
THROTTLED = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                        "message": "Rate of requests exceeds the allowed throughput."}).encode()


class FaultInjector:
    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.throttle_dynamodb = False
        self.throttled = 0
        self.calls: Counter[str] = Counter()

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {"throttle_dynamodb": self.throttle_dynamodb, "throttled": self.throttled}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == CALLS_PATH:
            with self.lock:
                return _json_answer(start_response, dict(self.calls))
        if environ.get("PATH_INFO") == CONTROL_PATH:
            return self._control(environ, start_response)
        with self.lock:
            self.calls[operation_of(environ)] += 1
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET):
            with self.lock:
                throttle = self.throttle_dynamodb
                if throttle:
                    self.throttled += 1
            if throttle:
                environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
                start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"),
                                                   ("Content-Length", str(len(THROTTLED)))])
                return [THROTTLED]
        return self.app(environ, start_response)

    def _control(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == "POST":
            wanted = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"{}")
            with self.lock:
                self.throttle_dynamodb = bool(wanted.get("throttle_dynamodb", self.throttle_dynamodb))
        body = json.dumps(self.state()).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def operation_of(environ: dict[str, Any]) -> str:
    """`Service.Operation` of a request: from X-Amz-Target (JSON protocols: DynamoDB, SQS, Secrets Manager, SSM),
    from the path of an RPC v2 request (CloudWatch), else the HTTP method on S3 (REST)."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        service, _, operation = target.partition(".")
        return f"{SERVICES.get(service, service)}.{operation}"
    path = environ.get("PATH_INFO", "")
    if "/operation/" in path:
        service = path.split("/service/", 1)[-1].split("/", 1)[0]
        return f"{SERVICES.get(service, service)}.{path.rsplit('/', 1)[-1]}"
    return f"S3.{environ.get('REQUEST_METHOD', '?')}"


SERVICES = {"DynamoDB_20120810": "DynamoDB", "AmazonSQS": "SQS", "secretsmanager": "SecretsManager",
            "AmazonSSM": "SSM", "GraniteServiceVersion20100801": "CloudWatch", "Logs_20140328": "Logs"}


def _json_answer(start_response: Callable[..., Any], answer: dict[str, Any]) -> list[bytes]:
    body = json.dumps(answer).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


class Faults:
    """The test's handle on the injector of a running stack."""

    def __init__(self, aws_endpoint: str) -> None:
        self.address = urlsplit(aws_endpoint)

    def _call(self, method: str, body: dict[str, Any] | None = None, path: str = CONTROL_PATH) -> dict[str, Any]:
        connection = http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=10)
        try:
            connection.request(method, path, body=json.dumps(body or {}).encode(),
                               headers={"Content-Type": "application/json"})
            return json.loads(connection.getresponse().read())
        finally:
            connection.close()

    def throttle_dynamodb(self, on: bool) -> dict[str, Any]:
        return self._call("POST", {"throttle_dynamodb": on})

    def stats(self) -> dict[str, Any]:
        return self._call("GET")

    def calls(self) -> dict[str, int]:
        """Every request the embedded AWS has seen so far, by `Service.Operation`."""
        return self._call("GET", path=CALLS_PATH)
