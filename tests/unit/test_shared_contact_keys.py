"""Phone and email cards when records change at the same moment (two syncs, a sync and a post)."""

from __future__ import annotations

from socialcrm.cards import is_shared
from socialcrm.customers import sync_customers
from tests.unit.test_processing import a_post

ADA_PHONE = "PHONE#+447911123456"
CAROL = {"customer_id": "c-3", "name": "Carol", "phones": ["07911 123456"]}


def interleave(cards, monkeypatch, key: str, other_work, unconditional: bool = False) -> None:
    """Run `other_work` just before the first card write under `key` lands (a slower writer's put); with
    `unconditional`, the first write that is not renewed on condition."""
    put = cards.put

    def late_put(keys, card, **condition):
        if key in keys and not (unconditional and condition):
            monkeypatch.setattr(cards, "put", put)
            other_work()
        put(keys, card, **condition)

    monkeypatch.setattr(cards, "put", late_put)


def test_a_card_written_after_another_record_took_the_number_is_replaced_by_the_marker(world, monkeypatch):
    deps, sync = world
    # Ada's post renews her card where it stands (her number held her card), then Carol's sync adds the number
    # and writes the marker, then Ada's write lands: on the condition that the number still holds her card.
    interleave(deps.cards, monkeypatch, ADA_PHONE, lambda: sync_customers([CAROL], sync))
    from socialcrm.processing import process_post

    process_post(a_post(), deps)
    assert is_shared(deps.cards.cards[ADA_PHONE])
    assert deps.cards.cards["CUSTOMER#c-1"]["customer_name"] == "Ada Lovelace"


def test_a_marker_written_after_the_number_stopped_being_shared_gives_way_to_the_owners_card(world, monkeypatch):
    deps, sync = world
    sync_customers([CAROL], sync)
    assert is_shared(deps.cards.cards[ADA_PHONE])
    # Ada's post renews her card in place; just before its write under the number lands (the number holds the
    # marker), Carol's record drops the number and rebuilds Ada's card there: the write finds her card.
    interleave(deps.cards, monkeypatch, ADA_PHONE, lambda: sync_customers([{**CAROL, "phones": []}], sync))
    from socialcrm.processing import process_post

    process_post(a_post(), deps)
    assert deps.cards.cards[ADA_PHONE]["customer_name"] == "Ada Lovelace"
    assert deps.cards.cards[ADA_PHONE]["posts"][0]["text"] == "My order arrived broken"


def test_a_post_renews_the_card_where_it_stands_and_leaves_a_shared_number_to_the_marker(world):
    deps, sync = world
    sync_customers([CAROL], sync)
    from socialcrm.processing import process_post

    holders_read = []
    identity_links = deps.customers.identity_links
    deps.customers.identity_links = lambda key, consistent=False: (
        holders_read.append(key) if consistent else None, identity_links(key, consistent))[1]
    process_post(a_post(), deps)
    assert is_shared(deps.cards.cards[ADA_PHONE])  # the marker stays: no names, no posts
    assert deps.cards.cards["CUSTOMER#c-1"]["posts"][0]["text"] == "My order arrived broken"
    assert holders_read == []  # nothing placed again: the number's holders were not read


def test_a_post_places_a_card_under_a_number_that_holds_none_from_its_holders(world):
    deps, _ = world
    deps.cards.delete([ADA_PHONE])  # never placed (or cleared)
    from socialcrm.processing import process_post

    holders_read = []
    identity_links = deps.customers.identity_links
    deps.customers.identity_links = lambda key, consistent=False: (
        holders_read.append(key) if consistent else None, identity_links(key, consistent))[1]
    process_post(a_post(), deps)
    assert deps.cards.cards[ADA_PHONE]["posts"][0]["text"] == "My order arrived broken"
    assert "phone:+447911123456" in holders_read


def test_a_card_placed_by_a_post_after_another_record_took_the_number_is_replaced_by_the_marker(world, monkeypatch):
    deps, sync = world
    deps.cards.delete([ADA_PHONE])
    # Ada's post places her card (the number held none): it reads the holders (only her), then Carol's sync adds
    # the number and writes the marker, then Ada's card write lands on top of it and is corrected.
    interleave(deps.cards, monkeypatch, ADA_PHONE, lambda: sync_customers([CAROL], sync), unconditional=True)
    from socialcrm.processing import process_post

    process_post(a_post(), deps)
    assert is_shared(deps.cards.cards[ADA_PHONE])


def test_a_card_is_not_rewritten_when_a_post_changes_nothing_the_lookup_shows(world):
    """Ada's card shows her newest posts and the times of her newest 200: a late delivery of an older one (a
    poller catching up) changes neither, so no card is written; a newer post is."""
    from socialcrm.cards import CARD_TIMES
    from socialcrm.processing import Delivery, process_batch, process_post

    deps, _ = world
    newer = [Delivery(a_post(f"n{n}", created=f"2026-11-2{n // 100}T{n % 100 // 4:02d}:{n % 4 * 15:02d}:00Z"),
                      f"m-n{n}") for n in range(CARD_TIMES)]
    assert {r.status for r in process_batch(newer, deps)} == {"stored"}
    card = deps.cards.cards["CUSTOMER#c-1"]
    written = []
    put, put_in_place = deps.cards.put, deps.cards.put_in_place
    deps.cards.put = lambda keys, card, **condition: (written.append(list(keys)), put(keys, card, **condition))[1]
    deps.cards.put_in_place = lambda *args: (written.append(args[0]), put_in_place(*args))[1]
    assert process_post(a_post("old", created="2026-11-01T09:00:00Z"), deps).status == "stored"
    assert written == [] and deps.cards.cards["CUSTOMER#c-1"] == card
    assert process_post(a_post("new", created="2026-11-23T09:00:00Z"), deps).status == "stored"
    assert written and deps.cards.cards["CUSTOMER#c-1"]["posts"][0]["post_key"] == "facebook#new"
