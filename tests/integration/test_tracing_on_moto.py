"""What the Tracer sends to X-Ray: the handlers run with tracing on (as in Lambda, with a trace header), and
every trace document the X-Ray SDK would send to the daemon is captured instead. None may carry a handler's
response or error: a one-time link code, a card or personal data must never reach X-Ray."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.functions import LambdaContext, load_handler

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted(path.parent.name for path in (ROOT / "functions").glob("*/app.py"))
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


class RecordingEmitter:
    """Stands in for the UDP emitter: keeps each trace document instead of sending it to the daemon."""

    def __init__(self) -> None:
        self.documents: list[dict] = []

    def send_entity(self, entity) -> None:
        self.documents.append(json.loads(entity.serialize()))

    def set_daemon_address(self, address) -> None:
        return


@pytest.fixture
def xray(monkeypatch):
    """Tracing switched on as in a Lambda sandbox; yields the documents the SDK emits."""
    from aws_lambda_powertools import Tracer
    from aws_xray_sdk import global_sdk_config
    from aws_xray_sdk.core import xray_recorder
    from aws_xray_sdk.core.lambda_launcher import LambdaContext as XRayLambdaContext

    from socialcrm import observability

    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    monkeypatch.delenv("AWS_XRAY_SDK_ENABLED", raising=False)
    emitter = RecordingEmitter()
    saved = (xray_recorder.context, xray_recorder.emitter, xray_recorder.streaming_threshold)
    xray_recorder.configure(context=XRayLambdaContext(), emitter=emitter)
    global_sdk_config.set_sdk_enabled(True)
    Tracer._reset_config()
    observability._tracer.cache_clear()
    yield emitter.documents
    Tracer._reset_config()
    observability._tracer.cache_clear()
    global_sdk_config.set_sdk_enabled(False)  # the rest of the run traces nothing, as before
    xray_recorder.context, xray_recorder.emitter, xray_recorder.streaming_threshold = saved


def subsegments(documents: list[dict]):
    for document in documents:
        yield document
        yield from subsegments(document.get("subsegments", []))


def handler_subsegments(documents: list[dict]) -> list[dict]:
    return [s for s in subsegments(documents) if s.get("name") == "## lambda_handler"]


def logical_id(function_dir: str) -> str:
    return "".join(part.capitalize() for part in function_dir.split("_")) + "Function"


def test_an_issued_link_code_never_reaches_xray(aws, xray):
    aws.use("CustomerSyncFunction")
    synced = load_handler("customer_sync").lambda_handler(
        {"customers": [{"customer_id": "cust-7", "name": "Ada Lovelace", "phones": ["+44 7911 123456"],
                        "emails": ["ada@example.com"]}]}, LambdaContext())
    assert synced["upserted"] == 1
    xray.clear()
    aws.use("MatchReviewFunction")
    answer = load_handler("match_review").lambda_handler({"action": "issue_code", "customer_id": "cust-7"},
                                                         LambdaContext())
    code = answer["code"]
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert handler_subsegments(xray), "the handler was not traced: this test would prove nothing"
    sent = json.dumps(xray)
    for secret in (code, code.replace("-", ""), "cust-7", answer["expires_at"]):
        assert secret not in sent
    assert all("metadata" not in s for s in subsegments(xray))


PERSONAL = ("ada@example.com", "grace@example.com", "Grace Hopper", "+447911123456", "7911123456", "cust-7", "cust-8")
HOSTILE_EVENTS = {  # each reaches the handler's answer or error path without a live peer
    "agent_page": {"pathParameters": {"customer_id": "cust-7"}, "queryStringParameters": {"exp": "1", "sig": "x"}},
    "contact_lookup": {"Details": {"ContactData": {"CustomerEndpoint": {"Address": "+447911123456"}}}},
    "contact_push": {"Records": [{"messageId": "m-1", "receiptHandle": "r", "eventSource": "aws:sqs",
                                  "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                                  "body": "not a push, from ada@example.com"}]},
    "customer_sync": {"customers": [{"customer_id": "cust-8", "name": "Grace Hopper",
                                     "emails": ["grace@example.com"]}]},
    "erasure": {"customer_id": "cust-8"},
    "match_review": {"action": "pending", "limit": 5},
    "metrics_rollup": {"hour": "2026-11-20T09"},
    "poller": {"source": "aws.events"},
    "processor": {"Records": [{"messageId": "m-1", "receiptHandle": "r", "eventSource": "aws:sqs",
                               "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
                               "body": json.dumps({"platform": "facebook", "post_id": "p-1", "author": {
                                   "platform": "facebook", "user_id": "6104410001", "email": "ada@example.com"}})}]},
    "reply": {"routeKey": "POST /replies", "requestContext": {"authorizer": {"iam": {
                  "userArn": "arn:aws:iam::123456789012:user/cust-7"}}},
              "body": json.dumps({"post_key": "facebook#p-1", "text": "Grace Hopper: ada@example.com, +447911123456"})},
    "webhook": {"pathParameters": {"platform": "meta"}, "requestContext": {"http": {"method": "POST"}},
                "headers": {"x-hub-signature-256": "sha256=00"}, "body": '{"entry": [{"from": "ada@example.com"}]}'},
}


@pytest.mark.parametrize("function_dir", HANDLERS)
def test_no_handler_puts_its_answer_or_error_into_the_trace(aws, xray, monkeypatch, function_dir):
    """The handlers' own decorators, without the template's POWERTOOLS_TRACER_CAPTURE_* settings."""
    aws.use(logical_id(function_dir))
    monkeypatch.delenv("POWERTOOLS_TRACER_CAPTURE_RESPONSE", raising=False)
    monkeypatch.delenv("POWERTOOLS_TRACER_CAPTURE_ERROR", raising=False)
    module = load_handler(function_dir)
    answer = module.lambda_handler(HOSTILE_EVENTS[function_dir], LambdaContext())
    assert answer is not None
    if hasattr(module, "tracer"):
        assert handler_subsegments(xray), "the handler was not traced: this test would prove nothing"
    assert [s["name"] for s in subsegments(xray) if "metadata" in s] == []
    sent = json.dumps(xray)
    assert not [value for value in PERSONAL if value in sent]


def test_the_template_switches_response_and_error_capture_off_for_every_function():
    from infra.local.cfn import load_template

    variables = load_template(ROOT / "template.yaml")["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert variables["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"
