"""An Instagram direct message, webhook → IngestQueue → processor → ReplyFunction on moto: stored, linked, counted
and answered as Instagram's (it arrives through Meta's webhook beside Messenger's messages, object "instagram")."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest

from infra.local import samples
from socialcrm.caches import reset_for_tests
from tests.support.fake_platform import fake_platform
from tests.support.functions import LambdaContext, load_handler, sqs_event
from tests.support.platform_fakes import GRAPH, MetaGraph

SECRETS = json.loads(open("infra/local/secrets.json", encoding="utf-8").read())  # noqa: SIM115
CUSTOMER_IGSID = "9920000000000777"  # Instagram-scoped id of the customer, as the messaging webhook names them
ZED = {"customer_id": "cust-zed", "name": "Zed Quinn", "phones": ["07911 555777"],
       "social": [{"platform": "instagram", "user_id": CUSTOMER_IGSID}]}
AGENT = "arn:aws:sts::123456789012:assumed-role/SocialAgents/ada"
SENT_AT = datetime.now(UTC) - timedelta(minutes=12)
MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjk5MjAwMDAwMDAwMDA3Nzc6MQ"


@pytest.fixture
def graph(aws, monkeypatch):
    """Instagram's Send API on loopback, with our Page token in the ReplySecret."""
    secret_id = aws.specs["ReplyFunction"].environment["REPLY_SECRET_ID"]
    aws.client("secretsmanager").put_secret_value(
        SecretId=secret_id, SecretString=json.dumps({"instagram": {"page_access_token": "page-token"}}))
    with fake_platform() as fake:
        meta = MetaGraph(fake, ig_id=samples.INSTAGRAM_ID, now=datetime.now(UTC),
                         last_inbound={CUSTOMER_IGSID: SENT_AT})
        monkeypatch.setenv("REPLY_META_GRAPH_URL", f"{fake.url}{GRAPH}")
        reset_for_tests()
        yield meta


def delivered(aws, payload: dict) -> list[str]:
    """The webhook function's answer to a signed delivery, and what it put on the ingest queue."""
    aws.use("WebhookFunction")
    body = samples.encode(payload)
    event = {"version": "2.0", "pathParameters": {"platform": "meta"}, "requestContext": {"http": {"method": "POST"}},
             "headers": {"x-hub-signature-256": samples.sign(body, SECRETS["meta"]["app_secret"])},
             "body": body.decode(), "isBase64Encoded": False}
    answer = load_handler("webhook").lambda_handler(event, LambdaContext())
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"accepted": 1})
    queue = aws.client("sqs").receive_message(QueueUrl=os.environ["INGEST_QUEUE_URL"], MaxNumberOfMessages=10)
    return [message["Body"] for message in queue["Messages"]]


def post_item(aws, key: str) -> dict | None:
    return aws.client("dynamodb").get_item(TableName=aws.resources.table_names["PostsTable"],
                                           Key={"pk": {"S": key}}, ConsistentRead=True).get("Item")


def test_an_instagram_dm_is_stored_counted_and_answered_as_instagrams(aws, graph):
    aws.use("CustomerSyncFunction")
    assert load_handler("customer_sync").lambda_handler({"customers": [ZED]}, LambdaContext())["upserted"] == 1
    payload = samples.instagram_message(MID, CUSTOMER_IGSID, "My order never came, can you check?",
                                        when_ms=int(SENT_AT.timestamp() * 1000))
    bodies = delivered(aws, payload)
    assert [(json.loads(b)["platform"], json.loads(b)["author"]["platform"]) for b in bodies] == [
        ("instagram", "instagram")]

    aws.use("ProcessorFunction")
    assert load_handler("processor").lambda_handler(sqs_event(bodies), LambdaContext()) == {"batchItemFailures": []}
    stored = post_item(aws, f"instagram#{MID}")
    assert stored is not None and post_item(aws, f"facebook#{MID}") is None
    assert (stored["kind"]["S"], stored["customer_id"]["S"], stored["account"]["S"]) == (
        "message", "cust-zed", samples.INSTAGRAM_ID)

    from socialcrm.adapters.dynamo import DynamoCounterStore

    aws.use("MetricsRollupFunction")
    hour = DynamoCounterStore(table_name=os.environ["METRICS_TABLE"]).read_hour(SENT_AT.strftime("%Y-%m-%dT%H:00:00Z"))
    assert hour.get("Posts|Platform=instagram|Kind=message") == 1
    assert not [name for name in hour if "Platform=facebook" in name]

    aws.use("ReplyFunction")
    request = {"version": "2.0", "routeKey": "POST /replies", "requestContext": {
        "authorizer": {"iam": {"userArn": AGENT, "accountId": "123456789012"}}, "http": {"method": "POST"}},
        "body": json.dumps({"post_key": f"instagram#{MID}", "text": "Sorry Zed, we are checking it now"})}
    answer = load_handler("reply").lambda_handler(request, LambdaContext())
    assert answer["statusCode"] == 200, answer
    assert json.loads(answer["body"])["status"] == "sent"
    # Instagram's Send API (POST /me/messages with the Page token), to the customer's IGSID, from our IG account
    assert [m["message"] for m in graph.messages[(samples.INSTAGRAM_ID, CUSTOMER_IGSID)]] == [
        "Sorry Zed, we are checking it now"]
