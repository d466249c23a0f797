"""Erasing a customer named as a candidate on posts held for review (ErasureFunction on moto): nothing in the
customers table names them afterwards, and the post waits for review with the candidates left."""

from __future__ import annotations

import json

from socialcrm.model import Author, CanonicalPost
from tests.integration.test_pipeline_on_moto import ADA, NOW
from tests.support.functions import LambdaContext, load_handler, sqs_event

BOB = {"customer_id": "cust-2", "name": "Bob Stone", "phones": ["+44 7912 345678"]}


def customers_table_items(aws) -> list[dict]:
    table = aws.resources.table_names["CustomersTable"]
    return aws.client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]


def held_candidates(aws) -> dict[str, list[str]]:
    return {item["sk"]["S"]: [c["customer_id"] for c in json.loads(item["details"]["S"])["candidates"]]
            for item in customers_table_items(aws) if item["pk"]["S"] == "REVIEW"}


def test_an_erased_customer_is_named_by_no_held_post_and_the_post_still_waits_for_the_other_candidate(aws):
    aws.use("CustomerSyncFunction")
    assert load_handler("customer_sync").lambda_handler({"customers": [ADA, BOB]}, LambdaContext())["upserted"] == 2
    aws.use("ProcessorFunction")
    message = json.dumps(CanonicalPost(  # a stranger's message with both numbers, under neither name
        "facebook", "m-1", "message", Author("facebook", "7777", None, "Zed"),
        "it's me, call 07911 123456 or 07912 345678", NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), source="meta").to_message())
    assert load_handler("processor").lambda_handler(sqs_event([message]), LambdaContext()) == {"batchItemFailures": []}
    assert held_candidates(aws) == {"facebook#m-1": ["cust-1", "cust-2"]}

    aws.use("ErasureFunction")
    receipt = load_handler("erasure").lambda_handler({"customer_id": "cust-1"}, LambdaContext())

    assert receipt["counts"]["match_candidates"] == 1
    assert [item["sk"]["S"] for item in customers_table_items(aws) if item["pk"]["S"] == "CUSTOMER#cust-1"] == []
    assert held_candidates(aws) == {"facebook#m-1": ["cust-2"]}
