"""The signature checks every webhook adapter shares (socialcrm.platforms.signing): HMAC over the raw bytes, the
encodings platforms use, and a rotated secret accepted until the end of its overlap and not a second longer."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from socialcrm.errors import ConfigurationError
from socialcrm.platforms.signing import (
    any_offered_matches,
    ascii_integer,
    digest,
    encoded,
    matches_any,
    secrets_in_force,
    with_rotation,
)

BODY = b'{"entry": [{"id": "1"}]}'
SECRET, OLD = "current-app-secret-0123456789", "previous-app-secret-0123456789"


def hex_mac(secret: str, body: bytes = BODY, algorithm=hashlib.sha256) -> str:
    return hmac.new(secret.encode(), body, algorithm).hexdigest()


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha384", "sha512"])
def test_the_digest_is_the_hmac_of_the_raw_bytes_under_the_named_algorithm(algorithm):
    assert digest(SECRET, BODY, algorithm) == hmac.new(SECRET.encode(), BODY, getattr(hashlib, algorithm)).digest()


def test_the_digest_is_sha256_unless_told_otherwise():
    assert digest(SECRET, BODY) == hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()


def test_an_unsupported_algorithm_or_encoding_is_a_configuration_error_naming_it():
    with pytest.raises(ConfigurationError, match="'md5'"):
        digest(SECRET, BODY, "md5")
    with pytest.raises(ConfigurationError, match="'base32'"):
        encoded(b"\x00", "base32")


def test_signatures_are_written_in_hex_or_base64():
    assert encoded(b"\xfa\x01", "hex") == "fa01"
    assert encoded(b"\xfa\x01", "base64") == base64.b64encode(b"\xfa\x01").decode() == "+gE="


def test_a_rotated_secret_has_three_keys():
    assert with_rotation("app_secret") == ("app_secret", "previous_app_secret", "previous_app_secret_valid_until")


def rotated(until: str) -> dict[str, str]:
    return {"app_secret": SECRET, "previous_app_secret": OLD, "previous_app_secret_valid_until": until}


def test_the_previous_secret_is_accepted_until_its_end_of_overlap_and_not_from_that_moment():
    ends = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)
    just_before = datetime(2027, 1, 15, 7, 59, 59, tzinfo=UTC)
    assert secrets_in_force(rotated("2027-01-15T08:00:00Z"), "app_secret", just_before) == [SECRET, OLD]
    assert secrets_in_force(rotated("2027-01-15T08:00:00Z"), "app_secret", ends) == [SECRET]


def test_an_end_of_overlap_without_a_zone_is_utc():
    assert secrets_in_force(rotated("2027-01-15T08:00:00"), "app_secret",
                            datetime(2027, 1, 15, 7, 59, 59, tzinfo=UTC)) == [SECRET, OLD]
    assert secrets_in_force(rotated("2027-01-15T08:00:00"), "app_secret",
                            datetime(2027, 1, 15, 8, 0, tzinfo=UTC)) == [SECRET]


def test_without_a_time_the_overlap_is_judged_by_the_clock():
    assert secrets_in_force(rotated("2999-01-01T00:00:00Z"), "app_secret") == [SECRET, OLD]
    assert secrets_in_force(rotated("2000-01-01T00:00:00Z"), "app_secret") == [SECRET]


@pytest.mark.parametrize("credentials", [
    {"app_secret": SECRET, "previous_app_secret": OLD},
    {"app_secret": SECRET, "previous_app_secret_valid_until": "2999-01-01T00:00:00Z"},
    {"app_secret": SECRET, "previous_app_secret": "", "previous_app_secret_valid_until": "2999-01-01T00:00:00Z"}])
def test_a_previous_secret_without_an_end_of_overlap_is_never_accepted(credentials):
    assert secrets_in_force(credentials, "app_secret", datetime(2026, 1, 1, tzinfo=UTC)) == [SECRET]


@pytest.mark.parametrize("credentials", [{}, {"app_secret": ""}, {"client_secret": SECRET}])
def test_credentials_without_the_secret_are_a_configuration_error_naming_it(credentials):
    with pytest.raises(ConfigurationError, match="no app_secret"):
        secrets_in_force(credentials, "app_secret")


def test_an_unreadable_end_of_overlap_is_a_configuration_error_naming_the_key():
    with pytest.raises(ConfigurationError, match="previous_app_secret_valid_until must be an ISO-8601 time"):
        secrets_in_force(rotated("next tuesday"), "app_secret")


def test_a_signature_matches_under_any_secret_in_force():
    assert matches_any(hex_mac(SECRET), [SECRET, OLD], BODY, "sha256", "hex")
    assert matches_any(hex_mac(OLD), [SECRET, OLD], BODY, "sha256", "hex")
    assert not matches_any(hex_mac("someone else's secret"), [SECRET, OLD], BODY, "sha256", "hex")
    assert not matches_any(hex_mac(SECRET, BODY + b" "), [SECRET], BODY, "sha256", "hex")


@pytest.mark.parametrize("received", [None, ""])
def test_no_signature_matches_nothing(received):
    assert matches_any(received, [SECRET], BODY, "sha256", "hex") is False


def test_a_signature_may_come_with_spaces_around_it_and_in_capitals_only_where_the_platform_allows():
    upper = f"  {hex_mac(SECRET).upper()} "
    assert matches_any(upper, [SECRET], BODY, "sha256", "hex", case_insensitive=True)
    assert not matches_any(upper, [SECRET], BODY, "sha256", "hex")
    assert matches_any(f" {hex_mac(SECRET)}\n", [SECRET], BODY, "sha256", "hex")


def test_a_base64_signature_is_compared_as_written():
    mac = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha1).digest()).decode()
    assert matches_any(mac, [SECRET], BODY, "sha1", "base64")
    assert not matches_any(mac.lower(), [SECRET], BODY, "sha1", "base64")


def test_any_of_several_offered_signatures_may_match():
    assert any_offered_matches(["0" * 64, hex_mac(SECRET)], [SECRET], BODY, "sha256", "hex")
    assert any_offered_matches([hex_mac(OLD), "0" * 64], [SECRET, OLD], BODY, "sha256", "hex")
    assert not any_offered_matches(["0" * 64, "f" * 64], [SECRET, OLD], BODY, "sha256", "hex")
    assert not any_offered_matches([], [SECRET], BODY, "sha256", "hex")


@pytest.mark.parametrize(("value", "number"), [("0", 0), ("1800000000", 1_800_000_000), ("9" * 12, 10**12 - 1)])
def test_a_timestamp_of_ascii_digits_is_read(value, number):
    assert ascii_integer(value) == number


@pytest.mark.parametrize("value", [None, "", "9" * 13, "²", "١٢", "-1", "+1", " 1", "1.5", "1e9"])
def test_anything_but_1_to_12_ascii_digits_is_no_timestamp(value):
    assert ascii_integer(value) is None


def test_the_number_of_digits_allowed_can_be_set():
    assert ascii_integer("12345", max_digits=5) == 12345
    assert ascii_integer("123456", max_digits=5) is None
