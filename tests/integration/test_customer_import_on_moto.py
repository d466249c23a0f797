"""The bulk import through CustomerSyncFunction's handler ({"bulk": true}), on moto tables built from template.yaml."""

from __future__ import annotations

from collections import Counter

import botocore.client

from tests.integration.test_customer_sync_on_moto import erase, identity_items, stored_customer, sync
from tests.support.functions import LambdaContext, load_handler


def bulk(aws, records, flag=True) -> dict:
    aws.use("CustomerSyncFunction")
    return load_handler("customer_sync").lambda_handler({"customers": records, "bulk": flag}, LambdaContext())


def people(first: int, count: int, segment: str = "gold") -> list[dict]:
    return [{"customer_id": f"p-{n}", "name": f"Person {n}", "phones": [f"07911 {n:06d}"],
             "emails": [f"p{n}@example.com"], "segment": segment,
             "social": [{"platform": "facebook", "user_id": str(6_200_000_000 + n)}]}
            for n in range(first, first + count)]


def card(aws, key: str) -> dict | None:
    table = aws.resources.table_names["CardsTable"]
    return aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": key}}).get("Item")


def base(aws) -> dict[str, int]:
    table = aws.resources.table_names["MetricsTable"]
    items = aws.client("dynamodb").query(TableName=table, KeyConditionExpression="pk = :pk",
                                         ExpressionAttributeValues={":pk": {"S": "BASE"}})["Items"]
    totals: Counter[str] = Counter()
    for item in items:
        totals[item["sk"]["S"].rsplit("#", 1)[0]] += int(item["value"]["N"])
    return {name: count for name, count in totals.items() if count}


def counting_requests(monkeypatch) -> Counter[str]:
    """DynamoDB requests by operation from here on (the functions' own, not the test's inspection)."""
    made: Counter[str] = Counter()
    real_call = botocore.client.BaseClient._make_api_call

    def counted(client, operation, params):
        if client.meta.service_model.service_name == "dynamodb" and not getattr(client, "test_inspection", False):
            made[operation] += 1
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counted)
    return made


def test_a_bulk_batch_writes_records_keys_cards_and_the_base_once(aws):
    answer = bulk(aws, [*people(0, 120), {"customer_id": "bad", "country": "Britain"}])
    assert answer["upserted"] == 120
    assert answer["rejected"] == [{"index": 120, "error": "country: must be a two-letter ISO 3166 code"}]
    assert stored_customer(aws, "p-7")["counted_segment"]["S"] == "gold"
    for key in ("phone:+447911000007", "email:p7@example.com", "id:facebook:6200000007"):
        assert [item["sk"]["S"] for item in identity_items(aws, key)] == ["CUSTOMER#p-7"]
    for key in ("CUSTOMER#p-7", "PHONE#+447911000007", "EMAIL#p7@example.com"):
        assert '"customer_name":"Person 7"' in card(aws, key)["card"]["S"]
    assert base(aws) == {"Customers|Segment=gold": 120}

    again = bulk(aws, people(0, 120))  # a resumed import sends the batch again
    assert again == {"upserted": 120, "rejected": [], "warnings": []}
    assert base(aws) == {"Customers|Segment=gold": 120}


def test_the_bulk_import_makes_a_fraction_of_the_per_record_syncs_requests(aws, monkeypatch):
    made = counting_requests(monkeypatch)
    sync(aws, people(0, 40))
    per_record = sum(made.values()) / 40
    made.clear()
    bulk(aws, people(1000, 40))
    in_bulk = sum(made.values()) / 40
    author_lookups = made["Query"] / 40  # one per account and phone on the record: the author indexes
    print(f"\nDynamoDB requests per new customer: per-record sync {per_record:.2f}, bulk {in_bulk:.2f} "
          f"({dict(made)})")
    assert author_lookups == 2  # the Facebook id and the phone
    assert in_bulk - author_lookups < 0.3  # everything else is batched
    assert per_record > 4 * in_bulk


def test_a_number_already_on_a_stored_record_shows_nobody(aws):
    sync(aws, [{"customer_id": "first", "name": "First", "phones": ["07911 123123"]}])
    answer = bulk(aws, [{"customer_id": "second", "name": "Second", "phones": ["07911 123123"]},
                        {"customer_id": "third", "name": "Third", "emails": ["family@example.com"]},
                        {"customer_id": "fourth", "name": "Fourth", "emails": ["family@example.com"]}])
    assert answer["upserted"] == 3
    for key in ("PHONE#+447911123123", "EMAIL#family@example.com"):
        assert card(aws, key)["customer_id"]["S"] == "" and '"shared":true' in card(aws, key)["card"]["S"]
    assert '"customer_name":"Second"' in card(aws, "CUSTOMER#second")["card"]["S"]
    assert base(aws) == {"Customers|Segment=none": 4}


def test_a_record_too_big_for_one_transaction_is_still_written_whole(aws):
    social = [{"platform": "instagram", "user_id": str(n), "handle": f"@acct{n}"} for n in range(50)]
    answer = bulk(aws, [{"customer_id": "many", "social": social, "emails": ["many@example.com"]}])
    assert answer["upserted"] == 1
    assert [item["sk"]["S"] for item in identity_items(aws, "handle:instagram:acct49")] == ["CUSTOMER#many"]
    assert card(aws, "EMAIL#many@example.com") is not None
    assert base(aws) == {"Customers|Segment=none": 1}


def test_an_erased_customer_is_refused_unless_returning(aws):
    sync(aws, people(0, 1))
    erase(aws, {"customer_id": "p-0"})
    refused = bulk(aws, people(0, 1))
    assert refused["upserted"] == 0 and refused["rejected"][0]["error"].startswith("customer_id: erased on ")
    assert stored_customer(aws, "p-0") is None
    back = bulk(aws, [{**people(0, 1)[0], "returning": True}])
    assert back["upserted"] == 1 and stored_customer(aws, "p-0") is not None


def test_a_bulk_flag_that_is_not_a_boolean_refuses_the_call(aws):
    answer = bulk(aws, people(0, 1), flag="yes")
    assert answer == {"upserted": 0, "rejected": [{"index": None, "error": "bulk: must be true or false"}],
                      "warnings": []}
    assert stored_customer(aws, "p-0") is None


def test_a_stored_record_read_back_is_the_same_as_the_one_sent_again(aws, monkeypatch):
    record = {"customer_id": "full", "name": "Ada Full", "country": "GB", "city": "Leeds", "segment": "silver",
              "phones": [{"number": "07911 123456", "last_confirmed": "2025-03-01"}, "+44 20 7946 0000"],
              "emails": ["Ada@Example.com"], "social": [{"platform": "x", "user_id": "77", "handle": "@ada_x"},
                                                        {"platform": "instagram", "handle": "@ada.full"}]}
    assert bulk(aws, [record])["upserted"] == 1
    made = counting_requests(monkeypatch)
    assert bulk(aws, [record])["upserted"] == 1
    assert set(made) == {"BatchGetItem", "Query"}  # the same record: read, its authors' posts looked up, no write
    assert base(aws) == {"Customers|Segment=silver": 1}
