"""Where identity resolution draws its lines (socialcrm.matching.decide): each case one boundary of a decision."""

from __future__ import annotations

from socialcrm.matching import resolve
from socialcrm.model import Author, CanonicalPost
from tests.unit.test_matching_situations import WHEN, directory_of

ADA_BY_HANDLE = {"customer_id": "c-ada", "name": "Ada Lovelace", "country": "GB",
                 "social": [{"platform": "instagram", "handle": "ada.l"}]}
GRACE_BY_PHONE = {"customer_id": "c-grace", "name": "Grace Hopper", "country": "GB", "phones": ["+447911123456"]}
ALAN_BY_ID = {"customer_id": "c-alan", "name": "Alan Turing", "country": "GB",
              "social": [{"platform": "instagram", "user_id": "ig-1"}]}


def instagram(user_id: str | None, handle: str | None, phone: str | None = None) -> CanonicalPost:
    return CanonicalPost("instagram", "i1", "message", Author("instagram", user_id, handle, None, phone), "hi", WHEN)


def test_two_customers_tied_at_the_threshold_go_to_review():
    match = resolve(instagram(None, "ada.l", "+447911123456"), directory_of(ADA_BY_HANDLE, GRACE_BY_PHONE), "GB")
    assert not match.linked and match.customer_id is None
    assert match.outcome == "candidate"
    assert [(c["customer_id"], c["score"]) for c in match.candidates] == [("c-ada", 90), ("c-grace", 90)]


def test_each_of_the_tied_keys_alone_links_its_customer():
    directory = directory_of(ADA_BY_HANDLE, GRACE_BY_PHONE)
    assert resolve(instagram(None, "ada.l"), directory, "GB").customer_id == "c-ada"
    assert resolve(instagram(None, None, "+447911123456"), directory, "GB").customer_id == "c-grace"


def test_a_rival_customer_at_the_threshold_sends_even_the_stronger_candidate_to_review():
    match = resolve(instagram("ig-1", "ada.l"), directory_of(ALAN_BY_ID, ADA_BY_HANDLE), "GB")
    assert match.outcome == "candidate"
    assert [c["customer_id"] for c in match.candidates] == ["c-alan", "c-ada"]
