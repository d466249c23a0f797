"""Erasing a customer or an account (socialcrm.erasure): what `make mutation` showed no test noticing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from socialcrm.customers import SyncResult, sync_customers
from socialcrm.erasure import MARKER_DAYS, ErasureDeps, erase
from socialcrm.errors import InvalidRecord
from socialcrm.model import Author, PostKey
from socialcrm.processing import process_post
from socialcrm.replies.service import Submission, submit_reply
from socialcrm.review import handle
from tests.unit.test_erasure_requests import ContactState
from tests.unit.test_matching import card_post_keys
from tests.unit.test_processing import a_post
from tests.unit.test_reply_loop import AGENT, customer_comment, erasure_of, loop


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


@pytest.mark.parametrize(("request_", "field", "problem"), [
    ("c-1", "request", "must be an object"),
    ({"customer_id": 7}, "customer_id", "must be a non-empty string"),
    ({"user_id": "1001"}, "platform", "is required when customer_id is not given"),
    ({"platform": "facebook"}, "user_id", "or handle is required with platform")])
def test_a_request_naming_nobody_tells_the_caller_what_is_missing(erasure, request_, field, problem):
    _, _, deps = erasure
    with pytest.raises(InvalidRecord) as refused:
        erase(request_, deps)
    assert (refused.value.field, refused.value.problem) == (field, problem)


def test_erasing_a_customer_with_a_learned_account_marks_each_key_once_and_counts_exactly_what_went(erasure):
    processor, _, deps = erasure
    process_post(instagram_post("ig2", "ig-7"), processor)  # learned by Ada's handle; the handle notes ig-7 as holder
    until = int(processor.clock().timestamp()) + MARKER_DAYS * 86400

    receipt = erase({"customer_id": "c-1"}, deps)

    marked = ("customer:c-1", "id:facebook:1001", "handle:instagram:ada.l", "phone:+447911123456", "id:instagram:ig-7")
    assert processor.customers.markers == dict.fromkeys(marked, until)
    assert receipt.counts == {
        "customer_records": 1, "identity_keys": 5, "posts": 2, "replies": 0, "match_candidates": 0, "link_codes": 0,
        "cards": 2, "task_windows": 0, "profile_objects": 0, "markers": 5, "tombstones": 0}
    assert sorted(processor.posts.items) == ["facebook#anon"]


def test_erasing_a_customer_erases_what_their_accounts_wrote_even_posts_an_agent_unlinked_or_holds(erasure):
    processor, sync, deps = erasure
    whatsapp = replace(a_post("w1", platform="whatsapp", kind="message"),
                       author=Author("whatsapp", None, None, None, "+447911123456"))  # by the phone on the record
    process_post(whatsapp, processor)
    process_post(a_post("ig", user_id=None, handle="ada.l", platform="instagram", text="Ada on IG"), processor)
    for post_key in ("facebook#p1", "whatsapp#w1"):
        handle({"action": "unlink", "post_key": post_key}, sync.linking)
    assert [processor.posts.items[key].customer_id for key in ("facebook#p1", "whatsapp#w1", "instagram#ig")] == \
        [None, None, None]
    assert list(processor.reviews.held) == ["instagram#ig"]

    receipt = erase({"customer_id": "c-1"}, deps)

    assert sorted(processor.posts.items) == ["facebook#anon"]
    assert receipt.counts["posts"] == 3
    assert processor.reviews.held == {}


def test_erasing_a_customer_leaves_an_account_an_agent_said_is_not_theirs(erasure):
    processor, sync, deps = erasure
    process_post(a_post("g1", user_id="ig-9", platform="instagram", name="Grace Hopper"), processor)
    handle({"action": "reject", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)
    assert processor.customers.get("c-1").linked_keys == ("id:instagram:ig-9",)

    erase({"customer_id": "c-1"}, deps)

    assert "instagram#g1" in processor.posts.items
    assert "id:instagram:ig-9" not in processor.customers.markers


def test_erasing_a_customer_asks_each_connector_for_every_copy_it_holds_of_them(erasure):
    _, _, deps = erasure
    eraser = RecordingEraser("profile_objects", 1)
    deps.erasers = (eraser,)
    erase({"customer_id": "c-1"}, deps)
    assert eraser.calls == [("c-1", None)]  # also copies of posts we no longer hold


def test_erasing_a_customer_whose_post_was_deleted_on_the_platform_still_erases_our_reply_to_them(world):
    processor, replies, _, _ = loop(world)
    process_post(customer_comment(), processor)
    sent = submit_reply(Submission(PostKey("facebook", "cm-1"), "So sorry, Ada"), AGENT, replies)
    process_post(replace(customer_comment(), verb="remove"), processor)  # she deleted her comment
    assert processor.posts.get_state(PostKey("facebook", "cm-1")) is None
    assert replies.store.get(sent.reply_id).customer_id == "c-1"

    receipt = erase({"customer_id": "c-1"}, erasure_of(processor, replies.store))

    assert replies.store.get(sent.reply_id) is None  # it answered her by name
    assert receipt.counts["replies"] == 1


def test_erasing_a_customer_known_by_name_only_counts_their_record_and_no_identity_key(erasure):
    processor, sync, deps = erasure
    assert sync_customers([{"customer_id": "c-3", "name": "Cy Nobody"}], sync) == SyncResult(1)
    receipt = erase({"customer_id": "c-3"}, deps)
    assert (receipt.counts["customer_records"], receipt.counts["identity_keys"]) == (1, 0)
    assert processor.customers.get("c-3") is None


def test_erasing_a_customer_counts_every_reply_to_them_and_skips_one_the_index_lists_but_that_is_gone(world,
                                                                                                   monkeypatch):
    processor, replies, _, _ = loop(world)
    for post_id in ("cm-1", "cm-2", "cm-3"):
        process_post(customer_comment(post_id), processor)
    sent = [submit_reply(Submission(PostKey("facebook", post_id), f"Sorry, Ada ({post_id})"), AGENT, replies)
            for post_id in ("cm-1", "cm-2", "cm-3")]
    gone = sent[2].reply_id  # deleted a moment ago (an earlier run); the reply indexes have not caught up yet
    records = replies.store.records
    monkeypatch.setattr(replies.store, "get", lambda reply_id: None if reply_id == gone else records.get(reply_id))
    monkeypatch.setattr(replies.store, "delete",
                        lambda reply_id: reply_id != gone and records.pop(reply_id, None) is not None)

    receipt = erase({"customer_id": "c-1"}, erasure_of(processor, replies.store))

    assert receipt.counts["replies"] == 2
    assert [reply_id for reply_id in records if reply_id != gone] == []


def test_a_post_held_with_the_erased_customer_and_another_stays_on_the_review_list_naming_only_the_other(erasure):
    processor, _, deps = erasure
    process_post(a_post("h1", user_id="7777", kind="message", text="it's me, call 07911 123456 or 07912 345678"),
                 processor)  # a stranger's message with Ada's and Bob's numbers
    assert [c["customer_id"] for c in processor.reviews.held["facebook#h1"]["candidates"]] == ["c-1", "c-2"]

    receipt = erase({"customer_id": "c-1"}, deps)

    assert processor.posts.items["facebook#h1"].match_status == "candidate"
    assert [c["customer_id"] for c in processor.reviews.held["facebook#h1"]["candidates"]] == ["c-2"]
    assert receipt.counts["match_candidates"] == 1


def test_a_post_held_again_after_an_erasure_keeps_its_own_time_on_the_review_list(erasure):
    processor, _, deps = erasure
    process_post(a_post("h1", user_id="7777", kind="message", text="it's me, call 07911 123456 or 07912 345678"),
                 processor)  # a stranger's message with Ada's and Bob's numbers

    erase({"customer_id": "c-1"}, deps)

    created_at = processor.posts.items["facebook#h1"].created_at
    assert created_at
    assert processor.reviews.held["facebook#h1"]["created_at"] == created_at


def test_erasing_a_customer_named_on_a_held_post_that_is_already_gone_completes(erasure):
    processor, _, deps = erasure
    process_post(a_post("h1", user_id="7777", kind="message", text="it's me, call 07911 123456 or 07912 345678"),
                 processor)
    processor.posts.delete(PostKey("facebook", "h1"))  # gone (TTL), its review item not yet

    receipt = erase({"customer_id": "c-1"}, deps)

    assert receipt.counts["match_candidates"] == 1
    assert processor.customers.get("c-1") is None


def test_a_customer_record_removed_by_a_concurrent_erasure_is_not_counted_twice(erasure, monkeypatch):
    processor, _, deps = erasure
    delete = processor.customers.delete

    def erased_meanwhile(customer_id):
        delete(customer_id)  # the other request removed the record and its identity items first
        return delete(customer_id)

    monkeypatch.setattr(processor.customers, "delete", erased_meanwhile)
    receipt = erase({"customer_id": "c-1"}, deps)

    assert (receipt.counts["customer_records"], receipt.counts["identity_keys"]) == (0, 0)
