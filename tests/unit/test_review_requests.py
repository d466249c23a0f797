"""The match-review requests people send (socialcrm.review.handle): what each asks for and what is refused."""

from __future__ import annotations

import re

import pytest

from socialcrm.customers import sync_customers
from socialcrm.errors import InvalidRecord, NotFound
from socialcrm.linking import Decision, IssuedCode
from socialcrm.processing import process_post
from socialcrm.review import MAX_PENDING, Pending, handle
from tests.unit.test_matching import ADA, card_post_keys
from tests.unit.test_processing import a_post


def held_posts(deps, sync, count: int) -> None:
    sync_customers([ADA], sync)
    for n in range(count):
        process_post(a_post(f"h{n}", user_id="ig-2", handle="ada.l", platform="instagram", name="Grace Hopper"), deps)


def test_the_review_queue_lists_up_to_the_limit_asked_and_50_by_default(world):
    deps, sync = world
    held_posts(deps, sync, 3)
    assert len(handle({"action": "pending", "limit": 2}, sync.linking).posts) == 2
    assert len(handle({"action": "pending", "limit": 1}, sync.linking).posts) == 1
    everything = handle({"action": "pending"}, sync.linking)
    assert isinstance(everything, Pending) and len(everything.posts) == 3
    assert len(handle({"action": "pending", "limit": MAX_PENDING}, sync.linking).posts) == 3


@pytest.mark.parametrize("limit", [0, MAX_PENDING + 1, -1, True, "5", 2.0, None])
def test_a_review_queue_limit_outside_1_to_200_or_not_an_integer_is_refused(world, limit):
    _, sync = world
    with pytest.raises(InvalidRecord, match="limit") as refused:
        handle({"action": "pending", "limit": limit}, sync.linking)
    assert "1 to 200" in str(refused.value)


@pytest.mark.parametrize("request_", [None, [], "pending", 5])
def test_a_request_that_is_not_an_object_is_refused(world, request_):
    _, sync = world
    with pytest.raises(InvalidRecord, match="request"):
        handle(request_, sync.linking)


@pytest.mark.parametrize("action", ["merge", None, "PENDING", ""])
def test_an_unknown_action_is_refused_naming_the_actions_there_are(world, action):
    _, sync = world
    with pytest.raises(InvalidRecord, match="pending, confirm, reject, unlink, issue_code"):
        handle({"action": action}, sync.linking)


def test_a_link_code_is_issued_for_a_known_customer(world):
    _, sync = world
    issued = handle({"action": "issue_code", "customer_id": "c-1"}, sync.linking)
    assert isinstance(issued, IssuedCode) and issued.customer_id == "c-1"
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", issued.code)


@pytest.mark.parametrize("customer_id", [None, "", "   ", 7])
def test_a_link_code_needs_a_customer_id(world, customer_id):
    _, sync = world
    with pytest.raises(InvalidRecord, match="customer_id"):
        handle({"action": "issue_code", "customer_id": customer_id}, sync.linking)


def test_a_link_code_for_an_unknown_customer_is_not_found(world):
    _, sync = world
    with pytest.raises(NotFound):
        handle({"action": "issue_code", "customer_id": "c-404"}, sync.linking)


def test_confirm_links_the_post_and_rebuilds_the_customers_card(world):
    deps, sync = world
    held_posts(deps, sync, 1)
    decision = handle({"action": "confirm", "post_key": "instagram#h0", "customer_id": "c-1"}, sync.linking)
    assert decision == Decision("instagram#h0", "c-1", "linked")
    assert "instagram#h0" in card_post_keys(deps, "c-1")


def test_reject_keeps_the_post_off_the_customer_and_unlink_takes_a_linked_post_off(world):
    deps, sync = world
    held_posts(deps, sync, 1)
    rejected = handle({"action": "reject", "post_key": "instagram#h0", "customer_id": "c-1"}, sync.linking)
    assert rejected == Decision("instagram#h0", "c-1", "rejected")
    assert deps.posts.items["instagram#h0"].customer_id is None

    process_post(a_post("f1", user_id="1001", name="Ada Lovelace"), deps)
    assert "facebook#f1" in card_post_keys(deps, "c-1")
    unlinked = handle({"action": "unlink", "post_key": "facebook#f1"}, sync.linking)
    assert unlinked.outcome == "rejected"
    assert "facebook#f1" not in card_post_keys(deps, "c-1")


@pytest.mark.parametrize("action", ["confirm", "reject"])
@pytest.mark.parametrize(("post_key", "customer_id", "refused"), [
    (None, "c-1", InvalidRecord), ("", "c-1", InvalidRecord), ("   ", "c-1", InvalidRecord), (7, "c-1", InvalidRecord),
    ("not a key", "c-1", NotFound), ("facebook#nope", "c-1", NotFound),
    ("instagram#h0", None, InvalidRecord), ("instagram#h0", " ", InvalidRecord), ("instagram#h0", "c-404", NotFound)])
def test_a_decision_on_a_post_or_customer_that_is_not_there_is_refused(world, action, post_key, customer_id, refused):
    deps, sync = world
    held_posts(deps, sync, 1)
    with pytest.raises(refused):
        handle({"action": action, "post_key": post_key, "customer_id": customer_id}, sync.linking)
    assert "instagram#h0" in deps.reviews.held


def test_unlinking_a_post_that_is_linked_to_nobody_is_refused(world):
    deps, sync = world
    held_posts(deps, sync, 1)
    with pytest.raises(InvalidRecord, match="not linked"):
        handle({"action": "unlink", "post_key": "instagram#h0"}, sync.linking)


def test_a_post_whose_author_has_no_identifier_is_confirmed_and_rejected_alone(world):
    deps, sync = world
    process_post(a_post("n1", user_id=None, name="Ada Lovelace"), deps)
    process_post(a_post("n2", user_id=None, name="Ada Lovelace"), deps)
    assert deps.posts.items["facebook#n1"].customer_id is None

    handle({"action": "confirm", "post_key": "facebook#n1", "customer_id": "c-1"}, sync.linking)
    stored = deps.posts.items["facebook#n1"]
    assert (stored.customer_id, stored.evidence, stored.match_basis) == ("c-1", ("confirmed_by_agent",),
                                                                        "confirmed_by_agent")
    assert deps.posts.items["facebook#n2"].customer_id is None  # nothing ties the other post to this one
    assert "facebook#n1" in card_post_keys(deps, "c-1")

    handle({"action": "reject", "post_key": "facebook#n1", "customer_id": "c-1"}, sync.linking)
    assert deps.posts.items["facebook#n1"].customer_id is None
    assert "facebook#n1" not in card_post_keys(deps, "c-1")


def test_rejecting_another_customer_for_an_identifier_less_post_leaves_its_link(world):
    deps, sync = world
    process_post(a_post("n1", user_id=None, name="Ada Lovelace"), deps)
    handle({"action": "confirm", "post_key": "facebook#n1", "customer_id": "c-1"}, sync.linking)
    handle({"action": "reject", "post_key": "facebook#n1", "customer_id": "c-2"}, sync.linking)
    assert deps.posts.items["facebook#n1"].customer_id == "c-1"
