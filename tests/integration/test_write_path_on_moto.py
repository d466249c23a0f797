"""The processor's write path on moto, tables from template.yaml: a crash between any two AWS calls of a batch, or
a redelivery, neither loses nor doubles a count, and a batch stays within its DynamoDB budget per post."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import botocore.client
import pytest

from infra import cost_budget
from socialcrm.model import Author, CanonicalPost
from tests.support.functions import LambdaContext, load_handler

TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
CUSTOMERS = [
    {"customer_id": "cust-ada", "name": "Ada Lovelace", "phones": ["07911 123456"], "emails": ["ada@example.org"],
     "segment": "gold", "social": [{"platform": "facebook", "user_id": "6104410001"}]},
    {"customer_id": "cust-grace", "name": "Grace Hopper", "segment": "silver",
     "social": [{"platform": "instagram", "handle": "@grace.h"}]},
]
OFFICIAL = Author("facebook", "1234567890", None, "Acme")  # infra/local/parameters.json: OfficialAccounts


class Crash(BaseException):
    """The invocation dies (not an error the code could catch): nothing after it runs."""


def sqs_event(bodies: list[tuple[str, str]]) -> dict:
    return {"Records": [{
        "messageId": message_id, "receiptHandle": "handle", "body": body,
        "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 (SQS's own checksum)
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:IngestQueue",
        "awsRegion": "us-east-1"} for message_id, body in bodies]}


def batch_mix(day: datetime, tag: str) -> list[tuple[str, str]]:
    """Ten posts of one hour: two customers (one twice, one through a handle, one direct message), strangers (one
    twice, one with a topic), a like, the company's first answer to a stranger and a peer's reply to them."""
    def at(minute: int) -> str:
        return (day + timedelta(hours=10, minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")

    ada = Author("facebook", "6104410001", None, "Ada Lovelace")
    grace = Author("instagram", None, "grace.h", "Grace Hopper")
    stranger, peer = Author("facebook", f"77{tag}", None, "Sam"), Author("facebook", f"88{tag}", None, "Kim")
    posts = [
        CanonicalPost("facebook", f"{tag}-1", "comment", ada, "My order arrived broken, terrible", at(1)),
        CanonicalPost("facebook", f"{tag}-2", "comment", ada, "Still waiting", at(2)),
        CanonicalPost("instagram", f"{tag}-3", "comment", grace, "Love the new colours", at(3)),
        CanonicalPost("facebook", f"{tag}-4", "comment", stranger, "Where is my refund?", at(4)),
        CanonicalPost("facebook", f"{tag}-5", "comment", peer, "Same here", at(5)),
        CanonicalPost("facebook", f"{tag}-6", "comment", stranger, "Anyone?", at(6)),
        CanonicalPost("facebook", f"{tag}-7", "reaction", Author("facebook", f"99{tag}"), "", at(7)),
        CanonicalPost("facebook", f"{tag}-8", "comment", OFFICIAL, "Sorry, we are on it", at(30),
                      reply_to=f"{tag}-4"),
        CanonicalPost("facebook", f"{tag}-9", "comment", peer, "They answered me last week", at(31),
                      reply_to=f"{tag}-4"),
        CanonicalPost("facebook", f"{tag}-10", "message", ada, "Please call me", at(40)),
    ]
    return [(str(uuid.uuid4()), json.dumps(post.to_message())) for post in posts]


def hour_counts(aws, *days: datetime) -> list[dict[str, int]]:
    """The counts of each batch's hour (10:00) as the rollup reads them."""
    from socialcrm.adapters.dynamo import DynamoCounterStore

    aws.use("MetricsRollupFunction")
    store = DynamoCounterStore(table_name=os.environ["METRICS_TABLE"])
    counts = [store.read_hour((day + timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M:%SZ")) for day in days]
    aws.use("ProcessorFunction")
    return counts


def pushed(aws) -> Counter:
    """The post keys pushed since the last look (the push queue drained)."""
    sqs = aws.client("sqs")
    url = aws.specs["ProcessorFunction"].environment["PUSH_QUEUE_URL"]
    keys: Counter = Counter()
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            body = json.loads(message["Body"])
            keys[f"{body['platform']}#{body['post_id']}"] += 1
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return keys


@pytest.fixture
def synced(aws):
    aws.use("CustomerSyncFunction")
    answer = load_handler("customer_sync").lambda_handler({"customers": CUSTOMERS}, LambdaContext())
    assert answer["upserted"] == 2
    aws.use("ProcessorFunction")
    return aws


def calls_of_the_function(monkeypatch, crash_after: int | None = None) -> list[tuple[str, str]]:
    """Record each AWS call the function makes (not the test's own look at the tables); with `crash_after`, the
    invocation dies before its next call once that many were made."""
    calls: list[tuple[str, str]] = []
    underlying = botocore.client.BaseClient._make_api_call
    this_thread = threading.get_ident()

    def counting(client, operation, params):
        if threading.get_ident() == this_thread and not getattr(client, "test_inspection", False):
            if crash_after is not None and len(calls) >= crash_after:
                raise Crash(f"crashed before call {len(calls) + 1} ({operation})")
            calls.append((client.meta.service_model.service_name, operation))
        return underlying(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    return calls


def expected_pushes(tag: str) -> set[str]:
    return {f"facebook#{tag}-1", f"facebook#{tag}-2", f"instagram#{tag}-3", f"facebook#{tag}-10"}


def test_a_batch_counts_what_its_posts_count(synced, monkeypatch):
    handler = load_handler("processor")
    day = TODAY - timedelta(days=1)
    with monkeypatch.context() as patch:
        calls = calls_of_the_function(patch)
        assert handler.lambda_handler(sqs_event(batch_mix(day, "a")), LambdaContext()) == {"batchItemFailures": []}
    # a DynamoDB request more per post (or per matched post) breaks the budget
    requests = [operation for service, operation in calls if service == "dynamodb"]
    assert len(requests) / 10 <= cost_budget.PROCESSOR_REQUESTS_PER_POST, Counter(requests)
    assert "TransactWriteItems" not in requests
    [counts] = hour_counts(synced, day)
    assert counts["Posts|Platform=facebook|Kind=comment"] == 7
    assert counts["Posts|Platform=facebook|Kind=message"] == 1
    assert counts["Reactions|Platform=facebook"] == 1
    assert counts["MatchedPosts|Platform=facebook"] == 3 and counts["MatchedPosts|Platform=instagram"] == 1
    assert counts["DailyVoices|Segment=gold"] == 1 and counts["DailyVoices|Segment=silver"] == 1
    assert counts["DailyUnmatchedAuthors"] == 2  # the stranger posted twice, the peer twice
    assert (counts["AnsweredPosts"], counts["Replies|By=company"], counts["Replies|By=peer"]) == (1, 1, 1)
    assert counts["DailyTopicAuthors|Topic=refund|Segment=unmatched"] == 1
    assert set(pushed(synced)) == expected_pushes("a")


def test_a_crash_between_any_two_calls_neither_loses_nor_doubles_a_count(synced, monkeypatch):
    """The batch dies before its 1st, 2nd, ... last AWS call; SQS then delivers every message of it again (twice).
    Each time the hour's counts equal those of the batch that never crashed, and every matched post is pushed."""
    handler = load_handler("processor")
    baseline_day = TODAY - timedelta(days=1)
    with monkeypatch.context() as patch:
        calls = calls_of_the_function(patch)
        assert handler.lambda_handler(sqs_event(batch_mix(baseline_day, "b")), LambdaContext()) \
            == {"batchItemFailures": []}
    pushed(synced)
    assert len(calls) > 30
    days = [TODAY - timedelta(days=2 + crash_after) for crash_after in range(len(calls))]
    for crash_after, day in enumerate(days):
        batch = batch_mix(day, f"c{crash_after}")
        with monkeypatch.context() as patch:
            calls_of_the_function(patch, crash_after)
            with pytest.raises(Crash):
                handler.lambda_handler(sqs_event(batch), LambdaContext())
        for _ in range(2):  # the messages come back; then once more (as if the answer to SQS was lost)
            assert handler.lambda_handler(sqs_event(batch), LambdaContext()) == {"batchItemFailures": []}
    assert set(pushed(synced)) == set().union(*(expected_pushes(f"c{n}") for n in range(len(days))))
    baseline, *crashed = hour_counts(synced, baseline_day, *days)
    for crash_after, counts in enumerate(crashed):
        assert counts == baseline, f"crash before call {crash_after + 1} ({calls[crash_after]})"


def test_a_failed_call_fails_only_the_posts_it_stops_and_their_retry_counts_them_once(synced, monkeypatch):
    """A call that fails (an error, not a crash) fails the posts it concerns; the others are done. Retrying the
    failed messages alone gives the counts of the batch that never failed."""
    handler = load_handler("processor")
    baseline_day = TODAY - timedelta(days=1)
    with monkeypatch.context() as patch:
        calls = calls_of_the_function(patch)
        handler.lambda_handler(sqs_event(batch_mix(baseline_day, "b")), LambdaContext())
    pushed(synced)
    # one call of each kind, and every call after the posts are stored (cards, pushes, sightings, counts)
    first_of_kind = {call: n for n, call in reversed(list(enumerate(calls)))}
    failing_calls = sorted(set(first_of_kind.values()) | set(range(len(calls) - 8, len(calls))))
    days = {failing: TODAY - timedelta(days=2 + failing) for failing in failing_calls}
    for failing, day in days.items():
        tag = f"f{failing}"
        batch = batch_mix(day, tag)
        underlying = botocore.client.BaseClient._make_api_call
        made = []

        def failing_once(client, operation, params, failing=failing, underlying=underlying, made=made):
            if not getattr(client, "test_inspection", False):
                made.append(operation)
                if len(made) == failing + 1:
                    raise botocore.exceptions.EndpointConnectionError(endpoint_url="https://dynamodb")
            return underlying(client, operation, params)

        with monkeypatch.context() as patch:
            patch.setattr(botocore.client.BaseClient, "_make_api_call", failing_once)
            answer = handler.lambda_handler(sqs_event(batch), LambdaContext())
        failed = {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}
        retry = [(message_id, body) for message_id, body in batch if message_id in failed]
        assert retry, f"call {failing + 1} failed and no post did"
        assert handler.lambda_handler(sqs_event(retry), LambdaContext()) == {"batchItemFailures": []}
        assert set(pushed(synced)) == expected_pushes(tag), f"call {failing + 1} failed"
    baseline, *failed_days = hour_counts(synced, baseline_day, *days.values())
    for failing, counts in zip(days, failed_days, strict=True):
        assert counts == baseline, f"call {failing + 1} failed ({calls[failing]})"


def test_another_delivery_of_a_post_is_neither_stored_nor_counted_nor_pushed_again(synced):
    """The platform sent the post twice (two messages), in one batch and in the next: one post, one count, one push."""
    handler = load_handler("processor")
    day = TODAY - timedelta(days=1)
    batch = batch_mix(day, "d")
    again = [(str(uuid.uuid4()), body) for _, body in batch]
    assert handler.lambda_handler(sqs_event(batch + again[:3]), LambdaContext()) == {"batchItemFailures": []}
    assert handler.lambda_handler(sqs_event(again), LambdaContext()) == {"batchItemFailures": []}
    single_day = TODAY - timedelta(days=2)
    handler.lambda_handler(sqs_event(batch_mix(single_day, "s")), LambdaContext())
    twice, once = hour_counts(synced, day, single_day)
    assert twice == once
    assert pushed(synced) == Counter(dict.fromkeys(expected_pushes("d") | expected_pushes("s"), 1))


def test_a_customer_s_new_post_renews_their_cards_in_place_without_reading_their_keys_holders(synced, monkeypatch):
    """Ada's phone and email hold her card (the sync placed it): a post rewrites each copy on condition, one
    PutItem per key, and reads no holders; a key that another record shares keeps the marker."""
    aws = synced
    table = os.environ["CARDS_TABLE"]
    dynamodb = aws.client("dynamodb")
    email = {"pk": {"S": "EMAIL#ada@example.org"}}
    dynamodb.put_item(TableName=table, Item={**email, "customer_id": {"S": ""}, "updated_at": {"S": "then"},
                                             "card": {"S": json.dumps({"shared": True, "customer_id": ""})}})
    handler = load_handler("processor")
    post = CanonicalPost("facebook", "card-1", "comment", Author("facebook", "6104410001", None, "Ada Lovelace"),
                         "Where is my parcel?", (TODAY - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    requests: list[dict] = []
    underlying = botocore.client.BaseClient._make_api_call

    def recording(client, operation, params):
        if not getattr(client, "test_inspection", False):
            requests.append({"operation": operation, **params})
        return underlying(client, operation, params)

    with monkeypatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
        event = sqs_event([(str(uuid.uuid4()), json.dumps(post.to_message()))])
        assert handler.lambda_handler(event, LambdaContext()) == {"batchItemFailures": []}
    card_writes = sorted((r["operation"], r["Item"]["pk"]["S"], "ConditionExpression" in r) for r in requests
                         if r.get("TableName") == table)
    assert card_writes == [("PutItem", "CUSTOMER#cust-ada", False), ("PutItem", "EMAIL#ada@example.org", True),
                           ("PutItem", "PHONE#+447911123456", True)]
    assert not [r for r in requests if r["operation"] == "Query" and r.get("ConsistentRead")]  # no holders read
    for key, shared in (("CUSTOMER#cust-ada", False), ("PHONE#+447911123456", False), ("EMAIL#ada@example.org", True)):
        card = json.loads(dynamodb.get_item(TableName=table, Key={"pk": {"S": key}})["Item"]["card"]["S"])
        assert card.get("shared", False) is shared
        assert shared or card["posts"][0]["text"] == "Where is my parcel?"
