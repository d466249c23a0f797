"""Identity resolution on fakes: evidence and scores, conflicts, rejections, one-time codes, relinking."""

from __future__ import annotations

from datetime import timedelta

import pytest

from socialcrm import identity
from socialcrm.customers import parse_customer, sync_customers
from socialcrm.errors import InvalidRecord, NotFound
from socialcrm.linking import code_hash, issue_code
from socialcrm.matching import LINK_THRESHOLD, REVIEW_THRESHOLD, WEIGHTS, keys_in_message, resolve
from socialcrm.model import Author, CanonicalPost
from socialcrm.person_names import name_similarity
from socialcrm.processing import process_post
from socialcrm.review import handle
from tests.fakes import FakeCustomers
from tests.unit.test_processing import a_post

ADA = {"customer_id": "c-1", "name": "Ada Lovelace", "phones": ["07911 123456"], "emails": ["Ada.Lovelace@gmail.com"],
       "city": "London", "social": [{"platform": "facebook", "user_id": "1001"},
                                    {"platform": "instagram", "handle": "@Ada.L"}]}


def a_message(post_id, user_id, text, name="Someone", platform="facebook", handle=None):
    return CanonicalPost(platform, post_id, "message", Author(platform, user_id, handle, name), text,
                         "2026-11-20T09:00:00Z", source="meta")


def whatsapp(post_id, phone, name):
    return CanonicalPost("whatsapp", post_id, "message", Author("whatsapp", None, None, name, phone),
                         "Where is my parcel?", "2026-11-20T09:00:00Z", source="whatsapp")


def card_post_keys(deps, customer_id):
    return [p["post_key"] for p in deps.cards.cards[f"CUSTOMER#{customer_id}"]["posts"]]


def review(deps, sync, **request):
    return handle(request, sync.linking)


# Normalization


def test_identity_keys_are_normalized_forms():
    assert identity.email_key("Ada.Lovelace+shop@GoogleMail.com") == "email:adalovelace@gmail.com"
    assert identity.email_key("ada.l+x@outlook.com") == "email:ada.l@outlook.com"
    assert identity.email_key("Ada.L+x@example.org") == "email:ada.l+x@example.org"  # other hosts: as written
    assert identity.handle_key("Instagram", " @Ada.L ") == "handle:instagram:ada.l"


def test_names_compare_across_diacritics_order_and_nicknames():
    assert name_similarity("Zoë Müller", "Zoe Muller") == 100
    assert name_similarity("Lovelace Ada", "Ada Lovelace") == 100
    assert name_similarity("Bob Smith", "Robert Smith") == 100
    assert name_similarity("Ada King Lovelace", "Ada Lovelace") >= 90
    assert name_similarity("Ada", "Ada Lovelace") < 78  # a first name alone is not evidence
    assert name_similarity("Grace Hopper", "Ada Lovelace") < 50


def test_phones_and_emails_written_in_a_message_become_keys():
    keys = keys_in_message("call me on 07911 123456 or +1 (202) 555-0143, mail ada.lovelace@gmail.com", "GB")
    assert ("phone:+447911123456", "message_phone") in keys
    assert ("phone:+12025550143", "message_phone") in keys
    assert ("email:adalovelace@gmail.com", "message_email") in keys
    assert keys_in_message("order 12345 arrived on 2026-11-20", "GB") == []


# Evidence, scores and the three outcomes


def test_platform_id_on_the_record_links_with_its_evidence(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_post("p1", user_id="1001", name="Ada Lovelace"), deps)
    stored = deps.posts.items["facebook#p1"]
    assert (stored.customer_id, stored.match_status) == ("c-1", "linked")
    assert stored.evidence == ("platform_id_on_record", "name_match")
    assert stored.match_score == WEIGHTS["platform_id_on_record"] + WEIGHTS["name_match"]
    assert "facebook#p1" in card_post_keys(deps, "c-1")


def test_an_email_written_in_a_message_with_the_name_is_held_for_review_never_linked(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_message("m1", "777", "It's Ada, adalovelace+x@gmail.com, my refund?", name="Ada Lovelace"), deps)
    assert deps.posts.items["facebook#m1"].customer_id is None
    assert deps.posts.items["facebook#m1"].match_status == "candidate"
    held = deps.reviews.held["facebook#m1"]["candidates"][0]
    assert held["customer_id"] == "c-1" and held["evidence"] == ["email_in_message", "name_match"]
    assert held["score"] >= LINK_THRESHOLD  # a high score of typed evidence is still only a candidate


def test_typed_phone_email_and_name_together_neither_link_nor_teach_a_link(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_message("m1", "778", "Ada Lovelace here, 07911 123456, ada.lovelace@gmail.com",
                           name="Ada Lovelace"), deps)
    assert deps.posts.items["facebook#m1"].match_status == "candidate"
    assert not any(source.startswith("linked") for _, source in deps.customers.links["id:facebook:778"])
    process_post(a_post("m2", user_id="778", text="hello again", name="Ada Lovelace"), deps)
    assert deps.posts.items["facebook#m2"].customer_id is None


def test_typed_evidence_adds_to_an_asserted_key(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_message("m3", "ig-8", "it's me, 07911 123456", name="Ada Lovelace", platform="instagram",
                           handle="ada.l"), deps)
    stored = deps.posts.items["instagram#m3"]
    assert (stored.customer_id, stored.match_basis) == ("c-1", "handle_on_record")
    assert stored.evidence == ("handle_on_record", "phone_in_message", "name_match")
    assert stored.match_key == "handle:instagram:ada.l"
    assert ("c-1", "linked:handle_on_record") in deps.customers.links["id:instagram:ig-8"]


def test_an_email_in_a_message_without_the_name_is_only_a_candidate(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_message("m2", "778", "my wife's address is ada.lovelace@gmail.com", name="Charles Babbage"), deps)
    assert deps.posts.items["facebook#m2"].customer_id is None
    assert deps.posts.items["facebook#m2"].match_status == "candidate"
    assert REVIEW_THRESHOLD <= deps.reviews.held["facebook#m2"]["candidates"][0]["score"] < LINK_THRESHOLD


def test_phones_in_public_posts_are_not_evidence(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_post("p9", user_id="999", text="Ada's number is 07911 123456", name="Ada Lovelace"), deps)
    assert deps.posts.items["facebook#p9"].match_status == "unmatched"


def test_a_verified_whatsapp_number_on_the_record_links(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(whatsapp("w1", "+447911123456", "A.L."), deps)
    assert deps.posts.items["whatsapp#w1"].customer_id == "c-1"
    assert deps.posts.items["whatsapp#w1"].evidence == ("platform_phone_on_record", "name_similar")  # initials fit


# Conflicts


def test_a_shared_family_phone_never_links_on_its_own(world):
    deps, sync = world
    sync_customers([ADA, {"customer_id": "c-9", "name": "Byron Lovelace", "phones": ["+44 7911 123456"]}], sync)
    outcome = process_post(whatsapp("w2", "+447911123456", "🌻 home 🌻"), deps)  # nothing tells the two apart
    assert not outcome.matched
    held = deps.reviews.held["whatsapp#w2"]["candidates"]
    assert {c["customer_id"] for c in held} == {"c-1", "c-9"} and all(c["conflict"] for c in held)
    assert "whatsapp#w2" not in card_post_keys(deps, "c-1")


def test_a_reused_handle_on_two_records_goes_to_review(world):
    deps, sync = world
    sync_customers([ADA, {"customer_id": "c-8", "name": "Ada Lovelace",
                          "social": [{"platform": "instagram", "handle": "ada.l"}]}], sync)
    process_post(a_post("ig", user_id="ig-55", handle="ada.l", platform="instagram", name="Ada Lovelace"), deps)
    assert deps.posts.items["instagram#ig"].match_status == "candidate"


def test_a_unique_platform_id_is_not_undone_by_a_conflict_on_a_weaker_key():
    directory = FakeCustomers()
    for record in (ADA, {"customer_id": "c-7", "name": "Someone Else",
                         "social": [{"platform": "facebook", "handle": "ada"}]}):
        directory.upsert(parse_customer(record, "GB"))
    directory.upsert(parse_customer({**ADA, "social": [*ADA["social"], {"platform": "facebook", "handle": "ada"}]},
                                    "GB"))
    post = CanonicalPost("facebook", "x", "comment", Author("facebook", "1001", "ada", "Ada Lovelace"), "hi",
                         "2026-11-20T09:00:00Z")
    match = resolve(post, directory, "GB")
    assert (match.outcome, match.customer_id) == ("linked", "c-1")
    assert directory.reads <= 3  # one Query per key of the author, one batch read of the candidates


# Corrections


def test_a_rejected_pair_stays_rejected_and_its_posts_move_back(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_post("ig1", user_id="ig-1", handle="ada.l", platform="instagram", name="Ada Lovelace"), deps)
    assert "instagram#ig1" in card_post_keys(deps, "c-1")

    assert review(deps, sync, action="unlink", post_key="instagram#ig1").outcome == "rejected"
    assert deps.posts.items["instagram#ig1"].customer_id is None
    assert "instagram#ig1" not in card_post_keys(deps, "c-1")
    # The same account posts again; the CRM is synced again; a learned link does not bring it back.
    process_post(a_post("ig2", user_id="ig-1", handle="ada.l", platform="instagram", name="Ada Lovelace"), deps)
    sync_customers([ADA], sync)
    assert deps.posts.items["instagram#ig2"].customer_id is None
    assert deps.posts.items["instagram#ig1"].customer_id is None
    assert not {"instagram#ig1", "instagram#ig2"} & set(card_post_keys(deps, "c-1"))


def test_confirming_a_candidate_links_every_post_of_that_account(world):
    deps, sync = world
    sync_customers([ADA], sync)
    for post_id in ("a", "b"):
        process_post(a_post(post_id, user_id="ig-2", handle="ada.l", platform="instagram", name="Grace Hopper"), deps)
    assert set(deps.reviews.held) == {"instagram#a", "instagram#b"}

    review(deps, sync, action="confirm", post_key="instagram#a", customer_id="c-1")
    assert {deps.posts.items[k].customer_id for k in ("instagram#a", "instagram#b")} == {"c-1"}
    assert deps.posts.items["instagram#b"].evidence[0] == "confirmed_by_agent"
    assert deps.reviews.held == {}
    assert {"instagram#a", "instagram#b"} <= set(card_post_keys(deps, "c-1"))


def test_a_review_request_names_what_is_wrong(world):
    deps, sync = world

    with pytest.raises(NotFound):
        review(deps, sync, action="confirm", post_key="nope#1", customer_id="c-1")
    with pytest.raises(InvalidRecord, match="action"):
        review(deps, sync, action="merge")
    with pytest.raises(InvalidRecord, match="limit"):
        review(deps, sync, action="pending", limit=0)


# Handle changes and learned links


def test_a_linked_platform_id_keeps_its_link_when_the_handle_changes(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_post("h1", user_id="ig-3", handle="ada.l", platform="instagram", name="Ada Lovelace"), deps)
    process_post(a_post("h2", user_id="ig-3", handle="ada_writes", platform="instagram", name="AL"), deps)
    assert deps.posts.items["instagram#h2"].customer_id == "c-1"
    assert deps.posts.items["instagram#h2"].evidence == ("linked_before",)
    assert deps.posts.items["instagram#h2"].match_basis == "linked_before:handle_on_record"


def test_a_learned_link_whose_origin_is_unknown_only_sends_to_review(world):
    deps, sync = world
    sync_customers([ADA], sync)
    deps.customers.add_link("id:facebook:4242", "c-1", "linked")  # learned before origins were recorded
    process_post(a_post("u1", user_id="4242", name="Ada Lovelace"), deps)
    assert deps.posts.items["facebook#u1"].customer_id is None
    assert deps.reviews.held["facebook#u1"]["candidates"][0]["evidence"] == ["learned_unproven", "name_match"]


def test_a_handle_that_passed_to_someone_else_is_not_linked(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_post("h1", user_id="ig-3", handle="ada.l", platform="instagram", name=None), deps)
    assert deps.posts.items["instagram#h1"].customer_id == "c-1"
    # Ada renamed; a stranger took her old handle, with no name to tell them apart.
    process_post(a_post("h2", user_id="ig-99", handle="ada.l", platform="instagram", name=None), deps)
    assert deps.posts.items["instagram#h2"].customer_id is None
    assert deps.posts.items["instagram#h2"].match_status == "candidate"
    assert deps.reviews.held["instagram#h2"]["candidates"][0]["conflict"] is True


# Customer-confirmed linking


def test_a_verified_code_links_once_and_never_again(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_post("old", user_id="fb-42", name="moonlight"), deps)  # before the code: unmatched
    code = issue_code("c-1", sync.linking).code
    assert code not in str(deps.codes.codes) and code_hash(code) in deps.codes.codes  # stored hashed

    process_post(a_message("v1", "fb-42", f"here is my code {code.lower()} thanks", name="moonlight"), deps)
    assert deps.posts.items["facebook#v1"].evidence == ("verified_by_customer",)
    assert deps.posts.items["facebook#old"].customer_id == "c-1"  # the account's earlier posts follow
    assert {"facebook#v1", "facebook#old"} <= set(card_post_keys(deps, "c-1"))

    process_post(a_message("v2", "fb-666", f"code {code}", name="Ada Lovelace"), deps)  # someone reuses it
    assert deps.posts.items["facebook#v2"].customer_id is None


def test_an_expired_code_links_nothing(world):
    deps, sync = world
    sync_customers([ADA], sync)
    code = issue_code("c-1", sync.linking).code
    deps.clock.moment += timedelta(minutes=31)
    process_post(a_message("late", "fb-43", f"code {code}"), deps)
    assert deps.posts.items["facebook#late"].customer_id is None


# Relinking after a CRM update


def test_relinking_after_a_crm_update_rebuilds_the_card(world):
    deps, sync = world
    sync_customers([ADA], sync)
    process_post(a_post("r1", user_id="5150", text="still waiting", name="Ada Lovelace"), deps)
    assert deps.posts.items["facebook#r1"].customer_id is None

    with_account = {**ADA, "social": [*ADA["social"], {"platform": "facebook", "user_id": "5150"}]}
    sync_customers([with_account], sync)
    assert deps.posts.items["facebook#r1"].customer_id == "c-1"
    assert "facebook#r1" in card_post_keys(deps, "c-1")

    sync_customers([ADA], sync)  # the CRM removes the account again
    assert deps.posts.items["facebook#r1"].customer_id is None
    assert "facebook#r1" not in card_post_keys(deps, "c-1")


def test_a_post_never_appears_on_another_customers_card(world):
    deps, sync = world
    grace = {"customer_id": "c-5", "name": "Grace Hopper", "phones": ["+1 202 555 0143"],
             "social": [{"platform": "facebook", "user_id": "3003"}, {"platform": "instagram", "handle": "grace"}]}
    sync_customers([ADA, grace], sync)
    posts = [a_post("g1", user_id="3003", name="Grace Hopper"), a_post("a1", user_id="1001", name="Ada Lovelace"),
             a_post("gi", user_id=None, handle="grace", platform="instagram", name="Ada Lovelace"),
             a_message("dm", "4004", "I'm Grace Hopper, +12025550143", name="Grace Hopper"),
             whatsapp("w", "+447911123456", "Grace Hopper")]
    for post in posts:
        process_post(post, deps)
    review(deps, sync, action="unlink", post_key="facebook#a1")
    for key, card in deps.cards.cards.items():
        for shown in card["posts"]:
            assert deps.posts.items[shown["post_key"]].customer_id == card["customer_id"], key
    # The DM names Grace and writes her phone, but from an account her record does not hold: review only.
    assert card_post_keys(deps, "c-5") == ["facebook#g1"]
    assert deps.posts.items["facebook#dm"].match_status == "candidate"


# Labels: where each link came from, as the agent page says it


def test_the_agent_page_says_where_each_link_came_from(world):
    from html import unescape

    from socialcrm.agent_page import render_timeline

    deps, sync = world
    sync_customers([ADA], sync)
    process_post(whatsapp("w1", "+447911123456", "A.L."), deps)
    code = issue_code("c-1", sync.linking).code
    process_post(a_message("v1", "fb-42", f"my code {code}", name="moonlight"), deps)
    process_post(a_post("ig", user_id="ig-2", handle="ada.l", platform="instagram", name="Grace Hopper"), deps)
    review(deps, sync, action="confirm", post_key="instagram#ig", customer_id="c-1")

    page = render_timeline(deps.cards.cards["CUSTOMER#c-1"])
    labels = {unescape(line.split("</div>")[0]) for line in page.split('<div class="why">Matched by: ')[1:]}
    assert labels == {"WhatsApp sender's phone number on the customer record",
                      "verified by the customer with a one-time code", "confirmed by an agent"}


def test_a_link_stored_before_its_origin_was_recorded_does_not_claim_one():
    assert identity.describe_match("id:facebook:1001") == "Facebook account id (origin not recorded)"
    assert identity.describe_match("id:facebook:1001", "platform_id_on_record") == \
        "Facebook account id on the customer record"
    assert identity.describe_match("id:x:9", "linked_before:handle_on_record", "x") == \
        "learned from an earlier post by the same account (originally: X handle on the customer record)"
    assert identity.describe_match(None, "confirmed_by_agent", "google-business") == "confirmed by an agent"
    assert identity.describe_match(None) == ""


def test_a_verified_whatsapp_number_typed_by_someone_else_is_only_typed_evidence(world):
    deps, sync = world
    sync_customers([ADA], sync)
    code = issue_code("c-1", sync.linking).code
    verified = CanonicalPost("whatsapp", "wv", "message", Author("whatsapp", None, None, "A.L.", "+447400123456"),
                             f"code {code}", "2026-11-20T09:00:00Z", source="whatsapp")
    process_post(verified, deps)
    assert deps.posts.items["whatsapp#wv"].match_basis == "verified_by_customer"
    # A stranger writes that (verified, not on the record) number in a Messenger DM under Ada's name.
    process_post(a_message("s1", "fb-666", "It's Ada, call me on 07400 123456", name="Ada Lovelace"), deps)
    assert deps.posts.items["facebook#s1"].customer_id is None
    assert deps.reviews.held["facebook#s1"]["candidates"][0]["evidence"] == ["phone_in_message", "name_match"]
