"""The processor, customer sync, lookup and rollup functions against moto-built template resources."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone

import botocore.client
import pytest

from socialcrm.model import Author, CanonicalPost, PostKey
from tests.emf import emf_documents, emf_problems
from tests.support.functions import LambdaContext, load_handler, sqs_event

NOW = datetime.now(timezone.utc)
ADA = {"customer_id": "cust-1", "name": "Ada Lovelace", "phones": ["07911 123456"], "segment": "gold",
       "social": [{"platform": "facebook", "user_id": "6104410001"}]}


def a_post(post_id: str, user_id: str = "6104410001", text: str = "My order arrived broken, terrible service",
           kind: str = "comment") -> str:
    post = CanonicalPost(platform="facebook", post_id=post_id, kind=kind,
                         author=Author("facebook", user_id, None, "Ada"), text=text,
                         created_at=NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), url=f"https://www.facebook.com/{post_id}",
                         source="meta")
    return json.dumps(post.to_message())


def contact_event(number):
    return {"Name": "ContactFlowEvent", "Details": {"ContactData": {
        "Channel": "VOICE", "Attributes": {}, "CustomerEndpoint": {"Address": number, "Type": "TELEPHONE_NUMBER"}},
        "Parameters": {}}}


@pytest.fixture
def synced(aws):
    aws.use("CustomerSyncFunction")
    answer = load_handler("customer_sync").lambda_handler({"customers": [ADA, {"customer_id": ""}]}, LambdaContext())
    assert answer == {"upserted": 1, "rejected": [{"index": 1, "error": "customer_id: is required"}], "warnings": []}
    aws.use("ProcessorFunction")
    return aws


def count_table_items(aws, table: str) -> list[dict]:
    return aws.client("dynamodb").scan(TableName=aws.resources.table_names[table])["Items"]


def hour_counts(aws) -> dict[str, int]:
    """The counts of NOW's hour as the rollup reads them."""
    from socialcrm.adapters.dynamo import DynamoCounterStore

    aws.use("MetricsRollupFunction")
    return DynamoCounterStore(table_name=os.environ["METRICS_TABLE"]).read_hour(NOW.strftime("%Y-%m-%dT%H:00:00Z"))


def push_messages(aws) -> list[dict]:
    queue_url = aws.specs["ProcessorFunction"].environment["PUSH_QUEUE_URL"]
    messages = aws.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_same_delivery_five_times_is_one_post_one_count_one_push(synced):
    handler = load_handler("processor")
    body = a_post("111_222")
    for _ in range(5):
        assert handler.lambda_handler(sqs_event([body]), LambdaContext()) == {"batchItemFailures": []}
    posts = count_table_items(synced, "PostsTable")
    assert [p["pk"]["S"] for p in posts] == ["facebook#111_222"]
    assert hour_counts(synced)["Posts|Platform=facebook|Kind=comment"] == 1
    pushes = push_messages(synced)
    assert [(p["customer_id"], p["reason"]) for p in pushes] == [("cust-1", "negative")]


def test_poison_message_fails_alone_and_the_rest_of_the_batch_is_processed(synced):
    event = sqs_event([a_post("1"), "this is not json", a_post("2", user_id="999")])
    poison_id = event["Records"][1]["messageId"]
    answer = load_handler("processor").lambda_handler(event, LambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": poison_id}]}
    assert {p["pk"]["S"] for p in count_table_items(synced, "PostsTable")} == {"facebook#1", "facebook#2"}


def test_lookup_reads_one_card_and_notes_the_call_of_a_caller_who_just_posted(synced, monkeypatch):
    load_handler("processor").lambda_handler(sqs_event([a_post("333")]), LambdaContext())
    synced.use("ContactLookupFunction")
    handler = load_handler("contact_lookup")
    calls = []
    original = botocore.client.BaseClient._make_api_call

    this_thread = threading.get_ident()

    def counting(client, operation, params):
        if threading.get_ident() == this_thread:  # not the e2e stack's pollers, if it is still up
            calls.append((client.meta.service_model.service_name, operation))
        return original(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    answer = handler.lambda_handler(contact_event("+447911123456"), LambdaContext())
    # the card, then the call's fact for what answering is worth (Ada posted a moment ago: CALLED#<day>)
    assert [c for c in calls if c[0] == "dynamodb"] == [("dynamodb", "GetItem"), ("dynamodb", "UpdateItem")]
    # the screen-pop signing key is read once per cold start (cached), and never again
    assert [c for c in calls if c[0] != "dynamodb"] == [("secretsmanager", "GetSecretValue")]
    assert answer["screen_pop_url"].startswith("http://127.0.0.1:3000/agent/customers/cust-1?exp=")
    calls.clear()
    assert handler.lambda_handler(contact_event("+447911123456"), LambdaContext())["found"] == "true"
    assert calls == [("dynamodb", "GetItem"), ("dynamodb", "UpdateItem")]
    assert answer["found"] == "true"
    assert answer["customer_name"] == "Ada Lovelace"
    assert answer["last_post_text"] == "My order arrived broken, terrible service"
    assert answer["recent_posts"] == "1"
    assert answer["last_post_sentiment"] == "negative"

    calls.clear()
    assert handler.lambda_handler(contact_event("+14155552671"), LambdaContext())["found"] == "false"
    assert calls == [("dynamodb", "GetItem")]


def test_customer_added_after_their_posts_gets_a_card(aws):
    aws.use("ProcessorFunction")
    load_handler("processor").lambda_handler(sqs_event([a_post("444", text="hello there")]), LambdaContext())
    aws.use("CustomerSyncFunction")
    load_handler("customer_sync").lambda_handler({"customers": [ADA]}, LambdaContext())
    aws.use("ContactLookupFunction")
    answer = load_handler("contact_lookup").lambda_handler(contact_event("07911 123456"), LambdaContext())
    assert (answer["found"], answer["last_post_text"]) == ("true", "hello there")


def test_rollup_publishes_to_cloudwatch_once_and_emits_valid_emf(synced, capsys):
    load_handler("processor").lambda_handler(sqs_event([a_post("5"), a_post("6", user_id="42")]), LambdaContext())
    synced.use("MetricsRollupFunction")
    handler = load_handler("metrics_rollup")
    hour = NOW.replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    first = handler.lambda_handler({"hour": hour}, LambdaContext())
    assert first["figures"]["Posts|Platform=facebook|Kind=comment"] == 2.0
    assert first["figures"]["MatchedPosts|Platform=facebook"] == 1.0
    assert first["figures"]["UnmatchedPosts|Platform=facebook"] == 1.0
    assert first["published"] == {"Posts|Platform=facebook": 2.0}  # what the dashboard reads, by platform
    second = handler.lambda_handler({"hour": hour}, LambdaContext())
    assert second["figures"] == first["figures"]
    assert second["published"] == {}

    cloudwatch = synced.client("cloudwatch")
    published = [(m["MetricName"], m["Dimensions"]) for m in cloudwatch.list_metrics(Namespace="SocialCRM")["Metrics"]]
    assert published == [("Posts", [{"Name": "Platform", "Value": "facebook"}])]  # the rest stays in the rollup

    synced.use("ContactLookupFunction")  # the lookup is the function that writes EMF on every call
    capsys.readouterr()
    assert load_handler("contact_lookup").lambda_handler(contact_event("+447911123456"), LambdaContext())["found"] \
        == "true"
    documents = emf_documents(capsys.readouterr().out)
    assert documents, "the lookup printed no EMF line"
    for document in documents:
        assert emf_problems(document) == []
    [call] = documents
    assert (call["Lookups"], call["CallWithSocialContext"]) == ([1.0], [1.0])


def test_posts_expire_after_the_retention_and_reads_ignore_them_before_ttl_does(synced, monkeypatch):
    from socialcrm.adapters.dynamo import DynamoPostRepository
    from socialcrm.model import AnalyzedPost

    monkeypatch.setenv("RETENTION_DAYS", "30")
    handler = load_handler("processor")
    old = json.loads(a_post("old-1"))
    old["created_at"] = "2026-01-01T00:00:00Z"  # older than 30 days
    for body in (json.dumps(old), a_post("new-1")):
        assert handler.lambda_handler(sqs_event([body]), LambdaContext()) == {"batchItemFailures": []}
    item = {i["pk"]["S"]: i for i in count_table_items(synced, "PostsTable")}
    assert int(item["facebook#old-1"]["expires_at"]["N"]) == 1767225600 + 30 * 86400
    repository = DynamoPostRepository(table_name=os.environ["POSTS_TABLE"], retention_days=30)
    assert repository.get_state(PostKey("facebook", "old-1")) is None  # still in the table, no longer readable
    assert [p.key for p in repository.recent_for_customer("cust-1", 10)] == [PostKey("facebook", "new-1")]
    assert repository.store_new(AnalyzedPost(CanonicalPost.from_message(old), "neutral", 0.0), "b", "m") is not None
    synced.use("ContactLookupFunction")
    monkeypatch.setenv("RETENTION_DAYS", "30")
    answer = load_handler("contact_lookup").lambda_handler(contact_event("+447911123456"), LambdaContext())
    assert answer["last_post_at"] != "2026-01-01T00:00:00Z" and answer["history_count"] == "0"


def test_an_erasure_also_deletes_expired_posts_that_ttl_has_not_removed_yet(synced, monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", "30")
    old = json.loads(a_post("old-1"))
    old["created_at"] = "2026-01-01T00:00:00Z"  # past the retention, still in the table
    for body in (json.dumps(old), a_post("new-1")):
        assert load_handler("processor").lambda_handler(sqs_event([body]), LambdaContext()) == {"batchItemFailures": []}
    assert {i["pk"]["S"] for i in count_table_items(synced, "PostsTable")} == {"facebook#old-1", "facebook#new-1"}
    synced.use("ErasureFunction")
    receipt = load_handler("erasure").lambda_handler({"customer_id": "cust-1"}, LambdaContext())
    assert receipt["counts"]["posts"] == 1  # the readable one; the expired one is removed all the same
    assert count_table_items(synced, "PostsTable") == []
