from datetime import UTC, datetime

import pytest

from socialcrm.customers import SyncResult, sync_customers
from socialcrm.model import Author, CanonicalPost
from socialcrm.processing import is_actionable, process_post
from tests.fakes import (
    FixedClock,
)


def a_post(post_id="p1", user_id="1001", handle=None, text="My order arrived broken", kind="comment",
           platform="facebook", created="2026-11-20T09:00:00Z", verb="add", name="Someone"):
    return CanonicalPost(platform=platform, post_id=post_id, kind=kind,
                         author=Author(platform, user_id, handle, name), text=text, created_at=created,
                         url=f"https://example.test/{post_id}", source="meta", verb=verb)


def test_five_deliveries_store_one_post_and_count_once(world):
    deps, _ = world
    outcomes = [process_post(a_post(), deps).status for _ in range(5)]
    assert outcomes == ["stored"] + ["duplicate"] * 4
    assert list(deps.posts.items) == ["facebook#p1"]
    assert deps.posts.read_hour("2026-11-20T09:00:00Z")["Posts|Platform=facebook|Kind=comment"] == 1
    assert len(deps.push_queue.pushes) == 1


def test_a_redelivery_that_loses_the_race_to_store_leaves_the_push_to_the_winner(world):
    deps, _ = world
    deps.posts.get_state = lambda _key: None  # both deliveries looked before either stored (two workers)
    assert process_post(a_post(), deps).status == "stored"
    assert process_post(a_post(), deps).status == "duplicate"
    assert len(deps.push_queue.pushes) == 1
    assert deps.posts.read_hour("2026-11-20T09:00:00Z")["Posts|Platform=facebook|Kind=comment"] == 1


def test_a_retry_after_a_failure_past_the_store_finishes_the_post(world, monkeypatch):
    deps, _ = world
    put = deps.cards.put

    def fail_once(keys, card):
        monkeypatch.setattr(deps.cards, "put", put)
        raise TimeoutError("table throttled")

    monkeypatch.setattr(deps.cards, "put", fail_once)
    with pytest.raises(TimeoutError):
        process_post(a_post(), deps)
    # stored, but neither pushed nor counted: its batch's counts (written last) do not name it
    assert ("facebook#p1" in deps.posts.items, deps.push_queue.pushes) == (True, [])
    assert "Posts|Platform=facebook|Kind=comment" not in deps.posts.read_hour("2026-11-20T09:00:00Z")
    assert process_post(a_post(), deps).status == "stored"
    assert process_post(a_post(), deps).status == "duplicate"  # done now
    assert len(deps.push_queue.pushes) == 1
    assert deps.posts.read_hour("2026-11-20T09:00:00Z")["Posts|Platform=facebook|Kind=comment"] == 1


def test_matched_negative_post_updates_card_and_pushes(world):
    deps, _ = world
    outcome = process_post(a_post(), deps)
    assert outcome.matched and outcome.actionable
    card = deps.cards.cards["PHONE#+447911123456"]
    assert card["customer_id"] == "c-1"
    assert card["posts"][0]["text"] == "My order arrived broken"
    push = deps.push_queue.pushes[0]
    assert (push.customer_id, push.reason) == ("c-1", "negative")
    assert deps.cards.cards["PHONE#+447912345678"]["posts"] == []  # Bob is known, with no posts


def test_neutral_public_comment_is_pushed_not_actionable_but_a_direct_message_is(world):
    deps, _ = world
    process_post(a_post("p2", text="What time do you open?"), deps)
    process_post(a_post("m1", text="What time do you open?", kind="message"), deps)
    assert [(p.post_id, p.reason, p.actionable) for p in deps.push_queue.pushes] == [
        ("p2", "", False), ("m1", "direct_message", True)]
    assert deps.push_queue.pushes[0].match_key == "id:facebook:1001"


def test_unknown_author_is_stored_unmatched_and_counted(world):
    deps, _ = world
    outcome = process_post(a_post("p3", user_id="9999"), deps)
    assert (outcome.status, outcome.matched) == ("stored", False)
    assert deps.posts.items["facebook#p3"].customer_id is None
    assert deps.posts.read_hour("2026-11-20T09:00:00Z")["UnmatchedPosts|Platform=facebook"] == 1
    assert deps.push_queue.pushes == []


def test_handle_match_is_case_and_at_insensitive(world):
    deps, _ = world
    outcome = process_post(a_post("ig1", user_id=None, handle="ADA.L", platform="instagram", name="Ada Lovelace"),
                           deps)
    assert outcome.matched
    assert deps.posts.items["instagram#ig1"].customer_id == "c-1"
    assert deps.posts.items["instagram#ig1"].evidence == ("handle_on_record", "name_match")


def test_a_handle_on_the_record_links_without_a_name(world):
    deps, _ = world  # Instagram comments carry a username and no display name
    outcome = process_post(a_post("ig2", user_id=None, handle="@ada.l", platform="instagram", name=None), deps)
    assert outcome.matched
    assert deps.posts.items["instagram#ig2"].evidence == ("handle_on_record",)


def test_a_handle_on_the_record_shown_under_a_pseudonym_does_not_link_alone(world):
    deps, _ = world  # the handle may have been released and taken: nothing shows who holds it now
    outcome = process_post(a_post("ig3", user_id=None, handle="@ada.l", platform="instagram", name="xX_gamer_Xx"),
                           deps)
    assert not outcome.matched


def test_a_handle_under_another_real_name_is_held_for_review_and_not_shown(world):
    deps, _ = world
    outcome = process_post(a_post("ig2", user_id=None, handle="@ada.l", platform="instagram", name="Grace Hopper"),
                           deps)
    assert not outcome.matched
    assert "name_differs" in deps.reviews.held["instagram#ig2"]["candidates"][0]["evidence"]
    assert deps.posts.items["instagram#ig2"].match_status == "candidate"
    assert [c["customer_id"] for c in deps.reviews.held["instagram#ig2"]["candidates"]] == ["c-1"]
    assert all(p["post_key"] != "instagram#ig2" for p in deps.cards.cards["CUSTOMER#c-1"]["posts"])


def test_identity_shared_by_two_customers_never_links(world):
    deps, sync = world
    sync_customers([{"customer_id": "c-3", "social": [{"platform": "facebook", "user_id": "1001"}]}], sync)
    outcome = process_post(a_post("p4"), deps)
    assert not outcome.matched
    assert deps.push_queue.pushes == []


def test_removal_deletes_post_and_rebuilds_card(world):
    deps, _ = world
    process_post(a_post("p5", text="first"), deps)
    process_post(a_post("p6", text="second", created="2026-11-20T09:30:00Z"), deps)
    assert deps.cards.cards["CUSTOMER#c-1"]["posts"][0]["text"] == "second"
    assert process_post(a_post("p6", text="", verb="remove"), deps).status == "deleted"
    assert "facebook#p6" not in deps.posts.items
    assert [p["text"] for p in deps.cards.cards["CUSTOMER#c-1"]["posts"]] == ["first"]


def test_edit_updates_text_on_card(world):
    deps, _ = world
    process_post(a_post("p7", text="fine"), deps)
    assert process_post(a_post("p7", text="now it is broken", verb="edit"), deps).status == "updated"
    assert deps.cards.cards["CUSTOMER#c-1"]["posts"][0]["text"] == "now it is broken"


def test_customer_added_after_posts_gets_them_linked(world):
    deps, sync = world
    process_post(a_post("p8", user_id="3003", text="late customer"), deps)
    assert deps.posts.items["facebook#p8"].customer_id is None
    answer = sync_customers([{"customer_id": "c-9", "phones": ["+1 415 555 2671"],
                              "social": [{"platform": "facebook", "user_id": "3003"}]}], sync)
    assert answer == SyncResult(1)
    assert deps.posts.items["facebook#p8"].customer_id == "c-9"
    assert deps.cards.cards["PHONE#+14155552671"]["posts"][0]["text"] == "late customer"


def test_removing_an_identity_unlinks_its_posts(world):
    deps, sync = world
    process_post(a_post("p9"), deps)
    sync_customers([{"customer_id": "c-1", "name": "Ada Lovelace", "phones": ["07911 123456"]}], sync)
    assert deps.posts.items["facebook#p9"].customer_id is None
    assert deps.cards.cards["PHONE#+447911123456"]["posts"] == []


def test_actionable_rule_needs_a_match():
    from socialcrm.model import AnalyzedPost

    post = a_post()
    assert is_actionable(AnalyzedPost(post, "negative", -0.9)) is None
    assert is_actionable(AnalyzedPost(post, "negative", -0.9, "c-1")) == "negative"
    assert is_actionable(AnalyzedPost(post, "positive", 0.9, "c-1")) is None


def test_posts_count_in_the_hour_they_were_written(world):
    deps, _ = world
    deps.clock = FixedClock(datetime(2026, 11, 21, 0, 30, tzinfo=UTC))  # delivered late, after midnight
    process_post(a_post("p10", created="2026-11-20T23:59:00Z"), deps)
    assert deps.posts.read_hour("2026-11-20T23:00:00Z")["PostsBySentiment|Sentiment=negative"] == 1
    process_post(a_post("p11", created="2026-11-21T05:00:00Z"), deps)  # a time in the future counts now
    assert deps.posts.read_hour("2026-11-21T00:00:00Z")["Posts|Platform=facebook|Kind=comment"] == 1


def test_a_reaction_is_counted_once_and_never_shown_or_linked(world):
    deps, _ = world
    like = a_post(post_id="like-1", kind="reaction", text="")
    assert [process_post(like, deps).status for _ in range(3)] == ["counted", "duplicate", "duplicate"]
    assert deps.posts.read_hour("2026-11-20T09:00:00Z")["Reactions|Platform=facebook"] == 1
    assert deps.posts.items["facebook#like-1"].customer_id is None
    assert deps.posts.keys_by_author("id:facebook:1001") == []  # a later relink cannot pick it up
    assert deps.cards.cards["PHONE#+447911123456"]["posts"] == []
    assert deps.push_queue.pushes == []


def test_a_whatsapp_message_matches_by_phone_and_links_later_by_phone(world):
    deps, sync = world
    message = CanonicalPost(platform="whatsapp", post_id="wamid.1", kind="message",
                            author=Author("whatsapp", None, None, "Carol", "+447400123456"), text="Where is it?",
                            created_at="2026-11-20T09:00:00Z", source="whatsapp")
    assert not process_post(message, deps).matched
    sync_customers([{"customer_id": "c-3", "name": "Carol", "phones": ["07400 123456"]}], sync)
    assert deps.posts.items["whatsapp#wamid.1"].customer_id == "c-3"
    assert deps.cards.cards["PHONE#+447400123456"]["posts"][0]["text"] == "Where is it?"
    again = CanonicalPost(platform="whatsapp", post_id="wamid.2", kind="message",
                          author=Author("whatsapp", None, None, "Carol", "+447400123456"), text="Hello?",
                          created_at="2026-11-20T09:05:00Z", source="whatsapp")
    assert process_post(again, deps).matched


def test_the_sdks_retry_of_a_store_whose_answer_was_lost_is_not_taken_for_another_delivery(world, monkeypatch):
    deps, _ = world
    store = deps.posts.store_new

    def answer_lost(analyzed, batch, delivery):
        store(analyzed, batch, delivery)  # the write happened; its answer never came back, so the SDK sends it again
        return store(analyzed, batch, delivery)

    monkeypatch.setattr(deps.posts, "store_new", answer_lost)
    assert process_post(a_post(), deps).status == "stored"
    assert deps.posts.read_hour("2026-11-20T09:00:00Z")["Posts|Platform=facebook|Kind=comment"] == 1
    assert len(deps.push_queue.pushes) == 1
