"""Erasure end to end: a customer of her own (unique ids, so no other test's data is touched and the order
of the tests does not matter) writes on Facebook and Instagram and by Messenger; after her erasure every
table and index of the local stack is scanned for her."""

from __future__ import annotations

import hashlib
import json
import time

import pytest

from infra.local import samples
from socialcrm.model import Author, CanonicalPost, ContactPush
from tests.e2e.test_pipeline_e2e import call, invoke, post

pytestmark = pytest.mark.e2e


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


@pytest.fixture
def erin(lambda_client):
    """A customer no other test knows: her id, phone, email, handle and platform ids are hers alone."""
    n = time.time_ns() % 10**8
    person = {"customer_id": f"erase-{n}", "phone": f"+4479{n:08d}", "local_phone": f"079{n:08d}",
              "email": f"erin{n}@example.com", "handle": f"erin.{n}", "facebook": f"61{n:08d}",
              "instagram": f"178414{n:08d}", "name": f"Erin Erasable {n}"}
    record = {"customer_id": person["customer_id"], "name": person["name"], "phones": [person["local_phone"]],
              "emails": [person["email"]], "country": "GB",
              "social": [{"platform": "facebook", "user_id": person["facebook"]},
                         {"platform": "instagram", "user_id": person["instagram"], "handle": f"@{person['handle']}"}]}
    assert invoke(lambda_client, "CustomerSyncFunction", {"customers": [record]}) == {
        "upserted": 1, "rejected": [], "warnings": []}
    return person


def test_an_erased_customer_leaves_no_trace(stack, lambda_client, contact_centre, app_secret, erin):
    n = erin["customer_id"]
    texts = [f"Third time my order arrived broken, terrible ({n})", f"My parcel arrived broken again ({n})",
             f"Courier left my parcel in the rain ({n})"]
    deliveries = [samples.page_comment(f"erase-{n}", erin["facebook"], erin["name"], texts[0]),
                  samples.messenger_message(f"m_erase-{n}", erin["facebook"], texts[1]),
                  samples.instagram_comment(f"1790{n}", erin["instagram"], erin["handle"], texts[2])]
    for delivery in deliveries:
        assert post(stack, delivery, app_secret).status_code == 200
    stack.wait_idle(timeout=120)
    seen = call(lambda_client, erin["phone"])
    assert (seen["found"], seen["customer_id"]) == ("true", n)
    assert {text for text in texts if any(text in item for _, item in every_item(stack))} == set(texts), \
        "each post was stored before the erasure"
    assert [p for p in contact_centre.received.values() if p["customer_id"] == n], "she was pushed to an agent"

    receipt = invoke(lambda_client, "ErasureFunction", {"customer_id": n})
    assert receipt["counts"]["posts"] >= len(texts) and receipt["counts"]["customer_records"] == 1

    # Work already queued for her when the erasure ran is dropped by the consumers.
    sqs = stack.client("sqs")
    late_text = f"Queued before the erasure ({n})"
    queued_post = CanonicalPost("facebook", f"{samples.PAGE_ID}_555_late-{n}", "comment",
                                Author("facebook", erin["facebook"], None, erin["name"]), late_text,
                                "2026-11-22T09:00:00Z", source="meta")
    sqs.send_message(QueueUrl=stack.resources.queue_urls["IngestQueue"],
                     MessageBody=json.dumps(queued_post.to_message()))
    queued_push = ContactPush(hashlib.sha256(n.encode()).hexdigest()[:32], n, erin["name"], "facebook", "comment",
                              "x", late_text, "negative", "2026-11-22T09:00:00Z", None, "negative")
    sqs.send_message(QueueUrl=stack.resources.queue_urls["PushQueue"], MessageBody=json.dumps(queued_push.to_message()))
    stack.wait_idle(timeout=120)
    assert not [p for p in contact_centre.received.values() if p["text"] == late_text]

    answer = call(lambda_client, erin["phone"])
    assert (answer["found"], answer["reason"]) == ("false", "no_customer")
    needles = {n, erin["phone"], erin["local_phone"][1:], erin["email"], erin["handle"], erin["facebook"],
               erin["instagram"], erin["name"], *texts, late_text}
    leftovers = [(where, needle) for where, item in every_item(stack) for needle in needles if needle in item]
    assert leftovers == []
    assert invoke(lambda_client, "ErasureFunction", {"customer_id": n})["total"] == 0
