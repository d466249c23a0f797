"""make cost's probe on a small mix, held to the budgets of infra/cost_budget.py; and its meter on one
hand-made transaction, so the units it reports for the mix are the ones worked out by hand."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra import cost_budget
from infra.cost_mix import steady_month
from infra.cost_probe import Meter, estimate, measure, metric_names
from infra.local.cfn import load_template
from socialcrm.metric_catalogue import monthly_metrics

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def small_mix_tally():
    """100 posts of the stated mix from 20 customers and strangers, 20 lookups, both rollups."""
    return measure(posts=100, lookups=20, customers=20)


@pytest.fixture(scope="module")
def small_mix(small_mix_tally):
    return estimate(small_mix_tally, load_template(ROOT / "template.yaml"))


def test_dynamodb_requests_per_post_stay_within_the_budget(small_mix):
    assert small_mix.figures["dynamodb_requests_per_post"] <= cost_budget.DYNAMODB_REQUESTS_PER_POST


def test_dynamodb_write_units_per_post_stay_within_the_budget(small_mix):
    assert small_mix.figures["wru_per_post"] <= cost_budget.WRU_PER_POST


def test_every_metric_the_run_published_is_one_the_steady_month_counts(small_mix_tally):
    month = set(monthly_metrics(steady_month()))
    published = metric_names(small_mix_tally)
    assert published, "the run published no metric: this test would prove nothing"
    assert published <= month, sorted(published - month)
    assert len(month) <= cost_budget.CUSTOM_METRICS_PER_MONTH


def test_the_probe_ran_every_post_through_webhook_processor_and_push(small_mix):
    operations = small_mix.operations
    assert operations["sqs:SendMessageBatch"] == 1.0  # the webhook enqueued each delivery's post
    assert operations["dynamodb:PutItem"] >= 1.0  # the processor stored each post
    assert operations["sqs:SendMessage"] > 0  # actionable posts were pushed
    assert small_mix.figures["post_storage_bytes"] > 0
    # FunctionTracing is PassThrough by default: no trace is recorded, though Active would trace them all
    assert small_mix.per_million_posts == small_mix.per_million_posts_without_xray > 0
    assert small_mix.figures["xray_active_per_million_posts"] > 0


TEMPLATE = {"Resources": {"Posts": {"Type": "AWS::DynamoDB::Table", "Properties": {
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "customer_id", "AttributeType": "S"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by-customer", "KeySchema": [
        {"AttributeName": "customer_id", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
    "BillingMode": "PAY_PER_REQUEST"}}}}


def test_the_meter_counts_a_transaction_twice_and_the_index_once(monkeypatch):
    import botocore.client

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        properties = TEMPLATE["Resources"]["Posts"]["Properties"]
        client.create_table(TableName="Posts", **properties)
        meter = Meter(TEMPLATE)
        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call",
                            meter.around(botocore.client.BaseClient._make_api_call))
        # pk (2 + 4) + customer_id (11 + 2) + text (4 + 1,500) = 1,523 bytes: 2 WRU, 4 in a transaction
        item = {"pk": {"S": "p#01"}, "customer_id": {"S": "c1"}, "text": {"S": "x" * 1500}}
        counter = {"pk": {"S": "count"}, "n": {"N": "1"}}  # 6 + 2 bytes: 1 WRU, 2 in a transaction
        client.transact_write_items(TransactItems=[{"Put": {"TableName": "Posts", "Item": item}},
                                                   {"Put": {"TableName": "Posts", "Item": counter}}])
        # the same item again, refused by its condition: it still costs the write
        with pytest.raises(client.exceptions.ConditionalCheckFailedException):
            client.put_item(TableName="Posts", Item=item, ConditionExpression="attribute_not_exists(pk)")
        client.get_item(TableName="Posts", Key={"pk": {"S": "p#01"}})  # 1,523 bytes, eventually consistent
        client.get_item(TableName="Posts", Key={"pk": {"S": "p#01"}}, ConsistentRead=True)
        client.update_item(TableName="Posts", Key={"pk": {"S": "count"}}, UpdateExpression="ADD n :one",
                           ExpressionAttributeValues={":one": {"N": "1"}})  # not in the index
    transaction, refused, eventual, consistent, update = meter.tally.calls
    assert (transaction.operation, transaction.wru, transaction.index_wru) == ("TransactWriteItems", 6, 2)
    assert (refused.operation, refused.wru, refused.index_wru) == ("PutItem", 2, 0)
    assert (eventual.rru, consistent.rru) == (0.5, 1.0)
    assert (update.wru, update.index_wru) == (1, 0)
