"""Where identity resolution draws its lines (socialcrm.matching.decide): each case one boundary of a decision."""

from __future__ import annotations

import pytest

from socialcrm.matching import Candidate, keys_in_message, learned_from, resolve, signal_kind
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


@pytest.mark.parametrize(("origin", "source", "kind"), [
    ("user_id", "crm", "platform_id_on_record"), ("phone", "crm", "platform_phone_on_record"),
    ("handle", "crm", "handle_on_record"), ("email", "crm", None),
    ("user_id", "verified", "verified_by_customer"), ("handle", "confirmed", "confirmed_by_agent"),
    ("user_id", "linked:handle_on_record", "linked_before"), ("user_id", "linked", "learned_unproven"),
    ("user_id", "linked:phone_in_message", "learned_unproven"), ("user_id", "linked:linked_before", "learned_unproven"),
    ("user_id", "rejected", None), ("handle", "holder:id:x:1", None),
    ("message_phone", "crm", "phone_in_message"), ("message_email", "confirmed", "email_in_message"),
    ("message_phone", "verified", "phone_in_message"), ("message_phone", "linked:handle_on_record", None),
    ("message_email", "rejected", None)])
def test_what_a_key_means_depends_on_where_it_was_found_and_who_linked_it(origin, source, kind):
    assert signal_kind(origin, source) == kind


@pytest.mark.parametrize(("source", "origin"), [
    ("linked:handle_on_record", "handle_on_record"), ("linked:platform_id_on_record", "platform_id_on_record"),
    ("linked:linked_before", None), ("linked:phone_in_message", None), ("linked:", None), ("linked", None),
    ("crm", None), ("handle_on_record", None)])
def test_a_learned_link_remembers_only_an_asserted_origin(source, origin):
    assert learned_from(source) == origin


def test_a_long_message_yields_at_most_two_phones_and_two_emails():
    text = ("a@x.com b@y.org c@z.net, call 07911 123456 or 07911 123457 or 07911 123458 "
            "or 07911 123459")
    keys = keys_in_message(text, "GB")
    assert [key for key, origin in keys if origin == "message_email"] == ["email:a@x.com", "email:b@y.org"]
    assert [key for key, origin in keys if origin == "message_phone"] == ["phone:+447911123456",
                                                                         "phone:+447911123457"]


def test_a_national_number_is_read_in_the_senders_country_first():
    assert keys_in_message("call (202) 555-0143", "GB", "US") == [("phone:+12025550143", "message_phone")]
    assert keys_in_message("call 07911 123456", "GB", "US") == [("phone:+447911123456", "message_phone")]
    assert keys_in_message("call (202) 555-0143", "GB") == []


def test_a_review_candidate_says_what_agrees_and_what_contradicts():
    candidate = Candidate("c-1", evidence={"handle_on_record": "handle:x:ada", "name_differs": "",
                                           "phone_in_message": "phone:+44"},
                          conflicted={"handle_on_record", "phone_in_message"}, contradictions={"name_differs"},
                          shared={"phone_in_message"})
    described = candidate.as_dict()
    assert described["customer_id"] == "c-1" and described["score"] == 150 and described["conflict"] is True
    assert described["evidence"] == ["handle_on_record", "phone_in_message", "name_differs"]
    assert described["agrees"] == []
    assert described["contradicts"] == [
        "the name shown differs from the record's",
        "phone_in_message: the same key is on another customer's record",
        "handle_on_record: does not count, the name shown differs"]


def test_a_handle_that_changed_hands_is_said_so():
    candidate = Candidate("c-1", evidence={"handle_on_record": "handle:x:ada", "location_match": ""},
                          conflicted={"handle_on_record"}, contradictions={"handle_moved"})
    described = candidate.as_dict()
    assert described["agrees"] == ["location_match"] and described["conflict"] is True
    assert described["contradicts"] == ["another account held this handle when it was linked before",
                                        "handle_on_record: does not count, the handle changed hands"]
    other = Candidate("c-2", evidence={"platform_phone_on_record": "phone:+44"},
                      conflicted={"platform_phone_on_record"}, contradictions={"phone_stale"})
    assert other.as_dict()["contradicts"][-1] == "platform_phone_on_record: does not count, contradicted"
    assert Candidate("c-3", evidence={"name_match": ""}).as_dict()["conflict"] is False
