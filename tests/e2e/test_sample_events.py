"""Every function has its sample event in events/, and each runs through the Lambda Invoke API
(what `sam local invoke -e events/<file>` does), answering as the function's contract says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra.local.cfn import function_specs, load_template
from tests.e2e.test_pipeline_e2e import invoke

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def event_file(logical_id: str, suffix: str = "") -> Path:
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", logical_id.removesuffix("Function")).lower()
    return ROOT / "events" / f"{name}{suffix}.json"


def test_every_function_of_the_template_has_a_sample_event(stack):
    missing = [name for name in stack.specs if not event_file(name).exists()]
    assert missing == []
    assert set(function_specs(load_template(ROOT / "template.yaml"), stack.resources)) == set(stack.specs)


@pytest.mark.parametrize(("function", "suffix", "check"), [
    ("WebhookFunction", "", lambda answer: (answer["statusCode"], answer["body"]) == (200, '{"accepted": 1}')),
    ("WebhookFunction", "_handshake", lambda answer: (answer["statusCode"], answer["body"]) == (200, "1158201444")),
    ("ProcessorFunction", "", lambda answer: answer == {"batchItemFailures": []}),
    ("ContactPushFunction", "", lambda answer: answer == {"batchItemFailures": []}),
    ("CustomerSyncFunction", "", lambda answer: answer["rejected"] == answer["warnings"] == []
     and answer["upserted"] >= 1),
    ("ContactLookupFunction", "", lambda answer: set(answer) >= {"found", "customer_id", "last_post_text"}),
    ("MetricsRollupFunction", "", lambda answer: "hour" in answer),
    ("PollerFunction", "", lambda answer: answer == {"sources": []}),  # no polled source configured locally
    ("AgentPageFunction", "", lambda answer: answer["statusCode"] == 403),  # a sample link has long expired
    ("ErasureFunction", "", lambda answer: answer["erased"] == "customer cust-0003" and "counts" in answer),
    ("MatchReviewFunction", "", lambda answer: isinstance(answer.get("pending"), list)),
    # a reply to a post the local stack has not captured: a clear 404, and nothing is published
    ("ReplyFunction", "", lambda answer: (answer["statusCode"], answer["body"]) == (404, '{"error": "no such post"}')),
])
def test_each_sample_event_runs_on_the_local_stack(stack, lambda_client, customers, function, suffix, check):
    # `customers` first: the sample erasure erases cust-0003, and a later sync of it would be refused
    event = json.loads(event_file(function, suffix).read_text(encoding="utf-8"))
    answer = invoke(lambda_client, function, event)
    assert check(answer), answer
