"""Identity keys (socialcrm.identity): one key per account, number or mailbox, however it is written."""

from __future__ import annotations

import pytest

from socialcrm.identity import (
    author_from_keys,
    author_keys,
    author_probes,
    canonical_email,
    describe_match,
    email_key,
    handle_key,
    indexed_handle_key,
    normalize_handle,
    phone_key,
    platform_user_key,
    primary_author_key,
)
from socialcrm.model import Author


def test_an_account_id_key_names_the_platform_in_lower_case_and_the_id_as_given():
    assert platform_user_key("Facebook", " 1001 ") == "id:facebook:1001"
    assert platform_user_key("x", "AbC") == "id:x:AbC"  # ids are case-sensitive


@pytest.mark.parametrize("written", ["@Ada.L", " @ada.l ", "ADA.L", "\uff20\uff21\uff44\uff41.\uff2c", "@ADA.L\t"])
def test_a_handle_is_the_same_key_however_it_is_written(written):  # full-width letters too
    assert handle_key("Instagram", written) == "handle:instagram:ada.l"


def test_only_leading_at_signs_are_dropped_from_a_handle():
    assert normalize_handle("@@ada@home") == "ada@home"
    assert normalize_handle("Straße") == "strasse"


def test_a_phone_key_is_the_e164_number():
    assert phone_key("+447911123456") == "phone:+447911123456"


@pytest.mark.parametrize(("written", "mailbox"), [
    ("Ada.Lovelace+shop@GoogleMail.com", "adalovelace@gmail.com"),
    (" a.d.a@gmail.com. ", "ada@gmail.com"),
    ("ada+x@outlook.com", "ada@outlook.com"), ("ada+x@hotmail.com", "ada@hotmail.com"),
    ("ada+x@icloud.com", "ada@icloud.com"), ("ada+x@proton.me", "ada@proton.me"),
    ("ada.l+x@outlook.com", "ada.l@outlook.com"),  # dots count outside Gmail
    ("Ada.L+x@Example.org", "ada.l+x@example.org"),  # other providers: as written, lower-cased
    ("ada+a+b@gmail.com", "ada@gmail.com"),
])
def test_a_mailbox_has_one_email_key_however_its_address_is_written(written, mailbox):
    assert canonical_email(written) == mailbox
    assert email_key(written) == f"email:{mailbox}"


def test_an_address_with_an_at_sign_in_its_local_part_keeps_it():
    assert canonical_email('"a@b"@Example.com') == '"a@b"@example.com'


def test_an_authors_keys_come_strongest_first():
    author = Author("instagram", "ig-1", "@Ada.L", "Ada", "+447911123456")
    assert author_probes(author) == [("id:instagram:ig-1", "user_id"), ("handle:instagram:ada.l", "handle"),
                                     ("phone:+447911123456", "phone")]
    assert author_keys(author) == ["id:instagram:ig-1", "handle:instagram:ada.l", "phone:+447911123456"]


def test_an_author_without_keys_has_none_and_a_handle_of_only_at_signs_is_no_key():
    assert author_probes(Author("instagram", None, "@", "Ada")) == []
    assert author_probes(Author("instagram", "", "", "Ada", "")) == []
    assert indexed_handle_key(Author("instagram", None, "@@", "Ada")) is None
    assert indexed_handle_key(Author("instagram", None, None, "Ada")) is None
    assert indexed_handle_key(Author("instagram", None, "@Ada.L", "Ada")) == "handle:instagram:ada.l"


def test_a_stored_post_is_indexed_by_the_account_id_else_the_sender_number():
    assert primary_author_key(Author("whatsapp", "wa-1", None, "Ada", "+447911123456")) == "id:whatsapp:wa-1"
    assert primary_author_key(Author("whatsapp", None, None, "Ada", "+447911123456")) == "phone:+447911123456"
    assert primary_author_key(Author("instagram", None, "ada.l", "Ada")) is None


def test_the_author_of_a_stored_post_is_rebuilt_from_its_keys():
    assert author_from_keys("x", "id:x:42:with:colons", "handle:x:ada", "Ada") == Author("x", "42:with:colons", "ada",
                                                                                          "Ada", None)
    assert author_from_keys("whatsapp", "phone:+447911123456", None, None) == Author(
        "whatsapp", None, None, None, "+447911123456")
    assert author_from_keys("x", None, "not-a-handle-key", "Ada") == Author("x", None, None, "Ada", None)
    assert author_from_keys("x", "email:ada@example.com", None, None) == Author("x", None, None, None, None)


@pytest.mark.parametrize(("match_key", "basis", "platform", "said"), [
    ("id:facebook:1", "platform_id_on_record", None, "Facebook account id on the customer record"),
    ("handle:instagram:ada", "handle_on_record", None, "Instagram handle on the customer record"),
    ("phone:+44", "platform_phone_on_record", "whatsapp", "WhatsApp sender's phone number on the customer record"),
    (None, "confirmed_by_agent", None, "confirmed by an agent"),
    ("id:x:1", "verified_by_customer", None, "verified by the customer with a one-time code"),
    ("id:x:1", "linked_before:handle_on_record", None,
     "learned from an earlier post by the same account (originally: X handle on the customer record)"),
    ("id:x:1", "linked_before", None, "learned from an earlier post by the same account (originally: not recorded)"),
    ("id:facebook:1", None, None, "Facebook account id (origin not recorded)"),
    ("handle:instagram:ada", None, None, "Instagram handle (origin not recorded)"),
    ("phone:+447911123456", None, "whatsapp", "WhatsApp phone number (origin not recorded)"),
    ("email:ada@example.com", None, None, "email address (origin not recorded)"),
    ("odd", "something_new", None, "key (origin not recorded)"),
    (None, None, None, ""), ("", "unknown_basis", "facebook", ""),
])
def test_the_agent_is_told_where_a_link_came_from_without_the_identifier(match_key, basis, platform, said):
    assert describe_match(match_key, basis, platform) == said
