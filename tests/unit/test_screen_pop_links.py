"""The screen-pop link: who can open it, and for how long (socialcrm.screen_pop)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from socialcrm.errors import ConfigurationError
from socialcrm.screen_pop import (
    LINK_TTL_SECONDS,
    MAX_TTL_SECONDS,
    CachedKeys,
    SigningKeys,
    customer_path,
    link_is_valid,
    signature,
    signed_link,
)

KEY = b"current-screen-pop-key-0123456789abcdef"
OTHER_KEY = b"someone-elses-screen-pop-key-0123456789"
NOW = 1_800_000_000
PATH = "/agent/customers/cust-1"


def opens(link: str, keys: tuple[bytes, ...] = (KEY,), now: int = NOW) -> bool:
    parts = urlsplit(link)
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return link_is_valid(parts.path, query.get("exp"), query.get("sig"), keys, now)


def test_a_link_opens_until_its_last_second_and_one_second_past_its_expiry_is_refused():
    link = signed_link("https://api.example.com", PATH, KEY, NOW)
    expires = NOW + LINK_TTL_SECONDS
    assert opens(link, now=NOW)
    assert opens(link, now=expires)
    assert not opens(link, now=expires + 1)
    assert not opens(link, now=expires + 3600)


def test_a_link_claiming_more_than_an_hour_of_life_was_not_minted_by_us():
    assert opens(signed_link("https://api.example.com", PATH, KEY, NOW, ttl=MAX_TTL_SECONDS))
    assert not opens(signed_link("https://api.example.com", PATH, KEY, NOW, ttl=MAX_TTL_SECONDS + 1))


def test_the_link_carries_its_expiry_and_the_signature_over_method_path_and_expiry():
    link = signed_link("https://api.example.com/", PATH, KEY, NOW, ttl=60)
    assert link == f"https://api.example.com{PATH}?exp={NOW + 60}&sig={signature(KEY, PATH, NOW + 60)}"
    assert signature(KEY, PATH, NOW) == signature(KEY, PATH, NOW)
    assert len({signature(KEY, PATH, NOW), signature(KEY, PATH, NOW + 1), signature(KEY, "/agent/customers/x", NOW),
                signature(OTHER_KEY, PATH, NOW)}) == 4


def test_a_link_signed_with_another_key_or_for_another_customer_is_refused():
    assert not opens(signed_link("https://api.example.com", PATH, OTHER_KEY, NOW))
    forged = signed_link("https://api.example.com", PATH, KEY, NOW).replace(PATH, "/agent/customers/cust-2")
    assert not opens(forged)


def test_any_key_in_force_opens_a_link_whichever_its_place():
    link = signed_link("https://api.example.com", PATH, KEY, NOW)
    assert opens(link, keys=(OTHER_KEY, KEY))
    assert opens(link, keys=(KEY, OTHER_KEY))
    assert not opens(link, keys=(OTHER_KEY,))
    assert not opens(link, keys=())


@pytest.mark.parametrize(("expires", "sig"), [
    (None, "0" * 64), (str(NOW + 60), None), (NOW + 60, "0" * 64), (str(NOW + 60), b"0" * 64),
    ("", None), (f"{NOW + 60}", "A" * 64)])
def test_missing_or_mistyped_link_parameters_are_refused(expires, sig):
    assert link_is_valid(PATH, expires, sig, (KEY,), NOW) is False


def test_a_link_with_an_uppercase_signature_is_refused_even_when_the_hex_is_right():
    genuine = signature(KEY, PATH, NOW + 60)
    assert link_is_valid(PATH, str(NOW + 60), genuine, (KEY,), NOW) is True
    assert link_is_valid(PATH, str(NOW + 60), genuine.upper(), (KEY,), NOW) is False


def test_the_customer_path_escapes_every_character_that_could_change_the_route():
    assert customer_path("cust-1") == "/agent/customers/cust-1"
    assert customer_path("a/../b?c=d#e f") == "/agent/customers/a%2F..%2Fb%3Fc%3Dd%23e%20f"


def test_a_secret_with_only_a_current_key_signs_and_verifies_with_it():
    keys = SigningKeys.from_secret({"signing_key": KEY.decode()})
    assert keys == SigningKeys(KEY)
    assert keys.in_force(NOW) == (KEY,)


def test_the_previous_key_is_accepted_until_its_end_of_overlap_and_not_from_that_second():
    keys = SigningKeys.from_secret({"signing_key": KEY.decode(), "previous_signing_key": OTHER_KEY.decode(),
                                    "previous_signing_key_valid_until": "2027-01-15T08:00:00Z"})
    until = 1_800_000_000  # 2027-01-15T08:00:00Z
    assert keys.previous == OTHER_KEY and keys.previous_until == until
    assert keys.in_force(until - 1) == (KEY, OTHER_KEY)
    assert keys.in_force(until) == (KEY,)


def test_an_end_of_overlap_without_a_zone_is_read_as_utc():
    keys = SigningKeys.from_secret({"signing_key": KEY.decode(), "previous_signing_key": OTHER_KEY.decode(),
                                    "previous_signing_key_valid_until": "2027-01-15T08:00:00"})
    assert keys.previous_until == 1_800_000_000


@pytest.mark.parametrize("secret", [
    {"signing_key": KEY.decode(), "previous_signing_key": OTHER_KEY.decode()},
    {"signing_key": KEY.decode(), "previous_signing_key": "", "previous_signing_key_valid_until": "2027-01-15"},
    {"signing_key": KEY.decode(), "previous_signing_key_valid_until": "2027-01-15T08:00:00Z"}])
def test_a_previous_key_without_an_end_of_overlap_is_never_accepted(secret):
    keys = SigningKeys.from_secret(secret)
    assert keys.previous is None
    assert keys.in_force(0) == (KEY,)


@pytest.mark.parametrize(("secret", "complaint"), [
    ("a string", "JSON object"),
    ({}, "signing_key must have at least 32"),
    ({"signing_key": "k" * 31}, "signing_key must have at least 32"),
    ({"signing_key": 12345678901234567890123456789012345}, "signing_key must have at least 32"),
    ({"signing_key": KEY.decode(), "previous_signing_key": "short", "previous_signing_key_valid_until": "2027-01-15"},
     "previous_signing_key must have at least 32"),
    ({"signing_key": KEY.decode(), "previous_signing_key": ["k" * 40], "previous_signing_key_valid_until": "2027"},
     "previous_signing_key must have at least 32"),
    ({"signing_key": KEY.decode(), "previous_signing_key": OTHER_KEY.decode(),
      "previous_signing_key_valid_until": "next tuesday"}, "ISO-8601")])
def test_a_malformed_secret_is_a_configuration_error_that_says_what_is_wrong(secret, complaint):
    with pytest.raises(ConfigurationError, match=complaint):
        SigningKeys.from_secret(secret)


def test_keys_of_exactly_the_minimum_length_are_accepted():
    keys = SigningKeys.from_secret({"signing_key": "k" * 32, "previous_signing_key": "p" * 32,
                                    "previous_signing_key_valid_until": "2027-01-15T08:00:00Z"})
    assert keys.in_force(0) == (b"k" * 32, b"p" * 32)


class Secret:
    def __init__(self, key: bytes) -> None:
        self.key, self.reads = key, 0

    def __call__(self) -> dict[str, str]:
        self.reads += 1
        return {"signing_key": self.key.decode()}


def test_the_keys_are_read_once_and_again_when_they_are_max_age_old():
    secret = Secret(KEY)
    cached = CachedKeys(secret, max_age=300)
    assert cached.at(NOW).current == KEY
    secret.key = OTHER_KEY
    assert cached.at(NOW + 299).current == KEY
    assert secret.reads == 1
    assert cached.at(NOW + 300).current == OTHER_KEY
    assert secret.reads == 2


def test_the_keys_are_read_again_when_the_clock_goes_back():
    secret = Secret(KEY)
    cached = CachedKeys(secret, max_age=300)
    cached.at(NOW)
    secret.key = OTHER_KEY
    assert cached.at(NOW - 1).current == OTHER_KEY


def test_a_fresh_cache_reads_the_secret_even_at_time_zero():
    secret = Secret(KEY)
    assert CachedKeys(secret).at(0).current == KEY
    assert secret.reads == 1
