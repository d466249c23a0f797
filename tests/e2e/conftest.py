"""End-to-end: the local stack from template.yaml, reached over real HTTP and the Lambda Invoke API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.local.contact_centre import ContactCentreFake
from infra.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
SECRETS = json.loads((ROOT / "infra/local/secrets.json").read_text())


@pytest.fixture(scope="session")
def contact_centre():
    with ContactCentreFake(SECRETS["contact-centre"]["https"]["signing_key"]) as fake:
        yield fake


@pytest.fixture(scope="session")
def stack_log(tmp_path_factory) -> Path:
    """Everything the stack's functions and its AWS print, for the log-hygiene test."""
    return tmp_path_factory.mktemp("stack") / "functions.log"


@pytest.fixture(scope="session")
def stack(contact_centre, stack_log):
    parameters = json.loads((ROOT / "infra/local/parameters.json").read_text())
    parameters["ContactCentreUrl"] = contact_centre.url
    with LocalStack(parameters=parameters, aws_port=0, api_port=0, lambda_port=0, max_seconds=900,
                    log_file=stack_log) as running:
        yield running


@pytest.fixture(scope="session")
def lambda_client(stack):
    return stack.lambda_client()


@pytest.fixture(scope="session")
def app_secret():
    return SECRETS["meta"]["app_secret"]


@pytest.fixture(scope="session")
def customers(stack, lambda_client):
    """The sample customers of events/customer_sync.json, loaded through CustomerSyncFunction."""
    sample = json.loads((ROOT / "events/customer_sync.json").read_text(encoding="utf-8"))
    answer = lambda_client.invoke(FunctionName="CustomerSyncFunction", Payload=json.dumps(sample).encode())
    assert "FunctionError" not in answer
    assert json.loads(answer["Payload"].read()) == {"upserted": 3, "rejected": [], "warnings": []}
