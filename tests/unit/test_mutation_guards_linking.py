"""An agent's decisions on an account (socialcrm.linking): what `make mutation` showed no test noticing."""

from __future__ import annotations

import pytest

from socialcrm.errors import InvalidRecord, NotFound
from socialcrm.model import PostKey
from socialcrm.processing import process_post
from socialcrm.review import MAX_PENDING, handle
from tests.unit.test_matching import card_post_keys
from tests.unit.test_processing import a_post
from tests.unit.test_review_requests import held_posts


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
