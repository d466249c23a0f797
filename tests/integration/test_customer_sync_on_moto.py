"""CustomerSyncFunction and ErasureFunction through their handlers, on moto tables built from template.yaml."""

from __future__ import annotations

import re

import pytest

from tests.support.functions import LambdaContext, load_handler


def sync(aws, records) -> dict:
    aws.use("CustomerSyncFunction")
    return load_handler("customer_sync").lambda_handler({"customers": records}, LambdaContext())


def erase(aws, request: dict) -> dict:
    aws.use("ErasureFunction")
    return load_handler("erasure").lambda_handler(request, LambdaContext())


def identity_items(aws, key: str) -> list[dict]:
    table = aws.resources.table_names["CustomersTable"]
    return aws.client("dynamodb").query(TableName=table, KeyConditionExpression="pk = :pk",
                                        ExpressionAttributeValues={":pk": {"S": f"IDENTITY#{key}"}})["Items"]


def stored_customer(aws, customer_id: str) -> dict | None:
    table = aws.resources.table_names["CustomersTable"]
    answer = aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": f"CUSTOMER#{customer_id}"},
                                                                    "sk": {"S": "PROFILE"}})
    return answer.get("Item")


def test_one_unusable_phone_costs_neither_the_record_nor_its_emails_and_accounts(aws):
    answer = sync(aws, [{"customer_id": "dirty-1", "phones": ["call me maybe", "07911 123456"],
                         "emails": ["ada@example.com", "not-an-email"],
                         "social": [{"platform": "facebook", "user_id": "6104410001"}, {"platform": "facebook"}]}])
    assert answer["upserted"] == 1
    assert answer["rejected"] == []
    assert answer["warnings"] == [
        {"index": 0, "field": "phones[0]", "error": "is not a valid phone number; dropped"},
        {"index": 0, "field": "emails[1]", "error": "is not an email address; dropped"},
        {"index": 0, "field": "social[1]", "error": "needs a user_id or a handle; dropped"},
    ]
    assert identity_items(aws, "email:ada@example.com")
    assert identity_items(aws, "id:facebook:6104410001")
    assert identity_items(aws, "phone:+447911123456")


def test_clean_records_answer_no_warnings(aws):
    answer = sync(aws, [{"customer_id": "clean-1", "emails": ["ada@example.com"]}])
    assert answer == {"upserted": 1, "rejected": [], "warnings": []}


@pytest.mark.parametrize("segment", ["gold|Platform=x", "gold=1", "a" * 65, "unmatched", "gold#2", 7])
def test_a_segment_that_would_corrupt_metric_names_rejects_the_record(aws, segment):
    answer = sync(aws, [{"customer_id": "seg-1", "segment": segment, "emails": ["ada@example.com"]}])
    assert answer["upserted"] == 0
    assert [r["index"] for r in answer["rejected"]] == [0]
    assert answer["rejected"][0]["error"].startswith("segment: ")
    assert stored_customer(aws, "seg-1") is None


def test_a_plain_segment_is_accepted(aws):
    assert sync(aws, [{"customer_id": "seg-2", "segment": "Gold plus_2-b.c"}])["upserted"] == 1


@pytest.mark.parametrize(("field", "entries"), [
    ("emails", [f"user{n}@example.com" for n in range(11)]),
    ("phones", [f"07911 1234{n:02d}" for n in range(11)]),
    ("social", [{"platform": "facebook", "user_id": str(n)} for n in range(51)]),
])
def test_an_unbounded_list_rejects_the_record_with_a_clear_error(aws, field, entries):
    answer = sync(aws, [{"customer_id": "big-1", field: entries}, {"customer_id": "small-1"}])
    assert answer["upserted"] == 1
    assert [r["index"] for r in answer["rejected"]] == [0]
    assert answer["rejected"][0]["error"].startswith(f"{field}: has {len(entries)} entries, more than ")
    assert stored_customer(aws, "big-1") is None


def test_too_many_records_in_one_invocation_are_refused_as_a_whole(aws):
    answer = sync(aws, [{"customer_id": f"c-{n}"} for n in range(201)])
    assert answer["upserted"] == 0
    assert answer["rejected"] == [{"index": None, "error": "customers: has 201 records, more than 200 per call"}]
    assert stored_customer(aws, "c-0") is None


ADA = {"customer_id": "cust-erased", "name": "Ada Lovelace", "phones": ["07911 123456"],
       "emails": ["ada@example.com"], "social": [{"platform": "facebook", "user_id": "6104410001"}]}


def test_a_sync_does_not_recreate_an_erased_customer(aws):
    assert sync(aws, [ADA])["upserted"] == 1
    assert erase(aws, {"customer_id": "cust-erased"})["counts"]["customer_records"] == 1

    answer = sync(aws, [ADA, {"customer_id": "someone-else"}])
    assert answer["upserted"] == 1
    assert len(answer["rejected"]) == 1
    refusal = answer["rejected"][0]
    assert refusal["index"] == 0
    assert re.fullmatch(r"customer_id: erased on \d{4}-\d{2}-\d{2}; .*\"returning\": true.*", refusal["error"])
    assert stored_customer(aws, "cust-erased") is None
    assert identity_items(aws, "email:ada@example.com") == []


def test_the_tombstone_holds_no_readable_personal_data(aws):
    sync(aws, [ADA])
    erase(aws, {"customer_id": "cust-erased"})
    table = aws.resources.table_names["CustomersTable"]
    everything = repr(aws.client("dynamodb").scan(TableName=table)["Items"])  # test inspection, not a request path
    for secret in ("cust-erased", "Ada", "ada@example.com", "7911", "6104410001"):
        assert secret not in everything


def test_a_returning_customer_is_synced_again_and_the_tombstone_goes(aws):
    sync(aws, [ADA])
    erase(aws, {"customer_id": "cust-erased"})
    answer = sync(aws, [{**ADA, "returning": True}])
    assert answer == {"upserted": 1, "rejected": [], "warnings": []}
    assert stored_customer(aws, "cust-erased") is not None
    # gone for good: a later ordinary sync of the same person is an update, not a refusal
    assert sync(aws, [ADA]) == {"upserted": 1, "rejected": [], "warnings": []}


@pytest.mark.parametrize("returning", ["true", 1, "yes"])
def test_returning_must_be_said_on_purpose(aws, returning):
    sync(aws, [ADA])
    erase(aws, {"customer_id": "cust-erased"})
    answer = sync(aws, [{**ADA, "returning": returning}])
    assert answer["upserted"] == 0
    assert answer["rejected"][0]["error"].startswith("returning: ")
