"""`make cost`: what a million posts and a million lookups cost, measured on the real handlers in process on moto.

    python -m infra.cost_probe [--posts 1000] [--lookups 1000] [--seed 7] [--json]

It builds the template's tables, queues and secrets in moto, loads CUSTOMERS customers through
CustomerSyncFunction (not counted), then sends the stated mix (infra/cost_mix.py) through the handlers as AWS
would run them: each delivery to WebhookFunction, the ingest queue to ProcessorFunction and the push queue to
ContactPushFunction in batches of the template's BatchSize (full batches: a busy hour), then the lookups to
ContactLookupFunction, and rolls the hour and the day up (MetricsRollupFunction, a fixed monthly cost).

Every AWS call is counted where botocore makes it (`BaseClient._make_api_call`, boto3 and PynamoDB alike).
DynamoDB units come from the items' sizes before and after each write, read straight from moto's tables
(infra/cost_units.py); SQS requests from payload sizes, plus the event source mapping's receive and delete per
batch; log bytes from what the handlers print, plus Lambda's own START/END/REPORT lines; custom metrics from
the EMF documents printed and the PutMetricData calls made (name x dimension set x values). Lambda duration is
the handler's own time in this process (moto's time taken out) plus a stated latency per AWS call; X-Ray
traces are the invocations Lambda samples: none of a function whose tracing is PassThrough (nothing that calls
these functions sends a sampled trace header), Lambda's fixed 1 a second plus 5 % of the rest when Active, at
MONTHLY_POSTS evenly spread (Lambda ignores X-Ray sampling rules). Prices: infra/aws_prices.py.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import aws_prices as price
from infra import cost_mix
from infra.cost_units import (
    Index,
    index_write_units,
    item_size,
    item_write_units,
    read_units,
    sqs_requests,
    storage_bytes,
)

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "layers" / "core") not in sys.path:
    sys.path.insert(0, str(ROOT / "layers" / "core"))
REGION = "us-east-1"
LATENCY_SECONDS = {"dynamodb": 0.006, "sqs": 0.010, "secretsmanager": 0.020, "cloudwatch": 0.020}
OTHER_LATENCY_SECONDS = 0.020
PLATFORM_LOG_BYTES = 260  # Lambda's START, END and REPORT lines of one invocation
SECONDS_PER_MONTH = 30 * 86400
MONTHLY_POSTS = 1_000_000  # the traffic the sampling reservoir is shared by
MONTHLY_LOOKUPS = 1_000_000
LAMBDA_SAMPLING = (1.0, 0.05)  # Lambda's own, with active tracing: 1 request a second, then 5 % (not configurable)
POST_FUNCTIONS = ("WebhookFunction", "ProcessorFunction", "ContactPushFunction")
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@dataclass
class Call:
    phase: str
    function: str
    service: str
    operation: str
    requests: float = 1.0  # billed requests (SQS: 64 KB chunks)
    wru: float = 0.0
    index_wru: float = 0.0
    rru: float = 0.0


@dataclass
class Invocation:
    phase: str
    function: str
    seconds: float  # modelled: own time plus stated latency per AWS call


@dataclass
class Tally:
    """Everything counted in one run of the probe."""

    posts: int = 0
    lookups: int = 0
    customers: int = 0
    calls: list[Call] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    log_bytes: Counter[str] = field(default_factory=Counter)  # phase -> bytes
    log_lines: Counter[str] = field(default_factory=Counter)
    wall_seconds: Counter[str] = field(default_factory=Counter)  # phase -> seconds this run took
    comprehend_units: int = 0  # what DetectSentiment would bill for the texts the processor analysed
    restore: list[Callable[[], None]] = field(default_factory=list)  # patches to undo when the run ends
    metrics: set[tuple[str, str, tuple[tuple[str, str], ...]]] = field(default_factory=set)
    storage: dict[str, dict[str, int]] = field(default_factory=dict)  # phase end -> table -> bytes


class LogCapture(io.TextIOBase):
    """Stands in for stdout while a handler runs: counts bytes per phase and collects EMF documents."""

    def __init__(self, meter: Meter) -> None:
        self.meter = meter
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            self.meter.log_line(line)
        return len(text)


class Meter:
    """Counts the AWS calls, log lines and metrics of the handlers, per phase and function."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.tally = Tally()
        self._phase = "setup"
        self.phase_started = time.perf_counter()
        self.function = ""
        self.aws_seconds = 0.0
        self.modelled_latency = 0.0
        self.tables = _tables_of(template)
        self.keys = {name: keys for name, (keys, _) in self.tables.items()}

    @property
    def phase(self) -> str:
        return self._phase

    @phase.setter
    def phase(self, name: str) -> None:
        now = time.perf_counter()
        self.tally.wall_seconds[self._phase] += now - self.phase_started
        self._phase, self.phase_started = name, now

    # -- logs and metrics ---------------------------------------------------------------------------------
    def log_line(self, line: str) -> None:
        self.tally.log_bytes[self.phase] += len(line.encode()) + 1
        self.tally.log_lines[self.phase] += 1
        if line.startswith("{") and '"_aws"' in line:
            from infra.local.emf import metric_data

            with contextlib.suppress(ValueError):
                for namespace, data in metric_data(json.loads(line)):
                    for datum in data:
                        self._metric(namespace, datum)

    def _metric(self, namespace: str, datum: dict[str, Any]) -> None:
        dimensions = tuple(sorted((d["Name"], str(d["Value"])) for d in datum.get("Dimensions") or []))
        self.tally.metrics.add((namespace, datum["MetricName"], dimensions))

    # -- AWS calls ----------------------------------------------------------------------------------------
    def around(self, real: Callable[..., Any]) -> Callable[..., Any]:
        meter = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if getattr(client, "probe_inspection", False):
                return real(client, operation, params)
            service = client.meta.service_model.service_name
            before = meter._dynamo_items(operation, params) if service == "dynamodb" else {}
            started = time.perf_counter()
            failed: Exception | None = None
            try:
                response = real(client, operation, params)
            except Exception as error:  # a refused condition still costs its units
                response, failed = {}, error
            meter.aws_seconds += time.perf_counter() - started
            meter.modelled_latency += LATENCY_SECONDS.get(service, OTHER_LATENCY_SECONDS)
            meter._count(service, operation, params, response, before, failed is not None)
            if failed is not None:
                raise failed
            return response

        return counted

    def _count(self, service: str, operation: str, params: dict[str, Any], response: dict[str, Any],
               before: dict[tuple[str, str], Any], failed: bool) -> None:
        call = Call(self.phase, self.function, service, operation)
        if service == "dynamodb":
            self._dynamo_units(call, params, response, before, failed)
        elif service == "sqs":
            call.requests = float(sqs_requests(_sqs_payload(operation, params)))
        if service == "cloudwatch" and operation == "PutMetricData":
            for datum in params.get("MetricData", []):
                self._metric(params["Namespace"], datum)
        self.tally.calls.append(call)

    def _dynamo_items(self, operation: str, params: dict[str, Any]) -> dict[tuple[str, str], Any]:
        return {target: self.stored_item(*target) for target in _requested_items(operation, params, self.keys)}

    def stored_item(self, table: str, key_json: str) -> dict[str, Any] | None:
        """The item as moto holds it, read without a request."""
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodb.models.dynamo_type import DynamoType

        key = json.loads(key_json)
        stored = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(table)
        hash_value = DynamoType(key[stored.hash_key_attr])
        range_value = DynamoType(key[stored.range_key_attr]) if stored.range_key_attr else None
        item = stored.get_item(hash_value, range_value)
        return item.to_json()["Attributes"] if item is not None else None

    def _dynamo_units(self, call: Call, params: dict[str, Any], response: dict[str, Any],
                      before: dict[tuple[str, str], Any], failed: bool) -> None:
        operation = call.operation
        if operation in WRITES:
            transactional = operation == "TransactWriteItems"
            requested = _requested_items(operation, params, self.keys)
            for target, old in before.items():
                table, _ = target
                new = old if failed else self.stored_item(*target)
                check_only = requested.get(target) == "check"
                put = requested.get(target) if isinstance(requested.get(target), dict) else None
                call.wru += item_write_units(old, new, transactional, put)
                if not failed and not check_only:
                    keys, indexes = self.tables[table]
                    call.index_wru += sum(index_write_units(index, keys, old, new) for index in indexes)
        elif operation == "GetItem":
            item = self.stored_item(params["TableName"], _key_json(params["Key"]))
            call.rru = read_units(item_size(item), bool(params.get("ConsistentRead")))
        elif operation == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                for key in request["Keys"]:
                    item = self.stored_item(table, _key_json(key))
                    call.rru += read_units(item_size(item), bool(request.get("ConsistentRead")))
        elif operation == "TransactGetItems":
            for entry in params["TransactItems"]:
                get = entry["Get"]
                call.rru += 2 * read_units(item_size(self.stored_item(get["TableName"], _key_json(get["Key"]))), True)
        elif operation in ("Query", "Scan"):
            items = response.get("Items", [])
            if "IndexName" not in params and (params.get("ProjectionExpression") or params.get("Select")):
                keys, _ = self.tables[params["TableName"]]
                items = [self.stored_item(params["TableName"], _key_json({k: i[k] for k in keys})) for i in items]
            consistent = bool(params.get("ConsistentRead")) and "IndexName" not in params
            call.rru = read_units(sum(item_size(item) for item in items), consistent)

    def table_bytes(self) -> dict[str, int]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
        sizes = {}
        for name, (keys, indexes) in self.tables.items():
            table = backend.get_table(name)
            sizes[name] = sum(storage_bytes(item.to_json()["Attributes"], indexes, keys)
                              for item in table.all_items())
        return sizes


def _tables_of(template: dict[str, Any]) -> dict[str, tuple[tuple[str, ...], tuple[Index, ...]]]:
    tables = {}
    for name, body in template["Resources"].items():
        if body.get("Type") != "AWS::DynamoDB::Table":
            continue
        properties = body["Properties"]
        keys = tuple(k["AttributeName"] for k in properties["KeySchema"])
        indexes = tuple(Index(index["IndexName"], tuple(k["AttributeName"] for k in index["KeySchema"]),
                              index["Projection"]["ProjectionType"],
                              tuple(index["Projection"].get("NonKeyAttributes", ())))
                        for index in properties.get("GlobalSecondaryIndexes", []))
        tables[name] = (keys, indexes)
    return tables


def _key_json(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True)


def _requested_items(operation: str, params: dict[str, Any],
                     table_keys: dict[str, tuple[str, ...]]) -> dict[tuple[str, str], Any]:
    """(table, key) -> the put item, "check" for a ConditionCheck, or None, for every item a write names."""
    found: dict[tuple[str, str], Any] = {}

    def add(table: str, key: dict[str, Any] | None, item: dict[str, Any] | None = None, check: bool = False) -> None:
        keys = table_keys[table]
        source = key if key is not None else item or {}
        found[(table, _key_json({k: source[k] for k in keys}))] = "check" if check else item

    if operation == "PutItem":
        add(params["TableName"], None, params["Item"])
    elif operation in ("UpdateItem", "DeleteItem"):
        add(params["TableName"], params["Key"])
    elif operation == "BatchWriteItem":
        for table, requests in params["RequestItems"].items():
            for request in requests:
                if "PutRequest" in request:
                    add(table, None, request["PutRequest"]["Item"])
                else:
                    add(table, request["DeleteRequest"]["Key"])
    elif operation == "TransactWriteItems":
        for entry in params["TransactItems"]:
            (action, body), = entry.items()
            if action == "Put":
                add(body["TableName"], None, body["Item"])
            else:
                add(body["TableName"], body["Key"], check=action == "ConditionCheck")
    return found


def _sqs_payload(operation: str, params: dict[str, Any]) -> int:
    def size(message: dict[str, Any]) -> int:
        attributes = sum(len(name) + len(value.get("DataType", "")) + len(str(value.get("StringValue", "")))
                         for name, value in (message.get("MessageAttributes") or {}).items())
        return len(str(message.get("MessageBody", "")).encode()) + attributes

    if operation == "SendMessage":
        return size(params)
    if operation == "SendMessageBatch":
        return sum(size(entry) for entry in params.get("Entries", []))
    return 0


# -- running the handlers ---------------------------------------------------------------------------------

class LambdaContext:
    function_name = "cost-probe"
    function_version = "$LATEST"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cost-probe"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/cost-probe"
    log_stream_name = "stream"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


class Functions:
    """Each function as Lambda runs it: its own environment, a cold start when another function ran before."""

    def __init__(self, specs: dict[str, Any], meter: Meter, capture: LogCapture) -> None:
        self.specs = specs
        self.meter = meter
        self.capture = capture
        self.current: str | None = None
        self.handler: Any = None
        self.logger_stream: Any = None

    def restore(self) -> None:
        """The logger writes where it wrote before the probe."""
        if self.logger_stream is not None:
            from socialcrm.observability import logger

            logger.registered_handler.setStream(self.logger_stream)

    def use(self, function: str) -> Any:
        if self.current != function:
            from socialcrm.caches import reset_for_tests

            for other in self.specs.values():
                for key in other.environment:
                    os.environ.pop(key, None)
            os.environ.update({key: str(value) for key, value in self.specs[function].environment.items()})
            reset_for_tests()
            directory = ROOT / self.specs[function].code_dir
            spec = importlib.util.spec_from_file_location(f"probe_{directory.name}", directory / "app.py")
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {directory / 'app.py'}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module
            with contextlib.redirect_stdout(self.capture):
                spec.loader.exec_module(module)
            from socialcrm.observability import logger

            stream = logger.registered_handler.setStream(self.capture)  # bound when the logger was built
            if self.logger_stream is None:
                self.logger_stream = stream
            self.current, self.handler = function, module
        return self.handler

    def invoke(self, function: str, event: Any) -> Any:
        handler = self.use(function)
        meter = self.meter
        meter.function = function
        aws_before, latency_before = meter.aws_seconds, meter.modelled_latency
        started = time.perf_counter()
        with contextlib.redirect_stdout(self.capture):
            result = handler.lambda_handler(event, LambdaContext())
        own = time.perf_counter() - started - (meter.aws_seconds - aws_before)
        meter.tally.invocations.append(Invocation(meter.phase, function,
                                                  own + meter.modelled_latency - latency_before))
        meter.tally.log_bytes[meter.phase] += PLATFORM_LOG_BYTES
        return result


def _sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    return {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
            "attributes": message.get("Attributes", {}), "messageAttributes": {
                name: {"stringValue": value.get("StringValue"), "dataType": value["DataType"]}
                for name, value in message.get("MessageAttributes", {}).items()},
            "md5OfBody": message.get("MD5OfBody", ""), "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
            "awsRegion": REGION}


def _drain(functions: Functions, sqs: Any, function: str, queue_url: str, queue_arn: str, batch_size: int) -> int:
    """Deliver a queue to its function as the event source mapping does; returns the batches delivered."""
    batches = 0
    while True:
        messages: list[dict[str, Any]] = []
        while len(messages) < batch_size:
            got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=batch_size - len(messages),
                                      AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            if not got:
                break
            messages += got
        if not messages:
            return batches
        batches += 1
        payload = sum(len(m["Body"].encode()) for m in messages)
        functions.meter.tally.calls.append(Call(functions.meter.phase, function, "sqs", "ReceiveMessage (ESM)",
                                                float(sqs_requests(payload))))
        functions.meter.tally.calls.append(Call(functions.meter.phase, function, "sqs", "DeleteMessageBatch (ESM)"))
        result = functions.invoke(function, {"Records": [_sqs_record(m, queue_arn) for m in messages]})
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        if failed:
            raise RuntimeError(f"{function} failed {len(failed)} records of a batch")
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])


def _batch_size(spec: Any) -> int:
    for event in spec.events:
        if event.kind == "SQS":
            return int(event.properties.get("BatchSize", 10))
    raise ValueError(f"{spec.name} has no SQS event")


@contextlib.contextmanager
def _environment() -> Iterator[None]:
    saved = dict(os.environ)
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        os.environ.pop(key, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "POWERTOOLS_TRACE_DISABLED": "true",
                       "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512"})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _count_sentiment_texts(tally: Tally) -> None:
    """Count, per text the processor analyses (VADER here), the units Comprehend would bill for it."""
    from socialcrm import sentiment

    analyze = sentiment.VaderAnalyzer.analyze
    if getattr(analyze, "probe_counted", False):
        return

    def counted(self: Any, text: str) -> tuple[str, float]:
        if text.strip():
            clipped = text.encode()[: sentiment.ComprehendAnalyzer.MAX_BYTES].decode(errors="ignore")
            tally.comprehend_units += max(price.COMPREHEND_MINIMUM_UNITS,
                                          math.ceil(len(clipped) / price.COMPREHEND_CHARACTERS_PER_UNIT))
        return analyze(self, text)

    counted.probe_counted = True
    sentiment.VaderAnalyzer.analyze = counted
    tally.restore.append(lambda: setattr(sentiment.VaderAnalyzer, "analyze", analyze))


def measure(posts: int = 1000, lookups: int = 1000, seed: int = 7, customers: int = cost_mix.CUSTOMERS) -> Tally:
    """Run the mix through the handlers on moto and count everything."""
    import boto3
    import botocore.client
    from moto import mock_aws

    from infra.local.cfn import create_resources, function_specs, load_template
    from infra.local.contact_centre import ContactCentreFake

    secrets = json.loads((ROOT / "infra/local/secrets.json").read_text(encoding="utf-8"))
    parameters = json.loads((ROOT / "infra/local/parameters.json").read_text(encoding="utf-8"))
    contact_centre = ContactCentreFake(secrets["contact-centre"]["https"]["signing_key"]).start()
    parameters = {name: value.format(api_url="http://127.0.0.1:3000") if isinstance(value, str) else value
                  for name, value in parameters.items()}
    parameters["ContactCentreUrl"] = contact_centre.url
    template = load_template(ROOT / "template.yaml")
    meter = Meter(template)
    capture = LogCapture(meter)
    real_call = botocore.client.BaseClient._make_api_call
    functions: Functions | None = None
    try:
        with _environment(), mock_aws():
            botocore.client.BaseClient._make_api_call = meter.around(real_call)
            resources = create_resources(boto3.Session(region_name=REGION), template, parameters,
                                         ROOT / "infra/local/secrets.json")
            specs = function_specs(template, resources)
            functions = Functions(specs, meter, capture)
            inspect = boto3.client("sqs", region_name=REGION)
            inspect.probe_inspection = True

            meter.phase = "customers"
            records = [cost_mix.customer(n) for n in range(1, customers + 1)]
            for start in range(0, len(records), 50):
                functions.invoke("CustomerSyncFunction", {"customers": records[start:start + 50]})
            meter.tally.storage["setup"] = meter.table_bytes()

            meter.phase = "posts"
            _count_sentiment_texts(meter.tally)
            for n, delivery in enumerate(cost_mix.deliveries(posts, secrets, seed, customers=customers)):
                answer = functions.invoke("WebhookFunction", cost_mix.http_event(delivery, n))
                if answer["statusCode"] != 200:
                    raise RuntimeError(f"delivery {n} ({delivery.kind}) answered {answer['statusCode']}")
            for function, queue in (("ProcessorFunction", "IngestQueue"), ("ContactPushFunction", "PushQueue")):
                _drain(functions, inspect, function, resources.queue_urls[queue], resources.queue_arns[queue],
                       _batch_size(specs[function]))
            meter.tally.storage["posts"] = meter.table_bytes()

            meter.phase = "lookups"
            for event in cost_mix.lookup_events(lookups, seed, customers):
                functions.invoke("ContactLookupFunction", event)

            meter.phase = "rollup-hour"
            hour = time.strftime("%Y-%m-%dT%H:00:00Z", time.gmtime())
            functions.invoke("MetricsRollupFunction", {"hour": hour})
            meter.phase = "rollup-day"
            functions.invoke("MetricsRollupFunction", {"day": time.strftime("%Y-%m-%d", time.gmtime())})
            meter.phase = "done"
    finally:
        botocore.client.BaseClient._make_api_call = real_call
        if functions is not None:
            functions.restore()
        for undo in meter.tally.restore:
            undo()
        meter.tally.restore.clear()
        contact_centre.stop()
    meter.tally.posts, meter.tally.lookups, meter.tally.customers = posts, lookups, customers
    return meter.tally


# -- pricing ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Line:
    what: str
    quantity: float  # per post, per lookup, or per month
    unit: str
    dollars: float  # per million posts, per million lookups, or per month


@dataclass
class Estimate:
    mix: str
    posts: int
    lookups: int
    per_post: list[Line]
    per_lookup: list[Line]
    fixed: list[Line]
    figures: dict[str, float]
    operations: dict[str, float]  # "service:operation" -> calls per post

    @property
    def per_million_posts(self) -> float:
        return sum(line.dollars for line in self.per_post)

    @property
    def per_million_posts_without_xray(self) -> float:
        return sum(line.dollars for line in self.per_post if not line.what.startswith("X-Ray"))

    @property
    def per_million_lookups(self) -> float:
        return sum(line.dollars for line in self.per_lookup)

    @property
    def fixed_monthly(self) -> float:
        return sum(line.dollars for line in self.fixed)


@dataclass(frozen=True)
class Deployment:
    """What template.yaml says about memory, tracing, sampling, retention and the fixed resources."""

    memory_mb: dict[str, int]
    traced: frozenset[str]  # functions whose tracing is Active
    rule_rate: float | None  # TraceSamplingRule's fixed rate (for callers that sample by rules)
    retention_days: int
    log_retention_days: int
    pitr_tables: frozenset[str]
    secrets: int
    dashboards: int
    alarms: int
    arm64: bool

    @classmethod
    def of(cls, template: dict[str, Any]) -> Deployment:
        resources = template["Resources"]
        parameters = template.get("Parameters", {})
        globals_ = template.get("Globals", {}).get("Function", {})

        def value(setting: Any) -> Any:
            if isinstance(setting, dict) and "Ref" in setting:
                return parameters[setting["Ref"]]["Default"]
            return setting

        functions = {name: body.get("Properties", {}) for name, body in resources.items()
                     if body.get("Type") == "AWS::Serverless::Function"}
        memory = {name: int(props.get("MemorySize", globals_.get("MemorySize", 128)))
                  for name, props in functions.items()}
        traced = frozenset(name for name, props in functions.items()
                           if value(props.get("Tracing", globals_.get("Tracing"))) == "Active")
        rule_rate = None
        for body in resources.values():
            if body.get("Type") == "AWS::XRay::SamplingRule":
                rule_rate = float(value(body["Properties"]["SamplingRule"]["FixedRate"]))
        kinds = Counter(body.get("Type") for body in resources.values())
        pitr = frozenset(name for name, body in resources.items() if body.get("Type") == "AWS::DynamoDB::Table"
                         and body["Properties"].get("PointInTimeRecoverySpecification", {})
                         .get("PointInTimeRecoveryEnabled"))
        return cls(memory, traced, rule_rate, int(parameters["RetentionDays"]["Default"]),
                   int(parameters["LogRetentionDays"]["Default"]), pitr, kinds["AWS::SecretsManager::Secret"],
                   kinds["AWS::CloudWatch::Dashboard"], kinds["AWS::CloudWatch::Alarm"],
                   "arm64" in globals_.get("Architectures", []))

    def sampled(self, function: str, per_second: float, active: bool | None = None) -> float:
        """Share of `function`'s invocations X-Ray records at `per_second` invocations (`active`: as if its
        tracing were Active, or not; None: as the template says)."""
        traced = function in self.traced if active is None else active
        if not traced or per_second <= 0:
            return 0.0
        reservoir, rate = LAMBDA_SAMPLING
        return min(1.0, (min(reservoir, per_second) + rate * max(0.0, per_second - reservoir)) / per_second)


def _lines(tally: Tally, deployment: Deployment, phases: tuple[str, ...], units: int, monthly_units: float,
           http_api: bool, active: bool | None = None) -> list[Line]:
    """Cost lines per unit (post or lookup), in dollars per million units."""
    calls = [c for c in tally.calls if c.phase in phases]
    invocations = [i for i in tally.invocations if i.phase in phases]
    million = 1e6 / units

    def of(service: str) -> list[Call]:
        return [c for c in calls if c.service == service]

    gb_price = price.LAMBDA_GB_SECOND_ARM64 if deployment.arm64 else price.LAMBDA_GB_SECOND_X86_64
    gb_seconds = sum(math.ceil(i.seconds * 1000) / 1000 * deployment.memory_mb[i.function] / 1024
                     for i in invocations)
    wru = sum(c.wru for c in of("dynamodb"))
    index_wru = sum(c.index_wru for c in of("dynamodb"))
    rru = sum(c.rru for c in of("dynamodb"))
    sqs = sum(c.requests for c in of("sqs"))
    log_bytes = sum(tally.log_bytes[phase] for phase in phases)
    traces = 0.0
    for function, count in Counter(i.function for i in invocations).items():
        per_second = count / units * monthly_units / SECONDS_PER_MONTH
        traces += count * deployment.sampled(function, per_second, active)
    lines = [
        Line("Lambda requests", len(invocations) / units, "invocations", len(invocations) * million
             * price.LAMBDA_REQUEST),
        Line("Lambda duration", gb_seconds / units, "GB-s", gb_seconds * million * gb_price),
        Line("DynamoDB writes (table)", wru / units, "WRU", wru * million * price.DYNAMODB_WRITE_UNIT),
        Line("DynamoDB writes (indexes)", index_wru / units, "WRU", index_wru * million * price.DYNAMODB_WRITE_UNIT),
        Line("DynamoDB reads", rru / units, "RRU", rru * million * price.DYNAMODB_READ_UNIT),
        Line("SQS", sqs / units, "requests", sqs * million * price.SQS_REQUEST),
        Line("Secrets Manager API", len(of("secretsmanager")) / units, "calls",
             len(of("secretsmanager")) * million * price.SECRETS_API_REQUEST),
        Line("CloudWatch API", len(of("cloudwatch")) / units, "calls",
             len(of("cloudwatch")) * million * price.CLOUDWATCH_API_REQUEST),
        Line("CloudWatch Logs ingestion", log_bytes / units, "bytes",
             log_bytes * million / price.GB * price.LOGS_INGESTION_GB),
        Line("CloudWatch Logs storage (raw bytes, retention)", log_bytes / units, "bytes",
             log_bytes * million / price.GB * price.LOGS_STORAGE_GB_MONTH * deployment.log_retention_days / 30),
    ]
    if http_api:
        webhooks = sum(1 for i in invocations if i.function == "WebhookFunction")
        lines.insert(0, Line("HTTP API requests", webhooks / units, "requests",
                             webhooks * million * price.HTTP_API_REQUEST))
    lines.append(Line("X-Ray traces", traces / units, "traces", traces * million * price.XRAY_TRACE))
    return lines


def metric_names(tally: Tally) -> set[str]:
    """The distinct metrics of the run as 'Metric|Dim=value' (Powertools' service dimension left out)."""
    return {"|".join([name, *(f"{k}={v}" for k, v in dimensions if k != "service")])
            for _, name, dimensions in tally.metrics}


def estimate(tally: Tally, template: dict[str, Any]) -> Estimate:
    deployment = Deployment.of(template)
    posts, lookups = tally.posts, tally.lookups
    per_post = _lines(tally, deployment, ("posts",), posts, MONTHLY_POSTS, http_api=True)
    grown = tally.storage["posts"].get("PostsTable", 0) - tally.storage["setup"].get("PostsTable", 0)
    months = deployment.retention_days / 30
    storage_price = price.DYNAMODB_STORAGE_GB_MONTH + (
        price.DYNAMODB_PITR_GB_MONTH if "PostsTable" in deployment.pitr_tables else 0.0)
    per_post.insert(-1, Line(f"DynamoDB storage of the post ({deployment.retention_days} days, PITR)",
                             grown / posts, "bytes", grown * 1e6 / posts / price.GB * storage_price * months))
    per_lookup = _lines(tally, deployment, ("lookups",), lookups, MONTHLY_LOOKUPS, http_api=False)
    traced_posts = _lines(tally, deployment, ("posts",), posts, MONTHLY_POSTS, http_api=True, active=True)[-1]
    traced_lookups = _lines(tally, deployment, ("lookups",), lookups, MONTHLY_LOOKUPS, http_api=False, active=True)[-1]

    hourly = _lines(tally, deployment, ("rollup-hour",), 1, 720, http_api=False)
    daily = _lines(tally, deployment, ("rollup-day",), 1, 30, http_api=False)
    rollups = sum(line.dollars for line in hourly) / 1e6 * 720 + sum(line.dollars for line in daily) / 1e6 * 30
    try:
        from socialcrm.metric_catalogue import monthly_metrics
    except ImportError:  # code from before the catalogue counted its month: the run's metrics, an hour's worth
        month, counted = sorted(metric_names(tally)), "distinct in this run"
    else:
        month, counted = monthly_metrics(cost_mix.steady_month()), "a steady month, everything on"
    fixed = [
        Line(f"Custom metrics ({counted})", len(month), "metrics", len(month) * price.CUSTOM_METRIC_MONTH),
        Line("Secrets", deployment.secrets, "secrets", deployment.secrets * price.SECRET_MONTH),
        Line("Dashboards", deployment.dashboards, "dashboards", deployment.dashboards * price.DASHBOARD_MONTH),
        Line("Alarms", deployment.alarms, "alarms", deployment.alarms * price.ALARM_MONTH),
        Line("Rollups (720 hourly + 30 daily runs)", 750, "runs", rollups),
    ]
    dynamo = [c for c in tally.calls if c.phase == "posts" and c.service == "dynamodb"]
    operations = Counter(f"{c.service}:{c.operation}" for c in tally.calls if c.phase == "posts")
    figures = {
        "aws_calls_per_post": sum(1 for c in tally.calls if c.phase == "posts" and "(ESM)" not in c.operation)
        / posts,
        "dynamodb_requests_per_post": len(dynamo) / posts,
        "wru_per_post": sum(c.wru + c.index_wru for c in dynamo) / posts,
        "rru_per_post": sum(c.rru for c in dynamo) / posts,
        "log_bytes_per_post": tally.log_bytes["posts"] / posts,
        "log_bytes_per_lookup": tally.log_bytes["lookups"] / lookups if lookups else 0.0,
        "custom_metrics": float(len(month)),
        "custom_metrics_in_run": float(len(tally.metrics)),
        "post_storage_bytes": grown / posts,
        "xray_active_per_million_posts": traced_posts.dollars,
        "xray_active_per_million_lookups": traced_lookups.dollars,
        "comprehend_per_million_posts": tally.comprehend_units / posts * 1e6 * price.COMPREHEND_UNIT,
        "trace_sampling_rule_rate": deployment.rule_rate if deployment.rule_rate is not None else -1.0,
        "traced_functions": float(len(deployment.traced)),
    }
    return Estimate(cost_mix.describe(tally.customers), posts, lookups, per_post, per_lookup, fixed, figures,
                    {name: count / posts for name, count in sorted(operations.items())})


def report(result: Estimate) -> str:
    out = [f"make cost: {result.posts} posts, {result.lookups} lookups, in process on moto; prices "
           f"{price.REGION} list, {price.PRICES_DATE} (infra/aws_prices.py)",
           f"Mix: {result.mix}.", "",
           "Per post:"]
    out += [f"  {name:<48} {count:6.2f}" for name, count in result.operations.items()]
    figures = result.figures
    out += ["", f"  AWS calls {figures['aws_calls_per_post']:.2f} (event source mapping's not included), "
                f"DynamoDB requests {figures['dynamodb_requests_per_post']:.2f}, "
                f"WRU {figures['wru_per_post']:.2f}, RRU {figures['rru_per_post']:.2f}, "
                f"log bytes {figures['log_bytes_per_post']:.0f}, stored post {figures['post_storage_bytes']:.0f} B",
            f"  Custom metrics: {figures['custom_metrics_in_run']:.0f} distinct in this run; "
            f"{figures['custom_metrics']:.0f} counted for the month "
            f"{result.fixed[0].what.removeprefix('Custom metrics ')}",
            "", "Per million posts:"]
    out += [f"  {line.what:<55} {line.quantity:10.3f} {line.unit:<11} ${line.dollars:8.2f}" for line in result.per_post]
    out += [f"  {'total without X-Ray':<78} ${result.per_million_posts_without_xray:8.2f}",
            f"  {'total as deployed (X-Ray as the template traces)':<78} ${result.per_million_posts:8.2f}",
            f"  {'  X-Ray if every function were Active (Lambda samples 1/s + 5 %)':<78} "
            f"${figures['xray_active_per_million_posts']:8.2f}",
            f"  {'  Comprehend instead of VADER (SentimentEngine=comprehend)':<78} "
            f"${figures['comprehend_per_million_posts']:8.2f}", "", "Per million lookups:"]
    out += [f"  {line.what:<55} {line.quantity:10.3f} {line.unit:<11} ${line.dollars:8.2f}"
            for line in result.per_lookup]
    out += [f"  {'total':<78} ${result.per_million_lookups:8.2f}", "", "Fixed, per month:"]
    out += [f"  {line.what:<55} {line.quantity:10.0f} {line.unit:<11} ${line.dollars:8.2f}" for line in result.fixed]
    out += [f"  {'total':<78} ${result.fixed_monthly:8.2f}"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--customers", type=int, default=cost_mix.CUSTOMERS)
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args(argv)
    from infra.local import moto_fixes
    from infra.local.cfn import load_template

    moto_fixes.apply()  # the local stack's fixes to moto's own cost (same answers): this process only

    tally = measure(args.posts, args.lookups, args.seed, args.customers)
    result = estimate(tally, load_template(ROOT / "template.yaml"))
    if args.json:
        print(json.dumps({"figures": result.figures, "operations": result.operations,
                          "per_million_posts": result.per_million_posts,
                          "per_million_posts_without_xray": result.per_million_posts_without_xray,
                          "per_million_lookups": result.per_million_lookups, "fixed_monthly": result.fixed_monthly},
                         indent=2))
    else:
        print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
