"""Erasure requests (socialcrm.erasure): whom a request names, what the receipt tells, and what is kept to stop the
erased coming back."""

from __future__ import annotations

from datetime import date

import pytest

from socialcrm.erasure import MARKER_DAYS, ErasureDeps, Receipt, erase, subject_of
from socialcrm.errors import InvalidRecord
from socialcrm.linking import issue_code
from socialcrm.processing import process_post
from tests.unit.test_processing import a_post


class ContactState:
    def __init__(self, windows: int = 0) -> None:
        self.windows, self.forgotten = windows, []

    def forget(self, customer_id: str) -> int:
        self.forgotten.append(customer_id)
        return self.windows


class Tombstones:
    def __init__(self) -> None:
        self.buried: list[tuple[str, str]] = []

    def bury(self, customer_id: str, day: str) -> None:
        self.buried.append((customer_id, day))


@pytest.fixture
def erasure(world):
    processor, _ = world
    process_post(a_post("p1", text="Ada's complaint"), processor)
    return processor, ErasureDeps(processor.customers, processor.posts, processor.cards, ContactState(2),
                                  processor.clock, processor.reviews, processor.codes, "GB")


@pytest.mark.parametrize(("request_", "subject"), [
    ({"customer_id": " c-1 "}, ("c-1", None)),
    ({"customer_id": "c-1", "platform": "facebook", "user_id": "1"}, ("c-1", None)),
    ({"platform": "Facebook", "user_id": " 1001 "}, (None, "id:facebook:1001")),
    ({"platform": "facebook", "user_id": 1001}, (None, "id:facebook:1001")),
    ({"platform": "instagram", "handle": "@Ada.L"}, (None, "handle:instagram:ada.l")),
    ({"platform": "instagram", "user_id": "  ", "handle": "@Ada.L"}, (None, "handle:instagram:ada.l")),
    ({"platform": "instagram", "user_id": "ig-1", "handle": "@Ada.L"}, (None, "id:instagram:ig-1")),
])
def test_a_request_names_one_customer_or_one_account(request_, subject):
    assert subject_of(request_) == subject


@pytest.mark.parametrize(("request_", "field"), [
    ("c-1", "request"), ({"customer_id": 7}, "customer_id"), ({"customer_id": "  "}, "customer_id"),
    ({"platform": "  ", "user_id": "1"}, "platform"), ({"platform": 7, "user_id": "1"}, "platform"),
    ({"platform": "x", "user_id": None, "handle": "@"}, "user_id"),
    ({"platform": "x", "user_id": ["1"]}, "user_id"), ({"platform": "x", "handle": 5}, "user_id")])
def test_a_request_that_names_nobody_is_refused_naming_the_field(request_, field):
    with pytest.raises(InvalidRecord) as refused:
        subject_of(request_)
    assert refused.value.field == field


def test_erasing_a_customer_marks_every_key_for_the_time_a_queue_can_hold_a_message(erasure):
    processor, deps = erasure
    customer = processor.customers.get("c-1")
    receipt = erase({"customer_id": "c-1"}, deps)
    until = int(processor.clock().timestamp()) + MARKER_DAYS * 86400
    marked = dict.fromkeys(("customer:c-1", *customer.identity_keys), until)
    assert processor.customers.markers == marked
    assert receipt.counts["markers"] == len(marked)
    assert receipt.subject == "customer c-1"


def test_a_tombstone_is_kept_with_the_day_of_the_erasure_and_counted_but_not_as_removed(erasure):
    processor, deps = erasure
    deps.tombstones = Tombstones()
    receipt = erase({"customer_id": "c-1"}, deps)
    assert deps.tombstones.buried == [("c-1", processor.clock().date().isoformat())]
    assert date.fromisoformat(deps.tombstones.buried[0][1])
    assert receipt.counts["tombstones"] == 1
    assert receipt.total == sum(receipt.counts.values()) - receipt.counts["markers"] - 1


def test_without_tombstones_configured_none_is_counted(erasure):
    _, deps = erasure
    assert erase({"customer_id": "c-1"}, deps).counts["tombstones"] == 0


def test_the_customers_link_codes_and_contact_centre_task_windows_go_too(erasure):
    processor, deps = erasure
    issue_code("c-1", deps.linking)
    issue_code("c-1", deps.linking)
    receipt = erase({"customer_id": "c-1"}, deps)
    assert receipt.counts["link_codes"] == 2
    assert processor.codes.codes == {}
    assert deps.contact_state.forgotten == ["c-1"]
    assert receipt.counts["task_windows"] == 2


def test_posts_held_with_the_customer_as_a_candidate_are_released_and_matched_again(erasure):
    processor, deps = erasure
    process_post(a_post("h1", user_id="7777", kind="message", text="it's me, call 07911 123456"), processor)
    assert "facebook#h1" in processor.reviews.held  # someone else's message, with Ada's number in it
    receipt = erase({"customer_id": "c-1"}, deps)
    assert receipt.counts["match_candidates"] == 1
    assert "facebook#h1" not in processor.reviews.held
    assert processor.posts.items["facebook#h1"].customer_id is None


def test_an_erased_authors_post_held_for_review_leaves_the_review_list(erasure):
    processor, deps = erasure
    process_post(a_post("h2", user_id="ig-9", handle="ada.l", platform="instagram", name="Grace Hopper"), processor)
    assert "instagram#h2" in processor.reviews.held
    receipt = erase({"platform": "instagram", "user_id": "ig-9"}, deps)
    assert receipt.counts["posts"] == 1
    assert processor.reviews.held == {}


def test_an_identity_erasure_names_the_kind_of_key_and_never_its_value(erasure):
    _, deps = erasure
    receipt = erase({"platform": "facebook", "user_id": "5555"}, deps)
    assert receipt.subject == "identity id:facebook"
    assert receipt.counts["markers"] == 1


def test_a_receipts_total_is_what_was_removed():
    receipt = Receipt("customer c-1")
    receipt.counts.update(posts=2, cards=3, markers=4, tombstones=1)
    assert receipt.total == 5
