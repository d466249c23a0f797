"""Identity resolution in the situations a contact centre meets (issue 14), one named case each.

Each case runs the production resolver against identity links built from CRM records by the sync's own parser.
"""

from __future__ import annotations

from socialcrm.customers import parse_customer
from socialcrm.linking import LinkingDeps, match_new_post
from socialcrm.matching import resolve
from socialcrm.model import Author, CanonicalPost
from tests.fakes import FakeCards, FakeCustomers, FakeLinkCodes, FakePosts, FakeReviews

ADA = {"customer_id": "c-ada", "name": "Ada Lovelace", "country": "GB", "phones": ["07911 123456"],
       "emails": ["ada.lovelace@gmail.com"]}
WHEN = "2026-11-20T09:00:00Z"


def directory_of(*records: dict) -> FakeCustomers:
    directory = FakeCustomers()
    for record in records:
        directory.upsert(parse_customer(record, "GB"))
    return directory


def whatsapp(phone: str, name: str, text: str = "Where is my parcel?") -> CanonicalPost:
    return CanonicalPost("whatsapp", "w1", "message", Author("whatsapp", None, None, name, phone), text, WHEN)


def instagram(user_id: str, handle: str, name: str | None, post_id: str = "i1", kind: str = "comment",
              text: str = "Love it") -> CanonicalPost:
    return CanonicalPost("instagram", post_id, kind, Author("instagram", user_id, handle, name), text, WHEN)


def test_released_handle_taken_by_another_account_id_is_never_linked():
    directory = directory_of({**ADA, "social": [{"platform": "instagram", "user_id": "ig-1", "handle": "ada.l"}]})
    match = resolve(instagram("ig-999", "ada.l", "🌸 blossom 🌸"), directory, "GB")
    assert not match.linked
    assert resolve(instagram("ig-1", "ada_writes", "Ada"), directory, "GB").customer_id == "c-ada"  # the customer


def test_released_handle_teaches_which_account_held_it_so_the_next_holder_stays_apart():
    record = {**ADA, "social": [{"platform": "instagram", "user_id": "ig-1", "handle": "ada.l"}]}
    directory = directory_of(record)
    deps = LinkingDeps(directory, FakePosts(), FakeCards(), FakeReviews(), FakeLinkCodes(), "GB", lambda: None)
    match, _ = match_new_post(instagram("ig-999", "ada.l", "🌸 blossom 🌸"), deps)
    assert not match.linked
    directory.upsert(parse_customer({**ADA, "social": [{"platform": "instagram", "handle": "ada.l"}]}, "GB"))
    again, _ = match_new_post(instagram("ig-999", "ada.l", "🌸 blossom 🌸", "i2"), deps)  # the CRM lost the id
    assert not again.linked


def test_released_handle_held_for_review_says_what_contradicts():
    directory = directory_of({**ADA, "social": [{"platform": "instagram", "user_id": "ig-1", "handle": "ada.l"}]})
    match = resolve(instagram("ig-999", "ada.l", "Ada Lovelace", kind="message",
                              text="it's me, ada.lovelace@gmail.com"), directory, "GB")
    assert match.outcome == "candidate"
    [held] = match.candidates
    assert "email_in_message" in held["agrees"] and "name_match" in held["agrees"]
    assert any("released handle" in reason for reason in held["contradicts"])


def test_relative_on_the_customers_phone_is_not_linked_and_review_names_the_name():
    directory = directory_of(ADA)
    match = resolve(whatsapp("+447911123456", "Byron Lovelace"), directory, "GB")
    assert not match.linked
    assert match.outcome == "candidate"
    [held] = match.candidates
    assert held["agrees"] == [] and any("name shown differs" in reason for reason in held["contradicts"])
    assert resolve(whatsapp("+447911123456", "Ada Lovelace"), directory, "GB").customer_id == "c-ada"


def test_recycled_number_written_from_by_someone_else_is_not_linked():
    directory = directory_of(ADA)
    assert not resolve(whatsapp("+447911123456", "Priya Patel"), directory, "GB").linked


def test_recycled_number_last_confirmed_long_ago_needs_the_name_to_agree():
    directory = directory_of({**ADA, "phones": [{"number": "07911 123456", "last_confirmed": "2023-02-01"}]})
    stranger = resolve(whatsapp("+447911123456", "Priya Patel"), directory, "GB")
    assert not stranger.linked and stranger.outcome == "candidate"
    assert any("over a year ago" in reason for reason in stranger.candidates[0]["contradicts"])
    assert resolve(whatsapp("+447911123456", "Ada Lovelace"), directory, "GB").customer_id == "c-ada"


def test_recycled_number_or_relative_shown_by_a_pseudonym_does_not_link_on_the_number_alone():
    for confirmed in ("2026-06-01", "2023-02-01"):
        directory = directory_of({**ADA, "phones": [{"number": "07911 123456", "last_confirmed": confirmed}]})
        for pseudonym in ("~ wanderlust ~", "Runner 42", "Bella's Mum", "🌻"):
            assert not resolve(whatsapp("+447911123456", pseudonym), directory, "GB").linked
    own_email = whatsapp("+447911123456", "Runner 42", text="It's me: ada.lovelace@gmail.com")
    assert resolve(own_email, directory_of(ADA), "GB").customer_id == "c-ada"  # the message settles who holds it


def test_released_handle_on_a_record_without_the_account_id_does_not_link_a_pseudonym():
    directory = directory_of({**ADA, "social": [{"platform": "instagram", "handle": "ada.l"}]})
    assert not resolve(instagram("ig-999", "ada.l", "Sunshine ☀️"), directory, "GB").linked
    assert resolve(instagram("ig-999", "ada.l", "Ada Lovelace"), directory, "GB").customer_id == "c-ada"
    assert resolve(instagram("ig-999", "ada.l", None), directory, "GB").customer_id == "c-ada"  # no name shown


def test_household_phone_on_two_records_links_the_one_whose_name_agrees():
    byron = {"customer_id": "c-byron", "name": "Byron Lovelace", "country": "GB", "phones": ["020 7946 0000"]}
    directory = directory_of({**ADA, "phones": ["07911 123456", "020 7946 0000"]}, byron)
    assert resolve(whatsapp("+442079460000", "Ada Lovelace"), directory, "GB").customer_id == "c-ada"
    assert resolve(whatsapp("+442079460000", "Byron L."), directory, "GB").customer_id == "c-byron"
    assert not resolve(whatsapp("+442079460000", "🌻"), directory, "GB").linked  # never on its own


def test_foreign_national_number_in_a_dm_is_read_in_the_customers_country():
    marie = {"customer_id": "c-marie", "name": "Marie Curie", "country": "FR",
             "phones": ["06 12 34 56 78", "+44 20 7946 0001"]}
    pierre = {"customer_id": "c-pierre", "name": "Pierre Curie", "country": "FR", "phones": ["+44 20 7946 0001"]}
    directory = directory_of(marie, pierre)
    post = whatsapp("+442079460001", "🌻", text="C'est moi, mon portable : 06 12 34 56 78")
    assert resolve(post, directory, "GB").customer_id == "c-marie"


def test_renamed_account_keeps_its_link_through_the_account_id_learned_under_the_old_handle():
    directory = directory_of({**ADA, "social": [{"platform": "instagram", "handle": "ada.l"}]})
    deps = LinkingDeps(directory, FakePosts(), FakeCards(), FakeReviews(), FakeLinkCodes(), "GB", lambda: None)
    first, _ = match_new_post(instagram("ig-3", "ada.l", "Ada Lovelace", "i1"), deps)
    renamed, _ = match_new_post(instagram("ig-3", "ada_writes", "Ada", "i2"), deps)
    assert (first.customer_id, renamed.customer_id) == ("c-ada", "c-ada")


def test_email_with_a_plus_tag_and_dots_counts_for_the_customer_with_the_handle():
    directory = directory_of({**ADA, "social": [{"platform": "instagram", "handle": "ada.l"}]})
    post = instagram("ig-3", "ada.l", "🌸", kind="message", text="Write to A.da.Lovelace+Shop@GMAIL.com")
    match = resolve(post, directory, "GB")
    assert match.customer_id == "c-ada" and "email_in_message" in match.evidence
