"""One-time link codes in the customers table (DynamoLinkCodes on moto): a code links one account, once, while live.

The codes are issued as MatchReviewFunction issues them and redeemed as ProcessorFunction redeems them (each
under its own IAM policy, which the `aws` fixture checks).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from socialcrm.adapters.dynamo import DynamoCustomerDirectory, DynamoLinkCodes
from socialcrm.customers import parse_customer
from socialcrm.linking import CODE_MINUTES, LinkingDeps, code_hash, issue_code, redeem_code
from socialcrm.model import Author, CanonicalPost
from tests.fakes import FakeCards, FakePosts, FakeReviews

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def codes(aws):
    """(deps as a function with the given logical id builds them, the clock): the customers table on moto."""
    clock = Clock()

    def deps_of(function: str) -> LinkingDeps:
        aws.use(function)
        table = os.environ["CUSTOMERS_TABLE"]
        directory = DynamoCustomerDirectory(table_name=table, metrics_table_name=os.environ.get("METRICS_TABLE"))
        return LinkingDeps(directory, FakePosts(), FakeCards(), FakeReviews(), DynamoLinkCodes(table_name=table), "GB",
                           clock)

    deps_of("CustomerSyncFunction").customers.upsert(parse_customer({"customer_id": "cust-7", "name": "Ada Lovelace"},
                                                                    "GB"))
    return deps_of, clock


def direct_message(user_id: str, text: str, post_id: str = "m1") -> CanonicalPost:
    return CanonicalPost("facebook", post_id, "message", Author("facebook", user_id, None, "Ada"), text,
                         NOW.strftime("%Y-%m-%dT%H:%M:%SZ"))


def links_of(deps: LinkingDeps, user_id: str) -> list[tuple[str, str]]:
    return [(link.customer_id, link.source) for link in deps.customers.identity_links(f"id:facebook:{user_id}")]


def test_a_code_redeemed_twice_links_once(codes):
    deps_of, _ = codes
    code = issue_code("cust-7", deps_of("MatchReviewFunction")).code
    processor = deps_of("ProcessorFunction")
    assert redeem_code(direct_message("1001", f"my code is {code}"), processor) == "cust-7"
    assert redeem_code(direct_message("2002", f"my code is {code}", "m2"), processor) is None
    assert redeem_code(direct_message("1001", f"again {code}", "m3"), processor) is None
    assert links_of(processor, "1001") == [("cust-7", "verified")]
    assert links_of(processor, "2002") == []


def test_a_code_is_good_until_its_last_second_and_refused_from_then_on(codes):
    deps_of, clock = codes
    issuer = deps_of("MatchReviewFunction")
    late, on_time = issue_code("cust-7", issuer).code, issue_code("cust-7", issuer).code
    processor = deps_of("ProcessorFunction")
    clock.now = NOW + timedelta(minutes=CODE_MINUTES)
    assert redeem_code(direct_message("1001", late), processor) is None
    clock.now = NOW + timedelta(minutes=CODE_MINUTES, seconds=-1)
    assert redeem_code(direct_message("1001", on_time, "m2"), processor) == "cust-7"


def test_a_code_never_issued_links_nobody(codes):
    deps_of, _ = codes
    processor = deps_of("ProcessorFunction")
    assert processor.codes.redeem(code_hash("ABCD-EFGH"), int(NOW.timestamp())) is None
    assert redeem_code(direct_message("1001", "ABCD-EFGH"), processor) is None
    assert links_of(processor, "1001") == []


def test_erasing_the_customer_forgets_every_code_issued_to_them(codes):
    deps_of, _ = codes
    issuer = deps_of("MatchReviewFunction")
    issued = [issue_code("cust-7", issuer).code for _ in range(2)]
    assert deps_of("ErasureFunction").codes.forget_customer("cust-7") == 2
    processor = deps_of("ProcessorFunction")
    assert [redeem_code(direct_message("1001", code), processor) for code in issued] == [None, None]


def stored(aws, partition: str, sort_key: str) -> dict:
    """The item as the customers table holds it (the test's own read, outside every function's policy)."""
    table = aws.specs["ProcessorFunction"].environment["CUSTOMERS_TABLE"]
    return aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": partition}, "sk": {"S": sort_key}},
                                           ConsistentRead=True)["Item"]


def test_a_code_and_its_pointer_under_the_customer_both_expire_with_the_code(aws, codes):
    deps_of, _ = codes
    code = issue_code("cust-7", deps_of("MatchReviewFunction")).code
    expires_at = str(int((NOW + timedelta(minutes=CODE_MINUTES)).timestamp()))
    partition = f"CODE#{code_hash(code)}"
    assert stored(aws, partition, "CODE")["expires_at"] == {"N": expires_at}
    assert stored(aws, "CUSTOMER#cust-7", partition)["expires_at"] == {"N": expires_at}  # no pointer outlives it


def test_a_redeemed_code_records_the_second_it_was_used(aws, codes):
    deps_of, clock = codes
    code = issue_code("cust-7", deps_of("MatchReviewFunction")).code
    clock.now = NOW + timedelta(seconds=42)
    assert redeem_code(direct_message("1001", code), deps_of("ProcessorFunction")) == "cust-7"
    assert stored(aws, f"CODE#{code_hash(code)}", "CODE")["used_at"] == {"N": str(int(NOW.timestamp()) + 42)}
