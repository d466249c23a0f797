"""The embedded AWS as the local stack runs it: moto with infra/local/moto_fixes.py and the fault
injector. The fixes change how much work moto does, never its answers; the injector throttles
DynamoDB, and only DynamoDB, while it is switched on."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from infra.local.faults import Faults
from infra.local.stack import FAKE_CREDENTIALS, ROOT, free_port

pytestmark = pytest.mark.e2e
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def endpoint():
    port = free_port("127.0.0.1")
    process = subprocess.Popen([sys.executable, "-m", "infra.local.aws_process", "127.0.0.1", str(port), "--faults"],
                               cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert process.stdout.readline().strip() == b"ready"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.stdin.close()
        process.wait(timeout=10)


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", config=NO_RETRIES,
                        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


@pytest.fixture(scope="module")
def table(endpoint):
    dynamodb = client(endpoint, "dynamodb")
    dynamodb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
        {"AttributeName": "g", "AttributeType": "S"}], KeySchema=[
        {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "Projection": {"ProjectionType": "KEYS_ONLY"},
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "sk", "KeyType": "RANGE"}]}])
    for pk in ("b", "a", "c"):
        for sk in ("3", "1", "2"):
            dynamodb.put_item(TableName="t", Item={"pk": {"S": pk}, "sk": {"S": sk}, "g": {"S": f"g{sk}"}})
    return dynamodb


def test_a_cancelled_transaction_leaves_every_item_as_it_was(table):
    put = {"Put": {"TableName": "t", "Item": {"pk": {"S": "new"}, "sk": {"S": "1"}}}}
    update = {"Update": {"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
                         "UpdateExpression": "SET n = :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}}
    refused = {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}},
                                  "ConditionExpression": "attribute_not_exists(pk)"}}
    with pytest.raises(ClientError, match="TransactionCanceled"):
        table.transact_write_items(TransactItems=[put, update, refused])
    assert "Item" not in table.get_item(TableName="t", Key={"pk": {"S": "new"}, "sk": {"S": "1"}})
    assert "n" not in table.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]

    table.transact_write_items(TransactItems=[put, update])
    assert "Item" in table.get_item(TableName="t", Key={"pk": {"S": "new"}, "sk": {"S": "1"}})
    assert table.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]["n"] == {"N": "1"}


def test_queries_find_their_partition_in_order_and_scans_still_page(table):
    def keys(answer):
        return [(i["pk"]["S"], i["sk"]["S"]) for i in answer["Items"]]

    query = table.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "b"}})
    assert keys(query) == [("b", "1"), ("b", "2"), ("b", "3")]
    backwards = table.query(TableName="t", KeyConditionExpression="pk = :p", ScanIndexForward=False, Limit=2,
                            ExpressionAttributeValues={":p": {"S": "c"}})
    assert keys(backwards) == [("c", "3"), ("c", "2")]
    assert table.query(TableName="t", KeyConditionExpression="pk = :p",
                       ExpressionAttributeValues={":p": {"S": "zzz"}})["Items"] == []
    index = table.query(TableName="t", IndexName="by-g", KeyConditionExpression="g = :g",
                        ExpressionAttributeValues={":g": {"S": "g2"}})
    assert sorted(keys(index)) == [("a", "2"), ("b", "2"), ("c", "2")]
    scanned = [k for page in table.get_paginator("scan").paginate(TableName="t", PaginationConfig={"PageSize": 2})
               for k in keys(page)]
    assert len(scanned) == len(set(scanned)) >= 9


def test_every_kind_of_attribute_value_comes_back_as_written(endpoint):
    """Answers copy plain AttributeValues as stored and take moto's own serializer for binary ones: both exact."""
    dynamodb = client(endpoint, "dynamodb")
    dynamodb.create_table(TableName="kinds", BillingMode="PAY_PER_REQUEST", AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"}], KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    item = {"pk": {"S": "every kind"}, "text": {"S": "tëxt 😡"}, "number": {"N": "-1.5"}, "bytes": {"B": b"\x00\xff"},
            "texts": {"SS": ["a", "b"]}, "numbers": {"NS": ["1", "2"]}, "byte_sets": {"BS": [b"\x01", b"\x02"]},
            "plain": {"M": {"list": {"L": [{"S": "x"}, {"NULL": True}, {"BOOL": False}, {"N": "7"},
                                           {"M": {"deeper": {"BOOL": True}}}]}, "empty": {"M": {}}}},
            "with_bytes": {"L": [{"S": "y"}, {"M": {"b": {"B": b"\x03"}, "s": {"SS": ["z"]}}}]}}
    try:
        dynamodb.put_item(TableName="kinds", Item=item)
        assert dynamodb.get_item(TableName="kinds", Key={"pk": item["pk"]}, ConsistentRead=True)["Item"] == item
        assert dynamodb.query(TableName="kinds", KeyConditionExpression="pk = :p",
                              ExpressionAttributeValues={":p": item["pk"]})["Items"] == [item]
    finally:
        dynamodb.delete_table(TableName="kinds")  # the other tests see table t alone


def test_queue_counts_visibility_and_deletes(endpoint):
    sqs = client(endpoint, "sqs")
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    for body in ("one", "two", "three"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)

    def counts():
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                 "ApproximateNumberOfMessagesDelayed"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        return [int(attributes[n]) for n in names]

    assert counts() == [3, 0, 1]
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2, VisibilityTimeout=60)["Messages"]
    assert [m["Body"] for m in received] == ["one", "two"]
    assert counts() == [1, 2, 1]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[1]["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=received[1]["ReceiptHandle"])  # twice is fine, as in SQS
    assert counts() == [1, 1, 1]
    with pytest.raises(ClientError, match="ReceiptHandleIsInvalid"):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-receipt-handle")


def test_throttling_answers_dynamodb_only_and_counts_what_it_served(endpoint, table):
    faults = Faults(endpoint)
    sqs = client(endpoint, "sqs")
    url = sqs.create_queue(QueueName="while-throttled")["QueueUrl"]
    assert faults.throttle_dynamodb(True)["throttle_dynamodb"] is True
    try:
        for _ in range(3):
            with pytest.raises(ClientError) as refused:
                table.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
            assert refused.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
            assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        sqs.send_message(QueueUrl=url, MessageBody="queues are not throttled")
    finally:
        assert faults.throttle_dynamodb(False) == {"throttle_dynamodb": False, "throttled": 3}
    assert "Item" in table.get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})
    assert faults.stats()["throttled"] == 3


def test_one_connection_serves_request_after_request(endpoint, table):
    address = urlsplit(endpoint)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    headers = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0",
               "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
                                "SignedHeaders=host, Signature=0"}
    try:
        for _ in range(3):
            connection.request("POST", "/", body=b"{}", headers=headers)
            answer = connection.getresponse()
            assert (answer.status, json.loads(answer.read())["TableNames"]) == (200, ["t"])
            assert answer.getheader("Connection", "").lower() != "close"
    finally:
        connection.close()


def test_concurrent_transactions_lose_no_increment_when_some_are_refused(endpoint):
    """As the processor stores a post and its counters: a redelivery's transaction is refused on its
    condition and must take back nothing that another transaction added to the shared counter."""
    dynamodb = client(endpoint, "dynamodb")
    dynamodb.create_table(TableName="race", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    local = threading.local()

    def store(n: int) -> bool:
        local.client = getattr(local, "client", None) or client(endpoint, "dynamodb")
        try:
            local.client.transact_write_items(TransactItems=[
                {"Put": {"TableName": "race", "Item": {"pk": {"S": f"post{n // 2}"}},
                         "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Update": {"TableName": "race", "Key": {"pk": {"S": "counter"}}, "UpdateExpression": "ADD n :one",
                            "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
            return True
        except ClientError as error:
            assert error.response["Error"]["Code"] == "TransactionCanceledException"
            return False

    with ThreadPoolExecutor(8) as pool:
        stored = sum(pool.map(store, range(400)))  # every post twice: one of each pair is refused

    assert stored == 200
    assert dynamodb.get_item(TableName="race", Key={"pk": {"S": "counter"}})["Item"]["n"] == {"N": str(stored)}
