"""X rotates its refresh token on every refresh: the publisher ReplyFunction builds (wiring) writes the new one back
into the ReplySecret on moto (PutSecretValue), so the next cold start refreshes with it, not with the spent one. When
that write fails, the reply still goes out with the fresh access token and is recorded as sent, with the reason."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import botocore.client
import pytest
from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import ClientError

from socialcrm import wiring
from socialcrm.adapters.secrets import ReplySecrets
from socialcrm.caches import reset_for_tests
from socialcrm.model import Author, CanonicalPost
from socialcrm.observability import logger
from tests.support.fake_platform import fake_platform
from tests.support.functions import LambdaContext, load_handler, sqs_event
from tests.support.platform_fakes import OAuthServer, XApi
from tests.support.replies import a_reply

X_SECTION = {"client_id": "client-1", "client_secret": "client-secret", "refresh_token": "refresh-1"}


@pytest.fixture
def x_world(aws, monkeypatch):
    aws.use("ReplyFunction")
    secret_id = aws.specs["ReplyFunction"].environment["REPLY_SECRET_ID"]
    secrets = aws.client("secretsmanager")
    secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps({"x": X_SECTION, "other": {"k": "v"}}))
    with fake_platform() as fake:
        oauth = OAuthServer(fake, "/2/oauth2/token", basic_auth=True, rotate=True)
        api = XApi(fake, oauth)
        monkeypatch.setenv("REPLY_X_API_URL", fake.url)
        monkeypatch.setenv("REPLY_X_TOKEN_URL", f"{fake.url}/2/oauth2/token")
        reset_for_tests()
        yield secrets, secret_id, oauth, api
    reset_for_tests()


def stored(secrets, secret_id) -> dict:
    return json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])


def test_a_rotated_refresh_token_is_stored_and_the_next_cold_start_uses_it(x_world):
    secrets, secret_id, oauth, api = x_world
    wiring.reply_publisher("x").publish(a_reply("x", "message", "dm-1", "brand-1", recipient="42"))
    assert stored(secrets, secret_id) == {"x": {**X_SECTION, "refresh_token": "refresh-2"}, "other": {"k": "v"}}

    reset_for_tests()  # a new cold start reads the secret again: the spent refresh-1 would be refused
    parameters.clear_caches()
    wiring.reply_publisher("x").publish(a_reply("x", "message", "dm-1", "brand-1", recipient="42",
                                                text="And one more thing", reply_id="reply-2"))
    assert [event["text"] for event in api.dms["42"]] == ["Sorry about that, we are on it.", "And one more thing"]
    assert stored(secrets, secret_id)["x"]["refresh_token"] == "refresh-3" == oauth.refresh_token


def test_a_secret_without_the_section_is_not_rewritten(x_world):
    secrets, secret_id, _oauth, _api = x_world
    before = secrets.get_secret_value(SecretId=secret_id)["VersionId"]
    ReplySecrets(secret_id).store_refresh_token("linkedin", "refresh-9")
    assert secrets.get_secret_value(SecretId=secret_id)["VersionId"] == before
    assert stored(secrets, secret_id)["x"] == X_SECTION


def failing_secret_writes(monkeypatch) -> list[str]:
    """Secrets Manager refuses PutSecretValue (as a throttled write or a missing permission would) while the list
    returned holds no "ok"; each refused write appends the secret's id to it."""
    refused: list[str] = []
    real_call = botocore.client.BaseClient._make_api_call

    def refusing(client, operation, params):
        if operation == "PutSecretValue" and "ok" not in refused:
            refused.append(params["SecretId"])
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation)
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refusing)
    return refused


def test_a_failed_write_back_still_sends_the_reply_records_it_sent_and_says_why(aws, x_world, monkeypatch):
    secrets, secret_id, oauth, api = x_world
    created = (datetime.now(UTC) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    dm = CanonicalPost("x", "dm:1993456789012349999", "message", Author("x", "42"), "Where is my refund?", created,
                       source="x", account="brand-1")
    aws.use("ProcessorFunction")
    assert load_handler("processor").lambda_handler(sqs_event([json.dumps(dm.to_message())]), LambdaContext()) == {
        "batchItemFailures": []}
    aws.use("ReplyFunction")
    monkeypatch.setenv("OFFICIAL_ACCOUNTS", "x:brand-1")
    monkeypatch.setenv("REPLY_ACCOUNTS", "x:brand-1")
    refused = failing_secret_writes(monkeypatch)
    log = io.StringIO()
    previous = logger.registered_handler.setStream(log)
    try:
        answer = load_handler("reply").lambda_handler(reply_request("r-x-0001", "Sorry, we are on it"), LambdaContext())
    finally:
        logger.registered_handler.setStream(previous)

    assert answer["statusCode"] == 200, answer
    record = json.loads(answer["body"])
    assert (record["status"], record["platform_id"]) == ("sent", api.dms["42"][0]["id"])
    assert [event["text"] for event in api.dms["42"]] == ["Sorry, we are on it"]  # published once
    assert "could not be stored" in record["reason"] and "authorise the account again" in record["reason"]
    assert refused == [secret_id] and stored(secrets, secret_id)["x"] == X_SECTION  # the spent token is still there
    lines = [json.loads(line) for line in log.getvalue().splitlines()]
    assert [(line["level"], line["platform"], line["error"]) for line in lines
            if line["message"] == "reply refresh token not stored"] == [("ERROR", "x", "ClientError")]
    for token in (oauth.refresh_token, "refresh-1", *oauth.issued, "client-secret"):
        assert token not in log.getvalue() and token not in record["reason"]

    refused.append("ok")  # Secrets Manager takes writes again; the same warm function answers the next reply
    again = json.loads(load_handler("reply").lambda_handler(reply_request("r-x-0002", "One more thing"),
                                                            LambdaContext())["body"])
    assert (again["status"], again["reason"]) == ("sent", "")
    assert stored(secrets, secret_id)["x"]["refresh_token"] == oauth.refresh_token == "refresh-2"
    assert len(oauth.issued) == 1  # stored from memory: the access token was not refreshed again


def reply_request(reply_id: str, text: str) -> dict:
    return {"version": "2.0", "routeKey": "POST /replies", "requestContext": {
        "authorizer": {"iam": {"userArn": "arn:aws:sts::123456789012:assumed-role/SocialAgents/ada",
                               "accountId": "123456789012"}}, "http": {"method": "POST"}},
        "body": json.dumps({"post_key": "x#dm:1993456789012349999", "text": text, "reply_id": reply_id})}
