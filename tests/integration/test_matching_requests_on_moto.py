"""Matching one post costs the same DynamoDB requests at 100 and at 2,000 customers (key reads, no scan). Twenty
times the customers shows a request that grows with them as well as 10,000 would; the seeding costs a fifth."""

from __future__ import annotations

import threading

import botocore.client
import pytest

from socialcrm import identity
from socialcrm.model import Author, CanonicalPost


def customer_items(n: int) -> list[dict]:
    """The items CustomerSyncFunction writes for customer n: the record and one item per identity key."""
    customer_id = f"cust-{n:05d}"
    keys = [identity.platform_user_key("facebook", str(7_000_000 + n)), identity.handle_key("instagram", f"user{n}"),
            identity.phone_key(f"+4479112{n:05d}"), identity.email_key(f"user{n}@example.org")]
    record = {"pk": {"S": f"CUSTOMER#{customer_id}"}, "sk": {"S": "PROFILE"}, "customer_id": {"S": customer_id},
              "name": {"S": "Ada Lovelace" if n % 2 else "Grace Hopper"}, "phones": {"L": []}, "emails": {"L": []},
              "social": {"S": "[]"}, "identity_keys": {"L": [{"S": key} for key in keys]}}
    return [record] + [{"pk": {"S": f"IDENTITY#{key}"}, "sk": {"S": f"CUSTOMER#{customer_id}"},
                        "customer_id": {"S": customer_id}} for key in keys]




def dynamodb_requests_to_match(monkeypatch, post: CanonicalPost) -> tuple[list[str], object]:
    from socialcrm import wiring
    from socialcrm.linking import match_new_post

    deps = wiring.linking_deps()
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call
    this_thread = threading.get_ident()

    def counting(client, operation, params):
        if threading.get_ident() == this_thread and client.meta.service_model.service_name == "dynamodb":
            calls.append(operation)
        return original(client, operation, params)

    with monkeypatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
        match, _ = match_new_post(post, deps)
    return calls, match


# A direct message from customer 42's Instagram account that also carries their phone and email.
POST = CanonicalPost("instagram", "dm-1", "message", Author("instagram", "ig-4242", "user42", "Grace Hopper"),
                     "It's me, +44 7911 200042 or user42@example.org", "2026-11-20T09:00:00Z", source="meta")


@pytest.mark.parametrize("customers", [100, 2_000])
def test_matching_one_post_makes_the_same_requests_at_any_customer_count(aws, monkeypatch, customers):
    aws.use("ProcessorFunction")
    table = aws.resources.table_names["CustomersTable"]
    aws.put_items(table, [item for n in range(customers) for item in customer_items(n)])
    assert aws.client("dynamodb").describe_table(TableName=table)["Table"]["ItemCount"] == customers * 5

    calls, match = dynamodb_requests_to_match(monkeypatch, POST)

    assert (match.outcome, match.customer_id) == ("linked", "cust-00042")
    assert set(match.evidence) >= {"handle_on_record", "phone_in_message", "email_in_message", "name_match"}
    # one Query per key of the author and of the message, one BatchGetItem of the candidates, then the
    # learned platform id (an UpdateItem of the record and a PutItem of the link) and the handle's holder
    assert calls == ["Query"] * 4 + ["BatchGetItem"] + ["UpdateItem", "PutItem"] * 2
    assert "Scan" not in calls
