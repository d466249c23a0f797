"""The bulk import (socialcrm.customer_import) leaves the stores as the per-record sync would, with batched writes."""

from __future__ import annotations

import pytest

from socialcrm.customer_import import MAX_RECORDS_PER_IMPORT, import_customers, same_record
from socialcrm.customers import Rejected, SyncDeps, parse_customer, sync_customers
from socialcrm.errors import InvalidRecord
from socialcrm.processing import ProcessorDeps, process_post
from tests.fakes import (
    FakeBulkCustomers,
    FakeCards,
    FakeCustomers,
    FakeLinkCodes,
    FakePosts,
    FakePushQueue,
    FakeReviews,
    FakeSentiment,
    FakeTombstones,
    FixedClock,
)
from tests.unit.test_processing import a_post


def a_world():
    posts, cards = FakePosts(), FakeCards()
    customers = FakeCustomers(base=posts.base)
    clock, reviews, codes = FixedClock(), FakeReviews(), FakeLinkCodes()
    processor = ProcessorDeps(posts, customers, cards, FakePushQueue(), FakeSentiment(), clock, reviews, codes, "GB",
                              ledger=posts)
    sync = SyncDeps(customers, posts, cards, "GB", clock, reviews, codes, tombstones=FakeTombstones(),
                    bulk=FakeBulkCustomers(customers, cards))
    return processor, sync


def snapshot(sync: SyncDeps) -> dict:
    customers, posts = sync.customers, sync.posts
    return {
        "records": dict(customers.records),
        "links": {key: sorted(links) for key, links in customers.links.items() if links},
        "base": {segment: count for segment, count in customers.base.items() if count},
        "cards": dict(sync.cards.cards),
        "posts": {key: (post.customer_id, post.match_status) for key, post in posts.items.items()},
        "held": sorted(sync.reviews.held),
        "tombstones": dict(sync.tombstones.days),
    }


EXISTING = [
    {"customer_id": "old-same", "name": "Grace Hopper", "phones": ["07911 000001"], "segment": "gold"},
    {"customer_id": "old-changed", "name": "Alan Turing", "phones": ["07911 000002"]},
    {"customer_id": "old-phone", "name": "Katherine Johnson", "phones": ["07911 000003"]},
]
BATCH = [
    {"customer_id": "new-1", "name": "Ada Lovelace", "phones": ["07911 123456", "12345"], "segment": "gold",
     "emails": ["ada@example.com"], "social": [{"platform": "facebook", "user_id": "1001"}]},
    {"customer_id": "bad", "country": "Britain"},
    {"customer_id": "new-2", "name": "Bob Smith", "phones": ["07911 123457"], "emails": ["home@example.com"]},
    {"customer_id": "new-3", "name": "Carol Smith", "phones": ["07911 123457"], "emails": ["home@example.com"]},
    {"customer_id": "new-4", "name": "Dan Jones", "phones": ["07911 000003"]},  # old-phone's number
    {"customer_id": "old-same", "name": "Grace Hopper", "phones": ["07911 000001"], "segment": "gold"},
    {"customer_id": "old-changed", "name": "Alan Turing", "phones": ["07911 000009"], "segment": "silver"},
    {"customer_id": "twice", "name": "First"},
    {"customer_id": "twice", "name": "Second", "emails": ["second@example.com"]},
    {"customer_id": "new-5", "social": [{"platform": "instagram", "handle": "@dora.builds"}], "returning": "yes"},
]


def test_a_mixed_batch_ends_as_the_per_record_sync_leaves_it():
    answers, states = [], []
    for load in (sync_customers, import_customers):
        processor, sync = a_world()
        sync_customers(EXISTING, sync)
        process_post(a_post("early", user_id="1001", name="Ada Lovelace"), processor)  # before Ada's record
        assert processor.posts.items["facebook#early"].customer_id is None
        answers.append(load(BATCH, sync))
        states.append(snapshot(sync))
    by_record, in_bulk = answers
    assert (in_bulk.upserted, in_bulk.rejected, in_bulk.warnings) == (by_record.upserted, by_record.rejected,
                                                                      by_record.warnings)
    assert in_bulk.rejected == (Rejected(1, "country: must be a two-letter ISO 3166 code"),
                                Rejected(9, "returning: must be true or false (JSON booleans only)"))
    assert [(w.index, w.field) for w in in_bulk.warnings] == [(0, "phones[1]")]
    assert states[1] == states[0]
    after = states[1]
    assert after["posts"]["facebook#early"][0] == "new-1"  # the earlier post found its customer
    assert after["cards"]["PHONE#+447911123457"]["shared"] is True  # two records of the batch
    assert after["cards"]["EMAIL#home@example.com"]["shared"] is True
    assert after["cards"]["PHONE#+447911000003"]["shared"] is True  # a record of the batch and a stored one
    assert after["records"]["twice"].name == "Second"  # the last of the batch, as the sync leaves it
    # new-1, new-2, new-3 created (the number the last two share gets the marker); old-same unchanged; new-4 (a
    # card already under its number), old-changed and both "twice" the careful way
    assert (in_bulk.created, in_bulk.unchanged, in_bulk.careful) == (3, 1, 4)


def test_new_records_take_one_read_and_one_create_whatever_their_number():
    _, sync = a_world()
    records = [{"customer_id": f"c-{n}", "name": f"Person {n}", "phones": [f"07911 {n:06d}"],
                "emails": [f"p{n}@example.com"]} for n in range(300)]
    answer = import_customers(records, sync)
    assert (answer.upserted, answer.created, answer.careful) == (300, 300, 0)
    assert sync.bulk.calls == 2
    assert sync.customers.base["none"] == 300
    card = sync.cards.cards["PHONE#+447911000007"]
    assert card["customer_name"] == "Person 7" and card == sync.cards.cards["EMAIL#p7@example.com"]
    assert sync.cards.cards["CUSTOMER#c-7"] == card


def test_the_same_batch_again_changes_nothing_and_counts_nobody_twice():
    _, sync = a_world()
    records = [{"customer_id": f"c-{n}", "phones": [f"07911 {n:06d}"], "segment": "gold"} for n in range(20)]
    import_customers(records, sync)
    before = snapshot(sync)
    again = import_customers(records, sync)  # a resumed import sends a batch that was done
    assert (again.upserted, again.created, again.unchanged, again.careful) == (20, 0, 20, 0)
    assert snapshot(sync) == before
    assert sync.customers.base["gold"] == 20


def test_an_erased_customer_is_refused_unless_the_record_says_returning():
    _, sync = a_world()
    sync.tombstones.bury("gone", "2026-01-02")
    sync.tombstones.bury("back", "2026-01-03")
    answer = import_customers([{"customer_id": "gone", "phones": ["07911 111111"]},
                               {"customer_id": "back", "phones": ["07911 222222"], "returning": True},
                               {"customer_id": "fine"}], sync)
    assert answer.upserted == 2
    assert [r.index for r in answer.rejected] == [0]
    assert answer.rejected[0].error.startswith("customer_id: erased on 2026-01-02; send \"returning\": true")
    assert "gone" not in sync.customers.records and "PHONE#+447911111111" not in sync.cards.cards
    assert "back" in sync.customers.records and sync.tombstones.days == {"gone": "2026-01-02"}


def test_a_phone_already_carded_for_someone_else_goes_the_careful_way_and_shows_nobody():
    _, sync = a_world()
    sync_customers([{"customer_id": "first", "name": "First", "phones": ["07911 123123"]}], sync)
    answer = import_customers([{"customer_id": "second", "name": "Second", "phones": ["07911 123123"]}], sync)
    assert (answer.created, answer.careful) == (0, 1)
    assert sync.cards.cards["PHONE#+447911123123"]["shared"] is True
    assert sync.cards.cards["CUSTOMER#second"]["customer_name"] == "Second"


def test_a_batch_that_is_not_a_list_or_too_long_is_refused_whole():
    _, sync = a_world()
    with pytest.raises(InvalidRecord, match="must be a list"):
        import_customers({"customer_id": "x"}, sync)
    with pytest.raises(InvalidRecord, match=f"more than {MAX_RECORDS_PER_IMPORT} per call"):
        import_customers([{"customer_id": f"c-{n}"} for n in range(MAX_RECORDS_PER_IMPORT + 1)], sync)
    assert sync.customers.records == {}


def test_a_stored_record_is_the_same_whatever_the_order_of_its_keys_and_learned_links():
    sent = parse_customer({"customer_id": "c", "phones": ["07911 123456"], "emails": ["a@example.com"],
                           "social": [{"platform": "facebook", "user_id": "1"}]}, "GB")
    stored = sent.__class__(**{**vars(sent), "identity_keys": tuple(sorted(sent.identity_keys)),
                               "linked_keys": ("handle:instagram:a",)})
    assert same_record(stored, sent)
    assert not same_record(stored.__class__(**{**vars(stored), "city": "Leeds"}), sent)


def test_erased_customers_in_any_order_end_as_the_per_record_sync_leaves_them():
    batch = [{"customer_id": "back", "name": "Back", "returning": True}, {"customer_id": "back", "name": "Again"},
             {"customer_id": "gone", "name": "Gone"}, {"customer_id": "gone", "name": "Gone", "returning": True},
             {"customer_id": "never", "name": "Never"}]
    answers, states = [], []
    for load in (sync_customers, import_customers):
        _, sync = a_world()
        for customer_id in ("back", "gone", "never"):
            sync.tombstones.bury(customer_id, "2026-02-03")
        answers.append(load(batch, sync))
        states.append(snapshot(sync))
    assert answers[1].rejected == answers[0].rejected
    assert [r.index for r in answers[1].rejected] == [2, 4]
    assert answers[1].upserted == answers[0].upserted == 3
    assert states[1] == states[0]
    assert states[1]["records"]["back"].name == "Again" and states[1]["tombstones"] == {"never": "2026-02-03"}
