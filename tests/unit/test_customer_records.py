import pytest

from socialcrm.customers import Rejected, SyncDeps, parse_customer, sync_customers
from socialcrm.errors import InvalidRecord
from tests.fakes import FakeCards, FakeCustomers, FakeLinkCodes, FakePosts, FakeReviews, FixedClock


def test_phones_are_normalized_with_the_country_hint():
    customer = parse_customer({"customer_id": "c", "country": "us", "phones": ["(415) 555-2671", "+44 20 7946 0958"]},
                              "GB")
    assert customer.phones == ("+14155552671", "+442079460958")
    assert "phone:+14155552671" in customer.identity_keys


@pytest.mark.parametrize(("record", "field"), [
    ({}, "customer_id"),
    ({"customer_id": 5}, "customer_id"),
    ({"customer_id": "c", "country": "Britain"}, "country"),
    ({"customer_id": "c", "segment": "a|b"}, "segment"),
    ({"customer_id": "c", "emails": ["a@example.com"] * 11}, "emails"),
])
def test_a_bad_field_is_named(record, field):
    with pytest.raises(InvalidRecord) as error:
        parse_customer(record, "GB")
    assert error.value.field == field


@pytest.mark.parametrize(("record", "field"), [
    ({"customer_id": "c", "phones": ["not a phone"]}, "phones[0]"),
    ({"customer_id": "c", "phones": "0770"}, "phones"),
    ({"customer_id": "c", "emails": ["nope"]}, "emails[0]"),
    ({"customer_id": "c", "social": [{"platform": "facebook"}]}, "social[0]"),
    ({"customer_id": "c", "social": [{"platform": "", "user_id": "1"}]}, "social[0].platform"),
    ({"customer_id": "c", "name": 12}, "name"),
])
def test_an_unusable_entry_is_dropped_and_named(record, field):
    dropped: list[InvalidRecord] = []
    customer = parse_customer(record, "GB", dropped)
    assert customer.customer_id == "c"
    assert [problem.field for problem in dropped] == [field]


def test_good_records_are_stored_when_others_are_rejected():
    deps = SyncDeps(FakeCustomers(), FakePosts(), FakeCards(), "GB", FixedClock(), FakeReviews(), FakeLinkCodes())
    answer = sync_customers([
        {"customer_id": "ok-1", "emails": ["A@Example.COM"]},
        {"customer_id": "bad", "country": "Britain", "phones": ["07911 123456"]},
        {"customer_id": "ok-2", "social": [{"platform": "instagram", "handle": "@Someone"}]},
    ], deps)
    assert answer.upserted == 2
    assert answer.rejected == (Rejected(1, "country: must be a two-letter ISO 3166 code"),)
    assert set(deps.customers.records) == {"ok-1", "ok-2"}
    assert deps.customers.customers_with_identity("email:a@example.com") == ["ok-1"]
    assert deps.customers.customers_with_identity("handle:instagram:someone") == ["ok-2"]


def test_a_changed_phone_drops_the_old_card_copy():
    deps = SyncDeps(FakeCustomers(), FakePosts(), FakeCards(), "GB", FixedClock(), FakeReviews(), FakeLinkCodes())
    sync_customers([{"customer_id": "c", "phones": ["07911 123456"]}], deps)
    assert "PHONE#+447911123456" in deps.cards.cards
    sync_customers([{"customer_id": "c", "phones": ["07911 777888"]}], deps)
    assert "PHONE#+447911123456" not in deps.cards.cards
    assert "PHONE#+447911777888" in deps.cards.cards
