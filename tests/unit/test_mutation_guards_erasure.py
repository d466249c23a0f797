"""Erasing a customer or an account (socialcrm.erasure): what `make mutation` showed no test noticing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from socialcrm.erasure import MARKER_DAYS, ErasureDeps, erase
from socialcrm.model import PostKey
from socialcrm.processing import process_post
from socialcrm.review import handle
from tests.unit.test_erasure_requests import ContactState
from tests.unit.test_matching import card_post_keys
from tests.unit.test_processing import a_post


class RecordingEraser:
    """A connector keeping copies of posts: what it was asked to erase, and how many copies each call found."""

    def __init__(self, erases: str, found: int) -> None:
        self.erases, self.found = erases, found
        self.calls: list[tuple[str, list[PostKey] | None]] = []

    def erase(self, customer_id: str, post_keys: Sequence[PostKey] | None = None) -> int:
        self.calls.append((customer_id, None if post_keys is None else list(post_keys)))
        return self.found


@pytest.fixture
def erasure(world):
    processor, sync = world
    process_post(a_post("p1", text="Ada's complaint"), processor)  # Ada's Facebook account, on the CRM record
    process_post(a_post("anon", user_id="5555", text="someone else"), processor)  # linked to nobody
    deps = ErasureDeps(processor.customers, processor.posts, processor.cards, ContactState(), processor.clock,
                       processor.reviews, processor.codes, "GB")
    return processor, sync, deps


def instagram_post(post_id: str, user_id: str, handle_: str = "ada.l"):
    return a_post(post_id, user_id=user_id, handle=handle_, platform="instagram", name=None)


def test_an_erased_account_is_marked_for_the_time_a_queue_can_hold_a_message(erasure):
    processor, _, deps = erasure
    erase({"platform": "facebook", "user_id": "5555"}, deps)
    assert processor.customers.markers == {"id:facebook:5555": int(processor.clock().timestamp()) + MARKER_DAYS * 86400}


def test_erasing_an_account_whose_user_id_holds_colons_names_only_the_platform_in_the_receipt(erasure):
    _, _, deps = erasure
    receipt = erase({"platform": "linkedin", "user_id": "urn:li:person:Ab12"}, deps)
    assert receipt.subject == "identity id:linkedin"


def test_an_erased_accounts_expired_post_still_awaiting_ttl_is_deleted_too(erasure, monkeypatch):
    processor, _, deps = erasure
    live_state = processor.posts.get_state
    monkeypatch.setattr(processor.posts, "get_state",  # the table still holds it, but reads ignore it
                        lambda key: None if key.text == "facebook#anon" else live_state(key))
    receipt = erase({"platform": "facebook", "user_id": "5555"}, deps)
    assert "facebook#anon" not in processor.posts.items
    assert receipt.counts["posts"] == 0  # it could not be read, so it is not counted


def test_connectors_erase_an_accounts_copies_only_from_the_profiles_of_customers_its_posts_were_linked_to(erasure):
    _, _, deps = erasure
    eraser = RecordingEraser("profile_objects", 1)
    deps.erasers = (eraser,)
    assert erase({"platform": "facebook", "user_id": "5555"}, deps).counts["profile_objects"] == 0
    assert eraser.calls == []  # its post was linked to nobody: no profile holds a copy

    assert erase({"platform": "facebook", "user_id": "1001"}, deps).counts["profile_objects"] == 1
    assert eraser.calls == [("c-1", [PostKey("facebook", "p1")])]


@pytest.mark.parametrize("request_", [{"platform": "facebook", "user_id": "1001"}, {"customer_id": "c-1"}])
def test_every_connectors_copies_are_counted_under_the_kind_each_one_erases(erasure, request_):
    _, _, deps = erasure
    deps.erasers = (RecordingEraser("profile_objects", 2), RecordingEraser("profile_objects", 3),
                    RecordingEraser("crm_notes", 4))
    receipt = erase(request_, deps)
    assert (receipt.counts["profile_objects"], receipt.counts["crm_notes"]) == (5, 4)


def test_erasing_an_account_on_the_crm_record_keeps_the_records_link_and_counts_no_link_removed(erasure):
    processor, _, deps = erasure
    receipt = erase({"platform": "facebook", "user_id": "1001"}, deps)
    assert processor.customers.links["id:facebook:1001"] == {("c-1", "crm")}
    assert receipt.counts["identity_keys"] == 0


def test_erasing_an_account_counts_each_of_its_links_and_handle_holder_notes_removed(erasure):
    processor, sync, deps = erasure
    process_post(instagram_post("ig2", "ig-7"), processor)  # linked to Ada by her handle, noted as its holder
    handle({"action": "reject", "post_key": "instagram#ig2", "customer_id": "c-2"}, sync.linking)
    links = processor.customers.links
    assert links["id:instagram:ig-7"] == {("c-1", "linked:handle_on_record"), ("c-2", "rejected")}

    receipt = erase({"platform": "instagram", "user_id": "ig-7"}, deps)

    assert not links["id:instagram:ig-7"]
    assert ("c-1", "holder:id:instagram:ig-7") not in links["handle:instagram:ada.l"]
    assert receipt.counts["identity_keys"] == 3


def test_erasing_an_account_that_later_used_a_customers_handle_keeps_the_note_of_the_account_that_held_it(erasure):
    processor, _, deps = erasure
    process_post(instagram_post("ig8", "ig-8"), processor)  # the first account under Ada's handle: its holder
    process_post(instagram_post("ig7", "ig-7"), processor)  # another account under it later: held for review
    links = processor.customers.links
    before = {("c-1", "crm"), ("c-1", "holder:id:instagram:ig-8")}
    assert links["handle:instagram:ada.l"] == before

    receipt = erase({"platform": "instagram", "user_id": "ig-7"}, deps)

    assert links["handle:instagram:ada.l"] == before  # a later post by ig-7's successor is still noticed
    assert receipt.counts["identity_keys"] == 0


def test_an_erased_accounts_posts_leave_the_card_of_the_customer_they_were_linked_to(erasure):
    processor, _, deps = erasure
    process_post(instagram_post("ig2", "ig-7"), processor)
    assert card_post_keys(processor, "c-1") == ["instagram#ig2", "facebook#p1"]

    erase({"platform": "instagram", "user_id": "ig-7"}, deps)

    assert card_post_keys(processor, "c-1") == ["facebook#p1"]
