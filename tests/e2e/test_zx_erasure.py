"""Erasure after a full end-to-end run (pytest takes files in name order, so this comes after the
pipeline tests): every table and index of the local stack is scanned afterwards for the customer."""

from __future__ import annotations

import json
import time

import pytest

from infra.local import samples
from socialcrm.model import Author, CanonicalPost, ContactPush
from tests.e2e.test_pipeline_e2e import call, invoke, post

pytestmark = pytest.mark.e2e
# Her id, phone, email, handle and platform id (the display name "Ada Lovelace" is also borrowed by other
# test authors on other platforms, so it is no evidence of a leftover).
ADA = {"cust-0001", "+447911123456", "7911123456", "ada@example.com", "ada.builds", samples.ADA_FACEBOOK_ID}


def every_item(stack) -> list[tuple[str, str]]:
    """(table/index, item as JSON) for every item of every table and every index: a test may scan."""
    dynamodb = stack.client("dynamodb")
    found = []
    for table in stack.resources.table_names.values():
        description = dynamodb.describe_table(TableName=table)["Table"]
        sources = [None, *(i["IndexName"] for i in description.get("GlobalSecondaryIndexes", []))]
        for index in sources:
            arguments = {"TableName": table, **({"IndexName": index} if index else {})}
            for page in dynamodb.get_paginator("scan").paginate(**arguments):
                found += [(f"{table}/{index or ''}", json.dumps(item, ensure_ascii=False)) for item in page["Items"]]
    return found


def test_an_erased_customer_leaves_no_trace(stack, lambda_client, customers, contact_centre, app_secret):
    text = f"Erase me later: my order is late ({time.time_ns()})"
    assert post(stack, samples.page_comment("erase1", samples.ADA_FACEBOOK_ID, "Ada Lovelace", text),
                app_secret).status_code == 200
    stack.wait_idle(timeout=120)
    assert call(lambda_client, "+447911123456")["found"] == "true"
    texts = {item for _, item in every_item(stack) if "cust-0001" in item}
    assert texts, "the customer had data to erase"

    receipt = invoke(lambda_client, "ErasureFunction", {"customer_id": "cust-0001"})
    assert receipt["counts"]["posts"] >= 1 and receipt["counts"]["customer_records"] == 1

    # Work already queued for Ada when the erasure ran is dropped by the consumers.
    sqs = stack.client("sqs")
    late_text = f"Queued before the erasure ({time.time_ns()})"
    queued_post = CanonicalPost("facebook", "1234567890_555_late", "comment",
                                Author("facebook", samples.ADA_FACEBOOK_ID, None, "Ada Lovelace"), late_text,
                                "2026-11-22T09:00:00Z", source="meta")
    sqs.send_message(QueueUrl=stack.resources.queue_urls["IngestQueue"],
                     MessageBody=json.dumps(queued_post.to_message()))
    queued_push = ContactPush("e" * 32, "cust-0001", "Ada Lovelace", "facebook", "comment", "x", late_text,
                              "negative", "2026-11-22T09:00:00Z", None, "negative")
    sqs.send_message(QueueUrl=stack.resources.queue_urls["PushQueue"], MessageBody=json.dumps(queued_push.to_message()))
    stack.wait_idle(timeout=120)
    assert not [p for p in contact_centre.received.values() if p["text"] == late_text]

    answer = call(lambda_client, "+447911123456")
    assert (answer["found"], answer["reason"]) == ("false", "no_customer")
    needles = ADA | {text, late_text, "Third time my order arrived broken", "My parcel arrived broken again",
                     "Courier left my parcel"}
    leftovers = [(where, needle) for where, item in every_item(stack) for needle in needles if needle in item]
    assert leftovers == []
    assert invoke(lambda_client, "ErasureFunction", {"customer_id": "cust-0001"})["total"] == 0
