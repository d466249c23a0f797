"""Erasure on fakes: every copy goes, queued work for the erased is dropped, a second run erases nothing."""

from __future__ import annotations

import json

import pytest

from socialcrm.erasure import ErasureDeps, erase
from socialcrm.errors import InvalidRecord
from socialcrm.model import Author, CanonicalPost
from socialcrm.processing import process_post
from socialcrm.push import deliver_push
from tests.unit.test_processing import a_post
from tests.unit.test_push import BODY, ScriptedConnector, deps_for, plenty


class ContactState:
    def forget(self, customer_id: str) -> int:
        return 0


@pytest.fixture
def erasure(world):
    deps, _ = world
    process_post(a_post("p1", text="Ada's complaint"), deps)
    process_post(a_post("ig", user_id=None, handle="ada.l", platform="instagram", text="Ada on IG"), deps)
    process_post(a_post("anon", user_id="5555", text="someone else"), deps)
    return deps, ErasureDeps(deps.customers, deps.posts, deps.cards, ContactState(), deps.clock, deps.reviews,
                             deps.codes, "GB")


def test_erasing_a_customer_removes_posts_cards_and_identities(erasure):
    processor, deps = erasure
    receipt = erase({"customer_id": "c-1"}, deps)
    assert receipt.counts["posts"] == 2 and receipt.counts["customer_records"] == 1
    assert receipt.counts["identity_keys"] >= 3 and receipt.counts["cards"] >= 2
    assert list(processor.posts.items) == ["facebook#anon"]
    assert "PHONE#+447911123456" not in processor.cards.cards and "CUSTOMER#c-1" not in processor.cards.cards
    assert processor.customers.get("c-1") is None
    assert processor.customers.customers_with_identity("id:facebook:1001") == []
    again = erase({"customer_id": "c-1"}, deps)
    assert again.total == 0


def test_a_queued_post_by_an_erased_author_is_dropped(erasure):
    processor, deps = erasure
    erase({"customer_id": "c-1"}, deps)
    assert process_post(a_post("late", text="written before the erasure, processed after"), processor).status == \
        "dropped"
    assert "facebook#late" not in processor.posts.items


def test_a_queued_push_for_an_erased_customer_is_dropped():
    connector = ScriptedConnector()
    deps, _ = deps_for(connector)
    deps.erased = lambda customer_ids: frozenset(customer_ids) & {json.loads(BODY)["customer_id"]}
    assert deliver_push(BODY, deps, plenty).status == "dropped"
    assert connector.attempts == 0


def test_erasing_an_identity_without_a_customer_record(erasure):
    processor, deps = erasure
    receipt = erase({"platform": "facebook", "user_id": "5555"}, deps)
    assert receipt.counts["posts"] == 1
    assert "facebook#anon" not in processor.posts.items
    late = CanonicalPost("facebook", "anon2", "comment", Author("facebook", "5555"), "again", "2026-11-20T09:00:00Z")
    assert process_post(late, processor).status == "dropped"


@pytest.mark.parametrize(("request_", "field"), [
    ({}, "platform"), ({"customer_id": ""}, "customer_id"), ({"platform": "x"}, "user_id"), ([], "request")])
def test_a_bad_request_names_the_field(erasure, request_, field):
    _, deps = erasure
    with pytest.raises(InvalidRecord) as caught:
        erase(request_, deps)
    assert caught.value.field == field


def test_erasing_an_account_removes_its_learned_link_and_handle_holder_note(erasure):
    processor, deps = erasure
    process_post(a_post("ig2", user_id="ig-7", handle="ada.l", platform="instagram", name=None), processor)
    links = processor.customers.links
    assert ("c-1", "holder:id:instagram:ig-7") in links["handle:instagram:ada.l"]
    assert ("c-1", "linked:handle_on_record") in links["id:instagram:ig-7"]

    erase({"platform": "instagram", "user_id": "ig-7"}, deps)
    assert all(source == "crm" for _, source in links["handle:instagram:ada.l"])
    assert not links["id:instagram:ig-7"]
