"""Integration tests run against moto, with every table and queue built from template.yaml."""

from __future__ import annotations

import copy
import functools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qsl

import boto3
import botocore.client
import pytest
from moto import mock_aws

from infra.local import moto_fixes
from tests.iam import dynamodb_grants, dynamodb_needs

# The local stack's fixes to moto's own cost (infra/local/moto_fixes.py: the same answers, checked by
# tests/e2e/test_local_aws.py), here too: without them a Query sorts the whole table, a transaction copies every
# table it touches (a test's cost grew with what its earlier steps had stored) and every answer's items are
# serialized attribute by attribute, member by member.
moto_fixes.apply()

ROOT = Path(__file__).resolve().parents[2]
PARAMETERS = {name: value.format(api_url="http://127.0.0.1:3000") if isinstance(value, str) else value
              for name, value in json.loads((ROOT / "infra/local/parameters.json").read_text()).items()}


@functools.cache
def parsed_template() -> dict:
    """template.yaml parsed once per process; each test gets its own deep copy (a few milliseconds)."""
    from infra.local.cfn import load_template

    return load_template(str(ROOT / "template.yaml"))


def reset_cached_clients() -> None:
    """Clients, models, deps and settings are cached per cold start; each test is a new cold start."""
    from socialcrm.caches import reset_for_tests

    reset_for_tests()


@pytest.fixture
def aws(monkeypatch):
    """moto with the template's resources; the environment of a function that was given all of them."""
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "socialcrm")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "SocialCRM")
    from infra.local.cfn import create_resources, function_specs

    with mock_aws():
        reset_cached_clients()
        template = copy.deepcopy(parsed_template())
        resources = create_resources(boto3.Session(region_name="us-east-1"), template, PARAMETERS,
                                     str(ROOT / "infra/local/secrets.json"))
        specs = function_specs(template, resources)
        in_use: list[str] = []  # the function whose environment is set: its IAM policy is the one that counts
        refused: set[tuple] = set()
        grants_of: dict[str, set] = {}
        real_call = botocore.client.BaseClient._make_api_call

        def within_policy(client, operation, params):
            inspecting = getattr(client, "test_inspection", False)  # the test's own look at the tables
            if in_use and not inspecting and client.meta.service_model.service_name == "dynamodb":
                if in_use[-1] not in grants_of:
                    grants_of[in_use[-1]] = dynamodb_grants(template, in_use[-1])
                granted = grants_of[in_use[-1]]
                refused.update((in_use[-1], *need) for need in dynamodb_needs(operation, params)
                               if need not in granted)
            return real_call(client, operation, params)

        def use_function_env(logical_id: str) -> None:
            # Only this function's variables: one it lacks in template.yaml must not leak in from another.
            for other in specs.values():
                for key in other.environment:
                    if key not in specs[logical_id].environment:
                        monkeypatch.delenv(key, raising=False)
            for key, value in specs[logical_id].environment.items():
                monkeypatch.setenv(key, str(value))
            in_use.append(logical_id)
            reset_cached_clients()

        def inspection_client(service: str):
            client = boto3.client(service, region_name="us-east-1")
            client.test_inspection = True
            return client

        def put_items(table: str, items: list[dict]) -> None:
            """The test's own seeding, straight into moto's table (no request of a function; 4 to 5 times
            cheaper than BatchWriteItem through botocore, which matters at 10,000 customers)."""
            from moto.core import DEFAULT_ACCOUNT_ID
            from moto.dynamodb.models import dynamodb_backends

            backend = dynamodb_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
            for item in items:
                backend.put_item(table, item)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", within_policy)
        yield SimpleNamespace(resources=resources, specs=specs, use=use_function_env, client=inspection_client,
                              put_items=put_items)
        reset_cached_clients()
        # Every DynamoDB request a function made is one its policy in template.yaml allows (moto checks no IAM).
        assert sorted(refused) == [], "DynamoDB requests outside the function's policy"


@pytest.fixture
def fake_hub():
    """A loopback WebSub hub: records each form POST and answers 202 (it will verify asynchronously)."""
    forms: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            forms.append(dict(parse_qsl(self.rfile.read(length).decode())))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/subscribe", forms
    server.shutdown()
    server.server_close()
