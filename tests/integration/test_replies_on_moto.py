"""ReplyFunction, ProcessorFunction and ErasureFunction on moto with RepliesTable from template.yaml: every
DynamoDB request is checked against the function's policy (conftest). The platform is an in-memory publisher."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from socialcrm.model import Author, CanonicalPost
from tests.fakes import FakeReplyPublisher
from tests.support.functions import LambdaContext, load_handler, sqs_event

ACCOUNT = "17841400000000000"  # infra/local/parameters.json: official and allowed to reply
ADA = "arn:aws:sts::123456789012:assumed-role/SocialAgents/ada"
GRACE = "arn:aws:sts::123456789012:assumed-role/SocialSupervisors/grace"
CREATED = (datetime.now(timezone.utc) - timedelta(minutes=42)).strftime("%Y-%m-%dT%H:%M:%SZ")


def http(route: str, arn: str = ADA, body: dict | None = None, **extra) -> dict:
    event = {"version": "2.0", "routeKey": route, "requestContext": {
        "authorizer": {"iam": {"userArn": arn, "accountId": "123456789012"}}, "http": {"method": route.split()[0]}},
        **extra}
    if body is not None:
        event["body"] = json.dumps(body)
    return event


@pytest.fixture
def world(aws, monkeypatch):
    publisher = FakeReplyPublisher("instagram", published_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    monkeypatch.setattr("socialcrm.wiring.reply_publisher", lambda _platform: publisher)
    comment = CanonicalPost("instagram", "17890000000000001", "comment", Author("instagram", "9001", "zed.q"),
                            "Still waiting for my refund", CREATED, reply_to="17900000000000000", source="meta",
                            account=ACCOUNT)
    aws.use("ProcessorFunction")
    processor = load_handler("processor")
    assert processor.lambda_handler(sqs_event([json.dumps(comment.to_message())]), LambdaContext()) == {
        "batchItemFailures": []}
    aws.use("ReplyFunction")
    return aws, publisher, processor, load_handler("reply")


def answer_of(response: dict) -> dict:
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])


def ingested(aws) -> list[str]:
    url = aws.specs["ReplyFunction"].environment["INGEST_QUEUE_URL"]
    messages = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [message["Body"] for message in messages]


def item(aws, table: str, pk: str) -> dict | None:
    return aws.client("dynamodb").get_item(TableName=aws.resources.table_names[table], Key={"pk": {"S": pk}},
                                           ConsistentRead=True).get("Item")


def test_a_reply_is_sent_once_recorded_and_closes_the_loop(world):
    aws, publisher, processor, reply = world
    body = {"post_key": "instagram#17890000000000001", "text": "Sorry Zed, it is on its way", "reply_id": "r-0001-int"}
    sent = answer_of(reply.lambda_handler(http("POST /replies", body=body), LambdaContext()))
    again = answer_of(reply.lambda_handler(http("POST /replies", body=body), LambdaContext()))
    assert sent == again and sent["status"] == "sent" and publisher.calls == 1
    record = item(aws, "RepliesTable", "REPLY#r-0001-int")
    assert (record["sender"]["S"], record["platform_id"]["S"], record["post_key"]["S"]) == (
        f"iam:{ADA}", "instagram-1", "instagram#17890000000000001")
    assert int(record["expires_at"]["N"]) > int(datetime.now(timezone.utc).timestamp())
    assert item(aws, "RepliesTable", "PUBLISHED#instagram#instagram-1")["reply_id"]["S"] == "r-0001-int"

    [echo] = ingested(aws)
    aws.use("ProcessorFunction")
    assert processor.lambda_handler(sqs_event([echo]), LambdaContext()) == {"batchItemFailures": []}
    answered = item(aws, "PostsTable", "instagram#17890000000000001")
    assert answered["answered_at"]["S"] == sent["published_at"] and answered["answer_text"]["S"] == sent["text"]
    ours = item(aws, "PostsTable", "instagram#instagram-1")
    assert ours["author_role"]["S"] == "company" and "customer_id" not in ours


def test_a_timeout_after_the_platform_took_it_is_settled_without_a_second_post(world):
    aws, publisher, _, reply = world
    publisher.outcomes = ["timeout-after"]
    assert ingested(aws) == []
    body = {"post_key": "instagram#17890000000000001", "text": "On its way", "reply_id": "r-0002-int"}
    assert answer_of(reply.lambda_handler(http("POST /replies", body=body), LambdaContext()))["status"] == "unknown"
    settled = answer_of(reply.lambda_handler(http("POST /replies", body=body), LambdaContext()))
    assert settled["status"] == "sent" and publisher.calls == 1 and len(publisher.published) == 1
    assert len(ingested(aws)) == 1  # the settled reply goes through the pipeline too


def test_a_held_reply_is_approved_by_a_second_person(world, monkeypatch):
    aws, publisher, _, reply = world
    monkeypatch.setenv("REPLY_APPROVAL", "public")
    aws.use("ReplyFunction")  # a new cold start reads it
    body = {"post_key": "instagram#17890000000000001", "text": "Call us on 020 7946 0958"}
    held = answer_of(reply.lambda_handler(http("POST /replies", body=body), LambdaContext()))
    assert held["status"] == "held" and "a phone number" in held["reason"] and publisher.calls == 0
    own = reply.lambda_handler(http("POST /replies/{reply_id}/approve", pathParameters={"reply_id": held["reply_id"]}),
                               LambdaContext())
    assert own["statusCode"] == 403
    approve = http("POST /replies/{reply_id}/approve", GRACE, pathParameters={"reply_id": held["reply_id"]})
    approved = answer_of(reply.lambda_handler(approve, LambdaContext()))
    assert approved["status"] == "sent" and approved["approved_by"] == f"iam:{GRACE}"
    listed = answer_of(reply.lambda_handler(
        http("GET /replies", queryStringParameters={"post": "instagram#17890000000000001"}), LambdaContext()))
    assert [r["reply_id"] for r in listed["replies"]] == [held["reply_id"]]


def test_erasing_the_author_erases_the_replies_to_them(world):
    aws, _, _, reply = world
    body = {"post_key": "instagram#17890000000000001", "text": "Sorry Zed", "reply_id": "r-0003-int"}
    answer_of(reply.lambda_handler(http("POST /replies", body=body), LambdaContext()))
    aws.use("ErasureFunction")
    receipt = load_handler("erasure").lambda_handler({"platform": "instagram", "user_id": "9001"}, LambdaContext())
    assert receipt["counts"]["replies"] == 1 and receipt["counts"]["posts"] == 1
    assert item(aws, "RepliesTable", "REPLY#r-0003-int") is None
    assert item(aws, "RepliesTable", "PUBLISHED#instagram#instagram-1") is None


def test_a_record_reads_back_as_it_was_written(aws):
    from socialcrm.adapters.dynamo import DynamoReplyStore
    from socialcrm.model import PostKey
    from socialcrm.replies.contract import ReplyTarget, TemplateMessage
    from socialcrm.replies.model import ReplyRecord

    aws.use("ReplyFunction")
    store = DynamoReplyStore(table_name=aws.specs["ReplyFunction"].environment["REPLIES_TABLE"])
    target = ReplyTarget("whatsapp", "message", "wamid.1", "106540352242922", recipient="447911123456",
                         conversation="t-1")
    record = ReplyRecord("r-template-1", PostKey("whatsapp", "wamid.1"), target, "Your order", "sending",
                         f"page:{ADA}", "2026-11-20T10:30:00Z", "2026-11-20T10:30:00Z", customer_id="cust-1",
                         template=TemplateMessage("order_update", "en_GB", ("A-1", "today")), expires_at=1900000000,
                         message_tag=None)
    assert store.claim(record) and not store.claim(record)
    assert store.get("r-template-1") == record
    stale = record.moved("failed", "2026-11-20T10:30:05Z", reason="503")
    assert store.replace(record, stale)
    assert not store.replace(record, record.moved("sent", "2026-11-20T10:30:06Z"))  # moved on since it was read
    assert store.for_post(PostKey("whatsapp", "wamid.1")) == [stale]


def test_two_workers_sending_one_reply_record_it_sent_once_with_one_published_pointer(aws):
    """The second worker's "sent" rests on a record that moved on: its transaction is refused on the reply's
    condition, so it answers False and writes no second pointer; any other refusal is raised, not swallowed."""
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import TransactWriteError

    from socialcrm.adapters.dynamo import DynamoReplyStore
    from socialcrm.model import PostKey
    from socialcrm.replies.contract import ReplyTarget
    from socialcrm.replies.model import ReplyRecord

    aws.use("ReplyFunction")
    store = DynamoReplyStore(table_name=aws.specs["ReplyFunction"].environment["REPLIES_TABLE"])
    target = ReplyTarget("instagram", "comment_reply", "17890000000000001", ACCOUNT)
    record = ReplyRecord("r-race-1", PostKey("instagram", "17890000000000001"), target, "On its way", "sending",
                         f"iam:{ADA}", "2026-11-20T10:30:00Z", "2026-11-20T10:30:00Z", customer_id="cust-1",
                         expires_at=1900000000)
    assert store.claim(record)
    first = record.moved("sent", "2026-11-20T10:30:02Z", platform_id="ig-1", published_at="2026-11-20T10:30:01Z")
    second = record.moved("sent", "2026-11-20T10:30:03Z", platform_id="ig-2", published_at="2026-11-20T10:30:02Z")
    assert store.replace(record, first)
    assert not store.replace(record, second)
    assert store.get("r-race-1") == first
    assert store.published(PostKey("instagram", "ig-1")) is not None
    assert store.published(PostKey("instagram", "ig-2")) is None

    throttled = TransactWriteError("throttled", cause=ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "TransactWriteItems"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("socialcrm.adapters.dynamo.replies.TransactWrite.__exit__",
                      lambda *_args: (_ for _ in ()).throw(throttled))
        with pytest.raises(TransactWriteError):
            store.replace(first, first.moved("sent", "2026-11-20T10:30:04Z", platform_id="ig-3"))
