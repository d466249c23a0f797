"""Phone and email cards when records change at the same moment (two syncs, a sync and a post)."""

from __future__ import annotations

from socialcrm.cards import is_shared
from socialcrm.customers import sync_customers
from tests.unit.test_processing import a_post

ADA_PHONE = "PHONE#+447911123456"
CAROL = {"customer_id": "c-3", "name": "Carol", "phones": ["07911 123456"]}


def interleave(cards, monkeypatch, key: str, other_work) -> None:
    """Run `other_work` just before the first card write under `key` lands (a slower writer's put)."""
    put = cards.put

    def late_put(keys, card):
        if key in keys:
            monkeypatch.setattr(cards, "put", put)
            other_work()
        put(keys, card)

    monkeypatch.setattr(cards, "put", late_put)


def test_a_card_written_after_another_record_took_the_number_is_replaced_by_the_marker(world, monkeypatch):
    deps, sync = world
    # Ada's post reads the number's holders (only her), then Carol's sync adds the number and writes the
    # marker, then Ada's card write lands on top of it.
    interleave(deps.cards, monkeypatch, ADA_PHONE, lambda: sync_customers([CAROL], sync))
    from socialcrm.processing import process_post

    process_post(a_post(), deps)
    assert is_shared(deps.cards.cards[ADA_PHONE])
    assert deps.cards.cards["CUSTOMER#c-1"]["customer_name"] == "Ada Lovelace"


def test_a_marker_written_after_the_number_stopped_being_shared_gives_way_to_the_owners_card(world, monkeypatch):
    deps, sync = world
    sync_customers([CAROL], sync)
    assert is_shared(deps.cards.cards[ADA_PHONE])
    # Ada's post reads both holders, then Carol's record drops the number (and rebuilds Ada's card), then
    # Ada's marker write lands on top of it.
    interleave(deps.cards, monkeypatch, ADA_PHONE, lambda: sync_customers([{**CAROL, "phones": []}], sync))
    from socialcrm.processing import process_post

    process_post(a_post(), deps)
    assert deps.cards.cards[ADA_PHONE]["customer_name"] == "Ada Lovelace"
    assert deps.cards.cards[ADA_PHONE]["posts"][0]["text"] == "My order arrived broken"
