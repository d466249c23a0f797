"""Signature checks shared by the adapters: HMAC over the raw bytes, constant-time compare,
and secret rotation (the previous secret is accepted until the configured end of the overlap)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime

from socialcrm.errors import ConfigurationError

ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def digest(secret: str, message: bytes, algorithm: str = "sha256") -> bytes:
    if algorithm not in ALGORITHMS:
        raise ConfigurationError(f"unsupported HMAC algorithm {algorithm!r}")
    return hmac.new(secret.encode(), message, ALGORITHMS[algorithm]).digest()


def encoded(raw: bytes, encoding: str) -> str:
    if encoding == "hex":
        return raw.hex()
    if encoding == "base64":
        return base64.b64encode(raw).decode()
    raise ConfigurationError(f"unsupported signature encoding {encoding!r}")


def with_rotation(name: str) -> tuple[str, str, str]:
    """The keys a rotated secret may have: `name`, and `previous_<name>` until `previous_<name>_valid_until`."""
    return name, f"previous_{name}", f"previous_{name}_valid_until"


def secrets_in_force(credentials: dict[str, str], name: str, now: datetime | None = None) -> list[str]:
    """The current secret, plus `previous_<name>` while `previous_<name>_valid_until` is in the future."""
    current = credentials.get(name)
    if not current:
        raise ConfigurationError(f"the platform credentials have no {name}")
    secrets = [current]
    previous = credentials.get(f"previous_{name}")
    until = credentials.get(f"previous_{name}_valid_until")
    if previous and until:
        try:
            ends = datetime.fromisoformat(until.replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError(f"previous_{name}_valid_until must be an ISO-8601 time") from None
        if ends.tzinfo is None:
            ends = ends.replace(tzinfo=UTC)
        if (now or datetime.now(UTC)) < ends:
            secrets.append(previous)
    return secrets


def matches_any(received: str | None, secrets: list[str], message: bytes, algorithm: str, encoding: str,
                *, case_insensitive: bool = False) -> bool:
    """True when `received` is the HMAC of `message` under one of `secrets`. Every candidate is
    compared, so the timing does not tell which one matched."""
    if not received:
        return False
    return any_offered_matches([received], secrets, message, algorithm, encoding, case_insensitive=case_insensitive)


def any_offered_matches(offered: Sequence[str], secrets: list[str], message: bytes, algorithm: str, encoding: str,
                        *, case_insensitive: bool = False) -> bool:
    """True when one of `offered` is the HMAC of `message` under one of `secrets`. The message is hashed
    once per secret, however many values are offered (callers bound how many they pass on)."""
    expected = [encoded(digest(secret, message, algorithm), encoding).encode() for secret in secrets]
    matched = False
    for value in offered:
        candidate = value.strip().lower() if case_insensitive else value.strip()
        for wanted in expected:
            matched |= hmac.compare_digest(candidate.encode(), wanted)
    return matched


def ascii_integer(value: str | None, max_digits: int = 12) -> int | None:
    """The number written by 1..max_digits ASCII digits, else None: `str.isdigit()` also accepts '²' and
    '١٢', which `int()` then rejects or reads, and a thousand digits would overflow a float comparison."""
    if not value or len(value) > max_digits or not value.isascii() or not value.isdigit():
        return None
    return int(value)
