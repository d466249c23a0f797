"""Identity keys read back (socialcrm.identity): what `make mutation` showed no test noticing. A handle is hostile
input and may hold a colon, the separator of the keys it is written into."""

from __future__ import annotations

from socialcrm.identity import author_from_keys, canonical_email, describe_match, handle_key


def test_a_stored_post_by_a_handle_with_colons_is_rematched_under_its_whole_handle():
    author = author_from_keys("x", None, handle_key("x", "ada:love:lace"), "Ada")
    assert (author.platform, author.handle, author.user_id) == ("x", "ada:love:lace", None)


def test_a_link_by_a_handle_with_a_colon_is_described_by_its_platform_without_the_handle():
    described = describe_match(handle_key("x", "ada:lovelace"))
    assert described == describe_match(handle_key("x", "ada"))
    assert "ada" not in described


def test_the_provider_is_read_after_the_last_at_sign_so_a_quoted_gmail_address_still_loses_its_dots():
    assert canonical_email('"a.d.a@home"@GMail.com') == '"ada@home"@gmail.com'
