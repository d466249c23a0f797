"""The embedded local stack: what `sam local` would give us, without Docker.

- moto server as the AWS of the stack (tables, queues and secrets created from template.yaml);
- one worker process per function (its own environment and cold start, see worker.py);
- an HTTP API that turns requests into API Gateway HTTP API payload 2.0 events, routed from the
  template's HttpApi events;
- the Lambda Invoke API, addressed by logical ID or its ARN (boto3's lambda client works against it; the
  functions' own clients reach it through AWS_ENDPOINT_URL_LAMBDA, so one function may invoke another);
- SQS event sources polled and delivered as Lambda does (batch size, partial batch responses;
  moto's queues redrive to the DLQ after maxReceiveCount).

    python -m infra.local.stack [--aws-port 5000 --api-port 3000 --lambda-port 3001 --max-seconds 0]
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import os
import queue
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import parse_qsl, unquote, urlsplit

import boto3
from botocore.config import Config

from infra.local.cfn import REGION, FunctionSpec, create_resources, function_specs, load_template, queue_name_of_arn
from infra.local.emf import EmfForwarder
from infra.local.faults import Faults
from infra.local.iam_auth import iam_caller, requires_iam

ROOT = Path(__file__).resolve().parents[2]
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
INIT_TIMEOUT_SECONDS = 30
# The reply publishers' endpoint overrides (socialcrm.reply_platforms.BASE_URL_VARIABLES; a unit test holds them
# equal) and where they point unless a test says otherwise: a closed port, so no real platform is ever reached.
BASE_URL_VARIABLES = ("REPLY_GOOGLE_BUSINESS_API_URL", "REPLY_GOOGLE_TOKEN_URL", "REPLY_LINKEDIN_API_URL",
                      "REPLY_LINKEDIN_TOKEN_URL", "REPLY_META_GRAPH_URL", "REPLY_X_API_URL", "REPLY_X_TOKEN_URL",
                      "REPLY_YOUTUBE_API_URL")
UNREACHABLE = "http://127.0.0.1:9"
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded", "+json", "+xml")


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class LoopbackServer(ThreadingHTTPServer):
    """A thread per request, and room for a burst of connections: socketserver's default backlog of 5 let
    a busy machine, whose accepting thread gets the CPU late, drop the 6th client's SYN; its retry came
    after 1 s and 3 s, past a 3 s connect timeout."""

    daemon_threads = True
    request_queue_size = 128


class FunctionError(Exception):
    """The handler raised, timed out or crashed; `payload` is Lambda's error object."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", "function error"))
        self.payload = payload


class FunctionRunner:
    """A worker process for one function; invocations are serialized, like reserved concurrency 1."""

    def __init__(self, spec: FunctionSpec, environment: dict[str, str], log: TextIO,
                 emf: EmfForwarder | None = None) -> None:
        self.spec = spec
        self.environment = environment
        self.log = log
        self.emf = emf
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.buffer = b""

    def _start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 (our own worker module)
            [sys.executable, "-m", "infra.local.worker", str(ROOT / self.spec.code_dir), self.spec.handler,
             self.spec.name, str(self.spec.timeout), str(self.spec.memory),
             *(str(ROOT / layer) for layer in self.spec.layer_dirs)],
            cwd=ROOT, env=self.environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.buffer = b""
        threading.Thread(target=self._pump_logs, args=(self.process,), daemon=True).start()
        ready = self._read_line(INIT_TIMEOUT_SECONDS)
        if ready is None or not ready.get("ready"):
            self.stop()
            raise FunctionError({"errorMessage": f"{self.spec.name} failed to initialize",
                                 "errorType": "Runtime.InitError"})

    def _pump_logs(self, process: subprocess.Popen) -> None:
        for line in iter(process.stderr.readline, b""):
            text = line.decode(errors="replace").rstrip()
            self.log.write(f"[{self.spec.name}] {text}\n")
            self.log.flush()
            if self.emf is not None:
                self.emf.collect(text)

    def _waited_for_cpu(self) -> float:
        """Seconds the worker has spent ready to run but given no CPU (Linux: /proc/<pid>/schedstat; 0 elsewhere)."""
        assert self.process is not None  # noqa: S101
        try:
            with open(f"/proc/{self.process.pid}/schedstat", encoding="ascii") as stats:
                return int(stats.read().split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            return 0.0

    def _read_line(self, seconds: float) -> dict[str, Any] | None:
        """The worker's next line, or None once it has taken `seconds`. Lambda gives each environment a CPU
        share of its own, so time the worker spent waiting for a CPU that other processes of this machine
        held is not counted: on a busy machine a function is not timed out for its neighbours' work (a
        timed-out environment starts cold again, which on that machine timed out again, and so on)."""
        assert self.process is not None and self.process.stdout is not None  # noqa: S101
        stream = self.process.stdout
        started, waited = time.monotonic(), self._waited_for_cpu()
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            while b"\n" not in self.buffer:
                remaining = seconds - (time.monotonic() - started) + (self._waited_for_cpu() - waited)
                if remaining <= 0:
                    return None
                if not selector.select(min(remaining, 0.25)):
                    continue
                chunk = os.read(stream.fileno(), 65536)
                if not chunk:
                    return None
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def invoke(self, event: Any) -> Any:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self._start()
            assert self.process is not None and self.process.stdin is not None  # noqa: S101
            request = {"event": event, "request_id": str(uuid.uuid4())}
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
            answer = self._read_line(self.spec.timeout)
            if answer is None:
                self.stop()  # a timed-out or crashed environment is discarded, as Lambda does
                raise FunctionError({"errorMessage": f"Task timed out after {self.spec.timeout:.2f} seconds",
                                     "errorType": "Sandbox.Timedout"})
        if "error" in answer:
            raise FunctionError(answer["error"])
        return answer["result"]

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class FunctionPool:
    """Up to `size` execution environments of one function, each serving one invocation at a time."""

    def __init__(self, spec: FunctionSpec, environment: dict[str, str], log: TextIO, size: int = 1,
                 emf: EmfForwarder | None = None) -> None:
        self.spec = spec
        self.size = size
        self.runners = [FunctionRunner(spec, environment, log, emf) for _ in range(size)]
        self._idle: queue.LifoQueue[FunctionRunner] = queue.LifoQueue()
        for runner in self.runners:
            self._idle.put(runner)

    def invoke(self, event: Any) -> Any:
        runner = self._idle.get()  # the most recently used one first: warm, as Lambda prefers
        try:
            return runner.invoke(event)
        finally:
            self._idle.put(runner)

    def stop(self) -> None:
        for runner in self.runners:
            runner.stop()


class SqsPoller(threading.Thread):
    def __init__(self, stack: LocalStack, function: str, queue_url: str, queue_arn: str, batch_size: int,
                 partial_responses: bool) -> None:
        super().__init__(name=f"poll-{function}", daemon=True)
        self.stack = stack
        self.function = function
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.batch_size = batch_size
        self.partial_responses = partial_responses

    def run(self) -> None:
        sqs = self.stack.client("sqs")
        while not self.stack.stopping.is_set():
            try:
                received = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=self.batch_size,
                                               WaitTimeSeconds=1, AttributeNames=["All"],
                                               MessageAttributeNames=["All"]).get("Messages", [])
            except Exception:  # the stack is stopping or moto restarted; try again
                time.sleep(0.2)
                continue
            if received:
                with self.stack.busy():
                    try:
                        self._deliver(sqs, received)
                    except Exception as error:  # the poller must outlive any one batch
                        # A delete or visibility change that failed (say, moto slow to answer on a busy
                        # machine) leaves the records to come back after their visibility timeout, as on
                        # AWS; before, the exception ended this thread and the queue was never read again.
                        self.stack.log_line(f"[{self.name}] batch left to the queue: {type(error).__name__}")

    def _deliver(self, sqs: Any, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [self._record(m) for m in messages]}
        failed: set[str] = {m["MessageId"] for m in messages}
        try:
            result = self.stack.invoke(self.function, event)
            if self.partial_responses:
                failures = (result or {}).get("batchItemFailures") or []
                ids = {f.get("itemIdentifier") for f in failures}
                if all(ids) and ids <= failed:
                    failed = ids
            else:
                failed = set()
        except FunctionError:
            pass  # the whole batch returns to the queue
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
        if failed:
            with self.stack._active_lock:
                self.stack.returned[self.function] += len(failed)
        for message in messages:
            if message["MessageId"] in failed:
                sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"],
                                              VisibilityTimeout=self.stack.retry_delay_seconds)

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        attributes = {}
        for name, value in message.get("MessageAttributes", {}).items():
            attributes[name] = {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
                                "stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
            attributes[name] = {k: v for k, v in attributes[name].items() if v is not None}
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": attributes,
            "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
            "eventSource": "aws:sqs",
            "eventSourceARN": self.queue_arn,
            "awsRegion": REGION,
        }


class LocalStack:
    def __init__(self, *, template_path: str | Path = ROOT / "template.yaml", parameters: dict[str, Any] | None = None,
                 secrets_file: str | Path = ROOT / "infra/local/secrets.json", host: str = "127.0.0.1",
                 aws_port: int = 0, api_port: int = 0, lambda_port: int = 0, max_seconds: float = 0,
                 log_file: str | Path | None = None, retry_delay_seconds: int = 1,
                 concurrency: dict[str, int] | None = None, faults: bool = False,
                 environment: dict[str, str] | None = None) -> None:
        if parameters is None:
            parameters = json.loads((ROOT / "infra/local/parameters.json").read_text(encoding="utf-8"))
        self.template_path = Path(template_path)
        self.parameters = parameters
        self.secrets_file = secrets_file
        self.host = host
        # The API and Lambda endpoints are bound now: the parameters and the functions' environment name their ports,
        # and a port only probed free could be taken by another process before it served ("Address already in use").
        self._listeners = {name: LoopbackServer((host, port), BaseHTTPRequestHandler)
                           for name, port in (("api", api_port), ("lambda", lambda_port))}
        self.ports = {"aws": aws_port or free_port(host),
                      **{name: int(server.server_address[1]) for name, server in self._listeners.items()}}
        # DynamoDB throttling on demand, injected in front of moto (infra/local/faults.py).
        self.faults = Faults(self.aws_endpoint) if faults else None
        # Parameters may name the stack's own URLs, e.g. AgentPageBaseUrl = "{api_url}".
        self.parameters = {k: v.format(api_url=self.api_url) if isinstance(v, str) else v
                           for k, v in self.parameters.items()}
        self.max_seconds = max_seconds
        self.log_file = log_file
        self.retry_delay_seconds = retry_delay_seconds
        self.concurrency = concurrency or {}  # environments per function (default 1, as before)
        # Extra variables of every function: test-only endpoint overrides such as REPLY_META_GRAPH_URL. The reply
        # publishers' endpoints default to a closed loopback port: the local stack never reaches a real platform.
        self.environment = {**dict.fromkeys(BASE_URL_VARIABLES, UNREACHABLE), **(environment or {})}
        self.stopping = threading.Event()
        self.runners: dict[str, FunctionPool] = {}
        self.pollers: list[SqsPoller] = []
        self.returned: Counter[str] = Counter()  # SQS records given back to their queue, per function
        self.invocations: Counter[str] = Counter()  # invocations started, per function (every source)
        self._active = 0
        self._active_lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []
        self.emf: EmfForwarder | None = None
        self._moto: subprocess.Popen | None = None
        self._log: TextIO = sys.stderr

    # -- endpoints and clients --------------------------------------------------------------
    @property
    def aws_endpoint(self) -> str:
        return f"http://{self.host}:{self.ports['aws']}"

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.ports['api']}"

    @property
    def lambda_endpoint(self) -> str:
        return f"http://{self.host}:{self.ports['lambda']}"

    def boto3_session(self) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        )

    def client(self, service: str) -> Any:
        return self.boto3_session().client(service, endpoint_url=self.aws_endpoint)

    def lambda_client(self) -> Any:
        """The Lambda Invoke API's client, waiting as long as the slowest function may run (botocore's
        60 s default gave up on a 120 s function on a busy machine, then invoked it again), never retrying."""
        longest = max(spec.timeout for spec in self.specs.values())
        config = Config(read_timeout=longest + 10, connect_timeout=10, retries={"total_max_attempts": 1})
        return self.boto3_session().client("lambda", endpoint_url=self.lambda_endpoint, config=config)

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> LocalStack:
        if self.log_file:
            Path(self.log_file).parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_file, "a", encoding="utf-8")  # noqa: SIM115 (closed in stop)
        self._moto = subprocess.Popen(  # noqa: S603 (our own module)
            [sys.executable, "-m", "infra.local.aws_process", self.host, str(self.ports["aws"]),
             *(["--faults"] if self.faults else [])],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log)
        if self._moto.stdout is None or self._moto.stdout.readline().strip() != b"ready":
            self.stop()
            raise RuntimeError("the embedded AWS (moto server) did not start; see the log above")
        template = load_template(self.template_path)
        self.resources = create_resources(_EndpointSession(self), template, self.parameters, self.secrets_file)
        self.specs = function_specs(template, self.resources)
        self.emf = EmfForwarder(self.aws_endpoint, REGION)
        for name, spec in self.specs.items():
            size = max(1, min(self.concurrency.get(name, 1), spec.reserved_concurrency or sys.maxsize))
            self.runners[name] = FunctionPool(spec, self._function_environment(spec), self._log, size, self.emf)
        self.routes = self._routes()
        self._serve("api", _api_handler(self))
        self._serve("lambda", _lambda_handler(self))
        for name, spec in self.specs.items():
            for event in spec.events:
                if event.kind == "SQS":
                    arn = event.properties["Queue"]
                    for _ in range(self.runners[name].size):  # one poller per environment
                        poller = SqsPoller(self, name, self.resources.queue_urls[queue_name_of_arn(arn)], arn,
                                           int(event.properties.get("BatchSize", 10)), "ReportBatchItemFailures"
                                           in event.properties.get("FunctionResponseTypes", []))
                        self.pollers.append(poller)
                        poller.start()
        if self.max_seconds:
            watchdog = threading.Timer(self.max_seconds, self.stop)
            watchdog.daemon = True
            watchdog.start()
        return self

    def stop(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        for poller in self.pollers:
            poller.join(timeout=5)
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for listener in self._listeners.values():  # bound, never served
            listener.server_close()
        self._listeners.clear()
        for runner in self.runners.values():
            runner.stop()
        if self.emf is not None:
            self.emf.stop()
        if self._moto is not None:
            with contextlib.suppress(OSError):
                self._moto.stdin.close()
            try:
                self._moto.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._moto.kill()
        if self._log is not sys.stderr:
            self._log.close()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _function_environment(self, spec: FunctionSpec) -> dict[str, str]:
        environment = {k: v for k, v in os.environ.items()
                       if not k.startswith(("AWS_", "POWERTOOLS_")) and k != "PYTHONPATH"}
        environment.update(spec.environment)
        environment.update(self.environment)
        environment.update(FAKE_CREDENTIALS)
        environment.update({
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            # a function invoking another (the agent page's reply box) reaches this stack's Lambda Invoke API
            "AWS_ENDPOINT_URL_LAMBDA": self.lambda_endpoint,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "POWERTOOLS_TRACE_DISABLED": "true",
            # GZIP_NOTE: botocore gzips large PutMetricData bodies, which moto server fails to read.
            "AWS_DISABLE_REQUEST_COMPRESSION": "true",
            "PYTHONPATH": os.pathsep.join(str(ROOT / d) for d in (spec.code_dir, *spec.layer_dirs)),
            "PYTHONUNBUFFERED": "1",
        })
        return environment

    def _serve(self, name: str, handler: type[BaseHTTPRequestHandler]) -> None:
        server = self._listeners.pop(name)
        server.RequestHandlerClass = handler
        self._servers.append(server)
        threading.Thread(target=server.serve_forever, name=f"{name}-server", daemon=True).start()

    def log_line(self, text: str) -> None:
        with contextlib.suppress(ValueError):  # the log is closed once the stack has stopped
            self._log.write(text + "\n")
            self._log.flush()

    # -- invocation ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def busy(self):
        with self._active_lock:
            self._active += 1
        try:
            yield
        finally:
            with self._active_lock:
                self._active -= 1

    def invoke(self, function_name: str, event: Any) -> Any:
        """Invoke a function by logical ID; raises FunctionError as Lambda would report it."""
        runner = self.runners.get(function_name)
        if runner is None:
            raise KeyError(function_name)
        with self._active_lock:
            self.invocations[function_name] += 1
        with self.busy():
            return runner.invoke(event)

    def wait_idle(self, timeout: float = 60) -> None:
        """Return once every event-source queue is empty and nothing runs (seen twice in a row)."""
        sqs = self.client("sqs")
        deadline = time.monotonic() + timeout
        quiet_checks = 0
        while time.monotonic() < deadline:
            pending = 0
            for queue_url in {poller.queue_url for poller in self.pollers}:
                attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
                    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
                pending += sum(int(v) for v in attributes.values())
            with self._active_lock:
                pending += self._active
            quiet_checks = quiet_checks + 1 if pending == 0 else 0
            if quiet_checks >= 2:
                if self.emf is not None:  # metrics printed so far become visible, as after a log delivery
                    self.emf.flush()
                return
            time.sleep(0.25)
        raise TimeoutError(f"the local stack was still busy after {timeout} s")

    # -- HTTP API ------------------------------------------------------------------------------
    def _routes(self) -> list[tuple[str, str, re.Pattern[str], str]]:
        routes = []
        self.iam_routes: set[str] = set()  # route keys behind the AWS_IAM authorizer
        for name, spec in self.specs.items():
            for event in spec.events:
                if event.kind != "HttpApi":
                    continue
                method = str(event.properties.get("Method", "ANY")).upper()
                path = event.properties.get("Path", "/{proxy+}")
                pattern = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", path)
                pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
                routes.append((method, path, re.compile(f"^{pattern}$"), name))
                if requires_iam(event.properties):
                    self.iam_routes.add(f"{method} {path}")
        return routes

    def match_route(self, method: str, path: str) -> tuple[str, str, dict[str, str]] | None:
        for route_method, route_path, pattern, function in self.routes:
            found = pattern.match(path)
            if found and route_method in (method, "ANY"):
                return function, f"{route_method} {route_path}", {k: unquote(v) for k, v in found.groupdict().items()}
        return None


class _EndpointSession:
    """What create_resources needs of a boto3 Session, pointed at the stack's moto server."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def client(self, service: str, region_name: str = REGION) -> Any:
        return self.stack.client(service)


def http_api_event(handler: BaseHTTPRequestHandler, route_key: str, path_parameters: dict[str, str],
                   body: bytes, iam: dict[str, str] | None = None) -> dict[str, Any]:
    """API Gateway HTTP API payload format 2.0, as AWS documents it."""
    url = urlsplit(handler.path)
    headers: dict[str, str] = {}
    for name, value in handler.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(url.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    now = datetime.now(timezone.utc)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": url.path,
        "rawQueryString": url.query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012", "apiId": "local", "domainName": headers.get("host", "localhost"),
            "domainPrefix": "local",
            "http": {"method": handler.command, "path": url.path, "protocol": handler.request_version,
                     "sourceIp": handler.client_address[0], "userAgent": headers.get("user-agent", "")},
            "requestId": str(uuid.uuid4()), "routeKey": route_key, "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"), "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if iam is not None:
        event["requestContext"]["authorizer"] = {"iam": iam}
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";")]
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        content_type = headers.get("content-type", "").lower()
        try:
            text = body.decode("utf-8")
            textual = not content_type or any(t in content_type for t in TEXT_TYPES)
        except UnicodeDecodeError:
            textual = False
        if textual:
            event["body"] = text
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _api_handler(stack: LocalStack) -> type[BaseHTTPRequestHandler]:
    class ApiHandler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            route = stack.match_route(self.command, urlsplit(self.path).path)
            if route is None:
                _send(self, 404, b'{"message":"Not Found"}', {"Content-Type": "application/json"})
                return
            function, route_key, path_parameters = route
            iam = None
            if route_key in stack.iam_routes:  # API Gateway checks the signature before any Lambda runs
                headers = {name.lower(): value for name, value in self.headers.items()}
                url = f"http://{headers.get('host', 'localhost')}{self.path}"
                iam = iam_caller(self.command, url, headers, body, REGION)
                if iam is None:
                    _send(self, 403, b'{"message":"Forbidden"}', {"Content-Type": "application/json"})
                    return
            try:
                result = stack.invoke(function, http_api_event(self, route_key, path_parameters, body, iam))
            except FunctionError:
                _send(self, 500, b'{"message":"Internal Server Error"}', {"Content-Type": "application/json"})
                return
            if isinstance(result, dict) and "statusCode" in result:
                raw = result.get("body") or ""
                payload = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
                headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
                _send(self, int(result["statusCode"]), payload, headers)
            else:
                _send(self, 200, json.dumps(result).encode(), {"Content-Type": "application/json"})

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

        def log_message(self, *_args: Any) -> None:
            return

    return ApiHandler


def _lambda_handler(stack: LocalStack) -> type[BaseHTTPRequestHandler]:
    invocation = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)/invocations$")

    class LambdaApiHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            found = invocation.match(urlsplit(self.path).path)
            name = unquote(found.group("name")).rsplit(":function:", 1)[-1].split(":")[0] if found else ""
            if not found or name not in stack.runners:
                error = {"Type": "User", "message": f"Function not found: {name}"}
                _send(self, 404, json.dumps(error).encode(), {
                    "Content-Type": "application/json", "x-amzn-ErrorType": "ResourceNotFoundException"})
                return
            event = json.loads(body or b"{}")
            if self.headers.get("X-Amz-Invocation-Type") == "Event":
                threading.Thread(target=self._run_quietly, args=(name, event), daemon=True).start()
                _send(self, 202, b"", {})
                return
            try:
                result = stack.invoke(name, event)
                _send(self, 200, json.dumps(result).encode(), {"Content-Type": "application/json",
                                                               "X-Amz-Executed-Version": "$LATEST"})
            except FunctionError as error:
                _send(self, 200, json.dumps(error.payload).encode(), {
                    "Content-Type": "application/json", "X-Amz-Function-Error": "Unhandled"})

        @staticmethod
        def _run_quietly(name: str, event: Any) -> None:
            with contextlib.suppress(FunctionError):
                stack.invoke(name, event)

        def log_message(self, *_args: Any) -> None:
            return

    return LambdaApiHandler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--aws-port", type=int, default=5000)
    parser.add_argument("--api-port", type=int, default=3000)
    parser.add_argument("--lambda-port", type=int, default=3001)
    parser.add_argument("--max-seconds", type=float, default=0, help="stop by itself after this long (0: never)")
    parser.add_argument("--parameters", default=str(ROOT / "infra/local/parameters.json"))
    parser.add_argument("--secrets", default=str(ROOT / "infra/local/secrets.json"))
    parser.add_argument("--log-file", default=None, help="function logs (default: this terminal)")
    options = parser.parse_args()
    parameters = json.loads(Path(options.parameters).read_text(encoding="utf-8"))
    stack = LocalStack(parameters=parameters, secrets_file=options.secrets, host=options.host,
                       aws_port=options.aws_port, api_port=options.api_port, lambda_port=options.lambda_port,
                       max_seconds=options.max_seconds, log_file=options.log_file)
    signal.signal(signal.SIGTERM, lambda *_: stack.stop())
    with stack:
        print(f"AWS (moto)        {stack.aws_endpoint}\nHTTP API          {stack.api_url}\n"
              f"Lambda Invoke API {stack.lambda_endpoint}\nfunctions: {', '.join(sorted(stack.runners))}\n"
              "Ctrl-C stops.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while not stack.stopping.is_set():
                time.sleep(0.5)


if __name__ == "__main__":
    main()
