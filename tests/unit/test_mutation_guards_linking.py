"""An agent's decisions on an account (socialcrm.linking): what `make mutation` showed no test noticing."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from socialcrm import linking
from socialcrm.customers import sync_customers
from socialcrm.erasure import ErasureDeps, erase
from socialcrm.errors import InvalidRecord, NotFound
from socialcrm.model import PostKey
from socialcrm.processing import process_post
from socialcrm.review import MAX_PENDING, handle
from tests.unit.test_erasure import ContactState
from tests.unit.test_matching import ADA, card_post_keys
from tests.unit.test_processing import a_post
from tests.unit.test_review_requests import held_posts


def index_stays_as_it_is_now(posts) -> None:
    """The customer index answers from now on as it stands now: a Query right after a write may not show it."""
    shown = dict(posts.items)
    posts.recent_for_customer = lambda customer_id, limit: sorted(
        (p for p in shown.values() if p.customer_id == customer_id), key=lambda p: p.created_at, reverse=True)[:limit]


def card_posts(deps, customer_id) -> dict[str, str]:
    """post key -> what the card says the link rests on"""
    return {p["post_key"]: p["matched_by"] for p in deps.cards.cards[f"CUSTOMER#{customer_id}"]["posts"]}


def test_a_confirmed_accounts_later_post_under_a_new_handle_joins_the_customer(world):
    deps, sync = world
    held_posts(deps, sync, 1)  # instagram account ig-2, handle ada.l, held for review
    handle({"action": "confirm", "post_key": "instagram#h0", "customer_id": "c-1"}, sync.linking)

    process_post(a_post("h9", user_id="ig-2", handle="grace.renamed", platform="instagram", name="Grace Hopper"), deps)

    assert deps.posts.items["instagram#h9"].customer_id == "c-1"  # the link is kept under the platform id
    assert "instagram#h9" in card_post_keys(deps, "c-1")


def test_an_account_rejected_and_then_confirmed_for_a_customer_is_linked_to_it(world):
    deps, sync = world
    process_post(a_post("g1", user_id="ig-7", platform="instagram", name="Grace Hopper"), deps)  # no handle
    handle({"action": "reject", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)
    handle({"action": "confirm", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)

    process_post(a_post("g2", user_id="ig-7", platform="instagram", name="Grace Hopper"), deps)

    assert deps.posts.items["instagram#g1"].customer_id == "c-1"
    assert deps.posts.items["instagram#g2"].customer_id == "c-1"


def test_an_account_with_a_handle_rejected_and_then_confirmed_for_a_customer_is_linked_to_it(world):
    """The rejection was written under the platform id and the handle: the confirmation lifts both."""
    deps, sync = world
    process_post(a_post("g1", user_id="ig-7", handle="grace.h", platform="instagram", name="Grace Hopper"), deps)
    handle({"action": "reject", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)
    handle({"action": "confirm", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)

    process_post(a_post("g2", user_id="ig-7", handle="grace.h", platform="instagram", name="Grace Hopper"), deps)

    assert deps.posts.items["instagram#g1"].customer_id == "c-1"
    assert deps.posts.items["instagram#g2"].customer_id == "c-1"


def test_confirming_an_account_keeps_the_links_its_handle_already_had(world):
    deps, sync = world
    process_post(a_post("g1", user_id="ig-7", handle="grace.h", platform="instagram", name="Grace Hopper"), deps)
    handle_key = deps.posts.items["instagram#g1"].author_handle_key
    deps.customers.add_link(handle_key, "c-1", "verified")
    handle({"action": "confirm", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)

    assert [(link.customer_id, link.source) for link in deps.customers.identity_links(handle_key)] == [
        ("c-1", "verified")]


def test_a_post_confirmed_alone_carries_the_full_score_of_an_agents_confirmation(world):
    deps, sync = world
    process_post(a_post("n1", user_id=None, name="Ada Lovelace"), deps)

    handle({"action": "confirm", "post_key": "facebook#n1", "customer_id": "c-1"}, sync.linking)

    stored = deps.posts.items["facebook#n1"]
    assert (stored.match_score, stored.match_basis) == (100, "confirmed_by_agent")


def test_unlinking_a_post_linked_to_nobody_names_the_post_key_as_the_problem(world):
    deps, sync = world
    held_posts(deps, sync, 1)
    with pytest.raises(InvalidRecord) as refused:
        handle({"action": "unlink", "post_key": "instagram#h0"}, sync.linking)
    assert (refused.value.field, refused.value.problem) == ("post_key", "is not linked to a customer")


def test_an_account_confirmed_and_then_rejected_for_a_customer_is_no_longer_linked_to_it(world):
    deps, sync = world
    process_post(a_post("g1", user_id="ig-7", platform="instagram", name="Grace Hopper"), deps)  # no handle
    handle({"action": "confirm", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)
    handle({"action": "reject", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)

    process_post(a_post("g2", user_id="ig-7", platform="instagram", name="Grace Hopper"), deps)

    assert deps.posts.items["instagram#g1"].customer_id is None
    assert deps.posts.items["instagram#g2"].customer_id is None


@pytest.mark.parametrize(("post_key", "customer_id", "field"), [(None, "c-1", "post_key"), ("  ", "c-1", "post_key"),
                                                                 ("instagram#h0", None, "customer_id")])
def test_a_decision_missing_its_post_or_customer_names_the_missing_field(world, post_key, customer_id, field):
    deps, sync = world
    held_posts(deps, sync, 1)
    with pytest.raises(InvalidRecord) as refused:
        handle({"action": "confirm", "post_key": post_key, "customer_id": customer_id}, sync.linking)
    assert (refused.value.field, refused.value.problem) == (field, "is required")


@pytest.mark.parametrize(("post_key", "customer_id", "named"), [("facebook#nope", "c-1", "no post facebook#nope"),
                                                                ("instagram#h0", "c-404", "no customer c-404")])
def test_a_decision_on_a_post_or_customer_not_there_says_which(world, post_key, customer_id, named):
    deps, sync = world
    held_posts(deps, sync, 1)
    with pytest.raises(NotFound, match=f"^{named}$"):
        handle({"action": "reject", "post_key": post_key, "customer_id": customer_id}, sync.linking)


def test_a_review_request_that_is_not_an_object_says_so(world):
    _, sync = world
    with pytest.raises(InvalidRecord) as refused:
        handle(["confirm"], sync.linking)
    assert (refused.value.field, refused.value.problem) == ("request", "must be an object")


def test_the_review_queue_shows_50_held_posts_when_no_limit_is_asked(world):
    deps, sync = world
    for n in range(MAX_PENDING):
        deps.reviews.hold(PostKey("instagram", f"h{n}"), "2026-11-20T09:00:00Z", [])

    assert len(handle({"action": "pending"}, sync.linking).posts) == 50


@pytest.mark.parametrize("customer_id", [None, "  "])
def test_a_link_code_request_without_a_customer_says_the_customer_id_is_required(world, customer_id):
    _, sync = world
    with pytest.raises(InvalidRecord) as refused:
        handle({"action": "issue_code", "customer_id": customer_id}, sync.linking)
    assert (refused.value.field, refused.value.problem) == ("customer_id", "is required")


def test_a_review_queue_limit_out_of_range_names_the_limit(world):
    _, sync = world
    with pytest.raises(InvalidRecord) as refused:
        handle({"action": "pending", "limit": 0}, sync.linking)
    assert refused.value.field == "limit"


def test_a_post_confirmed_alone_shows_on_the_customers_card_as_the_agents_confirmation_before_the_index_shows_it(
        world):
    deps, sync = world
    process_post(a_post("n1", user_id=None, name="Ada Lovelace"), deps)  # a review with only a display name
    index_stays_as_it_is_now(deps.posts)

    handle({"action": "confirm", "post_key": "facebook#n1", "customer_id": "c-1"}, sync.linking)

    assert card_posts(deps, "c-1") == {"facebook#n1": "confirmed_by_agent"}


def test_the_cards_are_rebuilt_from_the_post_as_the_agent_confirmed_it(world):
    deps, sync = world
    process_post(a_post("n1", user_id=None, name="Ada Lovelace"), deps)
    process_post(a_post("g1", user_id="ig-7", handle="grace.h", platform="instagram", name="Grace Hopper"), deps)
    handed = []

    linking.confirm("facebook#n1", "c-1", sync.linking, handed.append)
    linking.confirm("instagram#g1", "c-1", sync.linking, handed.append)

    alone, account = handed
    assert [(p.key.text, p.customer_id, p.evidence, p.match_basis) for p in alone.linked["c-1"]] == [
        ("facebook#n1", "c-1", ("confirmed_by_agent",), "confirmed_by_agent")]
    assert [(p.key.text, p.customer_id, p.match_basis) for p in account.linked["c-1"]] == [
        ("instagram#g1", "c-1", "confirmed_by_agent")]
    for [post] in (alone.linked["c-1"], account.linked["c-1"]):  # as the post store now holds them
        stored = deps.posts.items[post.key.text]
        assert (post.customer_id, post.evidence, post.match_basis) == (
            stored.customer_id, stored.evidence, stored.match_basis)
    assert alone.unlinked == account.unlinked == {}


def test_an_agent_confirming_an_automatic_link_relabels_the_post_on_the_card_as_confirmed(world):
    deps, sync = world
    process_post(a_post("a1", user_id="ig-9", handle="ada.l", platform="instagram", name="Ada Lovelace"), deps)
    assert card_posts(deps, "c-1") == {"instagram#a1": "handle_on_record"}

    handle({"action": "confirm", "post_key": "instagram#a1", "customer_id": "c-1"}, sync.linking)

    assert deps.posts.items["instagram#a1"].customer_id == "c-1"
    assert card_posts(deps, "c-1") == {"instagram#a1": "confirmed_by_agent"}


def test_a_post_an_agent_unlinked_leaves_the_customers_card_while_the_index_still_lists_it(world):
    deps, sync = world
    process_post(a_post("a1", user_id="ig-9", handle="ada.l", platform="instagram", name="Ada Lovelace"), deps)
    process_post(a_post("p1", text="Ada's own complaint", created="2026-11-20T08:00:00Z"), deps)
    assert set(card_posts(deps, "c-1")) == {"instagram#a1", "facebook#p1"}
    index_stays_as_it_is_now(deps.posts)

    handle({"action": "unlink", "post_key": "instagram#a1"}, sync.linking)

    assert deps.posts.items["instagram#a1"].customer_id is None
    assert set(card_posts(deps, "c-1")) == {"facebook#p1"}


def test_rejecting_a_customer_for_an_account_with_a_linked_and_a_held_post_moves_both_off_it(world):
    deps, sync = world
    process_post(a_post("b1", user_id="ig-5", handle="ada.l", platform="instagram", name="Grace Hopper"), deps)
    process_post(a_post("b2", user_id="ig-5", handle="ada.l", platform="instagram", name="Ada Lovelace",
                        created="2026-11-20T09:05:00Z"), deps)
    assert [deps.posts.items[k].match_status for k in ("instagram#b1", "instagram#b2")] == ["candidate", "linked"]

    handle({"action": "reject", "post_key": "instagram#b2", "customer_id": "c-1"}, sync.linking)

    assert [(deps.posts.items[k].customer_id, deps.posts.items[k].match_status)
            for k in ("instagram#b1", "instagram#b2")] == [(None, "unmatched"), (None, "unmatched")]
    assert deps.reviews.pending(10) == []
    assert "instagram#b2" not in card_post_keys(deps, "c-1")


def test_confirming_a_post_of_an_account_known_only_by_its_handle_links_the_accounts_other_posts(world):
    deps, sync = world
    for post_id in ("k1", "k2"):
        process_post(a_post(post_id, user_id=None, handle="grace.h", platform="instagram", name="Grace Hopper"), deps)

    handle({"action": "confirm", "post_key": "instagram#k1", "customer_id": "c-1"}, sync.linking)
    process_post(a_post("k3", user_id=None, handle="grace.h", platform="instagram", name="Grace Hopper"), deps)

    assert [deps.posts.items[f"instagram#k{n}"].customer_id for n in (1, 2, 3)] == ["c-1", "c-1", "c-1"]
    assert set(card_post_keys(deps, "c-1")) == {"instagram#k1", "instagram#k2", "instagram#k3"}


def test_erasing_a_customer_keeps_the_posts_of_an_account_an_agent_confirmed_and_then_rejected_for_them(world):
    deps, sync = world
    process_post(a_post("g1", user_id="ig-7", platform="instagram", name="Grace Hopper", text="Grace's words"), deps)
    handle({"action": "confirm", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)
    handle({"action": "reject", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)

    erase({"customer_id": "c-1"}, ErasureDeps(deps.customers, deps.posts, deps.cards, ContactState(), deps.clock,
                                              deps.reviews, deps.codes, "GB"))

    assert deps.posts.items["instagram#g1"].text == "Grace's words"
    assert process_post(a_post("g2", user_id="ig-7", platform="instagram", name="Grace Hopper"), deps).status == \
        "stored"  # the account is not marked erased either


def test_an_account_linked_for_more_than_the_handle_the_crm_drops_stays_linked(world):
    """Matching reads a learned link's origin from its source ("linked:<asserted kind>"): only the ids learned
    from the dropped handle go with it."""
    deps, sync = world
    process_post(a_post("a1", user_id="ig-9", handle="ada.l", platform="instagram", name="Ada Lovelace"), deps)
    deps.customers.add_link("id:instagram:ig-9", "c-1", "linked:platform_phone_on_record")

    sync_customers([{**ADA, "social": [{"platform": "facebook", "user_id": "1001"}]}], sync)

    assert sorted(deps.customers.links["id:instagram:ig-9"]) == [
        ("c-1", "linked:handle_on_record"), ("c-1", "linked:platform_phone_on_record")]
    assert deps.posts.items["instagram#a1"].customer_id == "c-1"


def test_a_confirmation_stores_what_the_account_is_now_matched_by_and_shows_it_on_the_card(world):
    deps, sync = world
    process_post(a_post("a1", user_id="ig-9", handle="ada.l", platform="instagram", name="Ada Lovelace"), deps)

    handle({"action": "confirm", "post_key": "instagram#a1", "customer_id": "c-1"}, sync.linking)

    stored = deps.posts.items["instagram#a1"]
    assert (stored.match_status, stored.match_key, stored.match_score) == ("linked", "id:instagram:ig-9", 225)
    [shown] = deps.cards.cards["CUSTOMER#c-1"]["posts"]
    assert (shown["match"], shown["matched_by"]) == ("id:instagram:ig-9", "confirmed_by_agent")


def test_an_issued_link_code_expires_30_minutes_after_it_is_issued(world):
    deps, sync = world
    issued = handle({"action": "issue_code", "customer_id": "c-1"}, sync.linking)
    assert issued.expires_at == "2026-11-20T11:00:00Z"
    [saved] = deps.codes.codes.values()
    assert saved["expires_at"] == int(deps.clock().timestamp()) + 30 * 60


def test_a_link_code_for_a_customer_not_there_names_them(world):
    _, sync = world
    with pytest.raises(NotFound, match=r"^no customer c-404$"):
        handle({"action": "issue_code", "customer_id": "c-404"}, sync.linking)


def a_direct_message(post_id, text, user_id="ig-5", handle_=None):
    post = a_post(post_id, user_id=user_id, handle=handle_, platform="instagram", name="Grace Hopper", text=text)
    return replace(post, kind="message")


def test_a_link_code_written_in_a_public_comment_links_nobody(world):
    deps, sync = world
    code = handle({"action": "issue_code", "customer_id": "c-1"}, sync.linking).code
    process_post(a_post("c1", user_id="ig-5", platform="instagram", name="Grace Hopper", text=f"my code {code}"), deps)

    assert deps.posts.items["instagram#c1"].customer_id is None
    assert deps.customers.links["id:instagram:ig-5"] == set()


def test_a_link_code_sent_from_an_account_known_only_by_its_handle_links_the_handle(world):
    deps, sync = world
    code = handle({"action": "issue_code", "customer_id": "c-1"}, sync.linking).code
    process_post(a_direct_message("m1", f"here you go {code}", user_id=None, handle_="grace.h"), deps)

    assert deps.posts.items["instagram#m1"].customer_id == "c-1"
    assert deps.customers.links["handle:instagram:grace.h"] == {("c-1", "verified")}


def test_only_the_first_two_codes_in_a_message_are_tried(world):
    deps, sync = world
    code = handle({"action": "issue_code", "customer_id": "c-1"}, sync.linking).code
    process_post(a_direct_message("m1", f"AAAA-AAAA BBBB-BBBB {code}"), deps)

    assert deps.posts.items["instagram#m1"].customer_id is None
    assert [saved["used_at"] for saved in deps.codes.codes.values()] == [None]


def test_a_customer_who_sends_their_code_from_an_account_rejected_for_them_is_linked(world):
    deps, sync = world
    process_post(a_post("g1", user_id="ig-5", platform="instagram", name="Grace Hopper"), deps)
    handle({"action": "reject", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)
    code = handle({"action": "issue_code", "customer_id": "c-1"}, sync.linking).code

    process_post(a_direct_message("m1", f"it is me: {code}"), deps)
    process_post(a_post("g2", user_id="ig-5", platform="instagram", name="Grace Hopper"), deps)

    assert deps.customers.links["id:instagram:ig-5"] == {("c-1", "verified")}
    assert [deps.posts.items[k].customer_id for k in ("instagram#g1", "instagram#m1", "instagram#g2")] == \
        ["c-1", "c-1", "c-1"]


def test_a_held_post_confirmed_shows_on_the_card_with_its_new_match_before_the_index_shows_it(world):
    deps, sync = world
    held_posts(deps, sync, 1)  # instagram account ig-2, handle ada.l, held for review
    index_stays_as_it_is_now(deps.posts)

    handle({"action": "confirm", "post_key": "instagram#h0", "customer_id": "c-1"}, sync.linking)

    [shown] = deps.cards.cards["CUSTOMER#c-1"]["posts"]
    assert (shown["post_key"], shown["match"], shown["matched_by"]) == (
        "instagram#h0", "id:instagram:ig-2", "confirmed_by_agent")
    assert deps.reviews.pending(10) == []


def test_a_confirmation_right_after_a_rejection_lifts_it_under_the_handle_even_while_reads_lag(world):
    """An eventually consistent read may not show the rejection yet: the confirmation looks with a consistent one."""
    deps, sync = world
    process_post(a_post("g1", user_id="ig-7", handle="grace.h", platform="instagram", name="Grace Hopper"), deps)
    handle({"action": "reject", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)
    handle_key = deps.posts.items["instagram#g1"].author_handle_key
    real = deps.customers.identity_links

    def lagging(identity_key, consistent=False):
        links = real(identity_key, consistent=True)
        return links if consistent else [link for link in links if link.source != "rejected"]

    deps.customers.identity_links = lagging
    handle({"action": "confirm", "post_key": "instagram#g1", "customer_id": "c-1"}, sync.linking)
    del deps.customers.identity_links

    assert [(link.customer_id, link.source) for link in deps.customers.identity_links(handle_key, consistent=True)
            if link.customer_id == "c-1"] == []


def test_a_link_code_is_kept_as_the_sha256_of_its_capitals_without_the_dash():
    """Codes issued before a deployment must still redeem after it: the stored form does not change."""
    expected = hashlib.sha256(b"ABCD2345").hexdigest()
    assert linking.code_hash("abcd-2345") == expected
    assert linking.code_hash("ABCD-2345") == expected
