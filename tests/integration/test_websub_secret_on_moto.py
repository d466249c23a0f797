"""The YouTube WebSub hub secret end to end under moto: the PollerFunction, with only its own environment,
subscribes with it; the WebhookFunction accepts what the hub signs with it. Each function reads only the
secrets its template policy grants it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import botocore.client
import pytest
from aws_lambda_powertools.utilities import parameters

from infra.local.cfn import load_template
from tests.iam import policy_templates, resource_refs
from tests.integration.test_webhook_attacks_on_moto import OUR_CHANNEL, TOPIC, event
from tests.signers import fixture, sign
from tests.support.functions import ROOT, LambdaContext, load_handler


@pytest.fixture
def functions(aws, monkeypatch):
    """Run one function at a time as deployed: only its own environment variables, a cold secrets cache,
    and a record of the secrets it read (by logical name)."""
    names = {arn: name for name, arn in aws.resources.secret_arns.items()}
    every_variable = {name for spec in aws.specs.values() for name in spec.environment}
    current: list[str] = []
    read: dict[str, set[str]] = {}
    real_call = botocore.client.BaseClient._make_api_call

    def recording(client, operation, params):
        if operation == "GetSecretValue" and current and not getattr(client, "test_inspection", False):
            read.setdefault(current[-1], set()).add(names.get(params["SecretId"], params["SecretId"]))
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)

    def become(function: str) -> None:
        for name in every_variable - set(aws.specs[function].environment):
            monkeypatch.delenv(name, raising=False)
        aws.use(function)
        parameters.clear_caches()
        current.append(function)

    yield become, read
    parameters.clear_caches()


def granted_secrets(function: str) -> set[str]:
    template = load_template(ROOT / "template.yaml")
    return {ref for arg in policy_templates(template, function).get("AWSSecretsManagerGetSecretValuePolicy", [])
            for ref in resource_refs(template, arg)}


def deliver(webhook, body: bytes, secret: str) -> dict:
    headers, _ = sign("youtube", body, secret)
    return webhook.lambda_handler(event("POST", "youtube", body, headers), LambdaContext())


def put_websub_secret(aws, value: dict) -> None:
    aws.client("secretsmanager").put_secret_value(SecretId=aws.resources.secret_arns["WebSubSecret"],
                                                  SecretString=json.dumps(value))


def test_the_poller_subscribes_with_the_websub_secret_and_the_webhook_accepts_what_the_hub_signs(
        aws, functions, fake_hub, monkeypatch):
    become, read = functions
    hub_url, forms = fake_hub
    # the webhook's other platforms keep their secrets; YouTube's must not come from there
    aws.client("secretsmanager").put_secret_value(SecretId=aws.resources.secret_arns["PlatformSecret"],
                                                  SecretString=json.dumps({"meta": {"app_secret": "m"}}))
    become("PollerFunction")
    monkeypatch.setenv("WEBSUB_HUB_URL", hub_url)
    asked = load_handler("poller").lambda_handler({"websub": "subscribe"}, LambdaContext())
    assert asked == {"websub": [{"channel": OUR_CHANNEL, "mode": "subscribe", "hub_status": 202}]}
    hub_secret = forms[0]["hub.secret"]
    assert len(forms) == 1 and hub_secret

    become("WebhookFunction")
    webhook = load_handler("webhook")
    query = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "c-9", "hub.lease_seconds": "432000"}
    confirmed = webhook.lambda_handler(event("GET", "youtube", query=query), LambdaContext())
    assert (confirmed["statusCode"], confirmed["body"]) == (200, "c-9")
    answer = deliver(webhook, fixture("youtube_video.xml"), hub_secret)  # the hub signs with what it was given
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"accepted": 1})
    assert deliver(webhook, fixture("youtube_video.xml"), "m")["statusCode"] == 401  # another platform's secret

    assert read == {"PollerFunction": {"WebSubSecret"}, "WebhookFunction": {"WebSubSecret"}}
    assert all(read[function] <= granted_secrets(function) for function in read)


def test_a_rotated_hub_secret_is_subscribed_with_and_the_previous_one_accepted_until_it_ends(
        aws, functions, fake_hub, monkeypatch):
    become, _read = functions
    hub_url, forms = fake_hub
    ends = datetime.now(UTC) + timedelta(hours=1)
    rotated = {"hub_secret": "new-hub-secret", "previous_hub_secret": "old-hub-secret",
               "previous_hub_secret_valid_until": ends.isoformat()}
    put_websub_secret(aws, rotated)
    become("PollerFunction")
    monkeypatch.setenv("WEBSUB_HUB_URL", hub_url)
    load_handler("poller").lambda_handler({"websub": "subscribe"}, LambdaContext())
    assert [form["hub.secret"] for form in forms] == ["new-hub-secret"]  # never the previous one

    become("WebhookFunction")
    webhook = load_handler("webhook")
    body = fixture("youtube_video.xml")
    assert deliver(webhook, body, "new-hub-secret")["statusCode"] == 200
    assert deliver(webhook, body, "old-hub-secret")["statusCode"] == 200  # the hub may still sign with it
    assert deliver(webhook, body, "never-our-secret")["statusCode"] == 401

    put_websub_secret(aws, {**rotated, "previous_hub_secret_valid_until": (ends - timedelta(hours=2)).isoformat()})
    become("WebhookFunction")  # a new cold start reads the secret afresh
    webhook = load_handler("webhook")
    assert deliver(webhook, body, "old-hub-secret")["statusCode"] == 401
    assert deliver(webhook, body, "new-hub-secret")["statusCode"] == 200
