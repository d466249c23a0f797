"""Signed, expiring links to the agent's screen-pop page (standard library only: the lookup uses it).

A link is issued by the lookup for the contact being answered and is good for LINK_TTL_SECONDS:
    <base>/agent/customers/<id>?exp=<unix seconds>&sig=<hex HMAC-SHA256(key, "GET\\n" + path + "\\n" + exp)>
Why signed links rather than an authorizer: the page opens from Amazon Connect's agent workspace,
which has no session with our API; a link minted per contact carries its own short-lived proof and
leaks nothing durable if it is copied (docs/contact-centre.md).

The key is rotated like the platform secrets: the ScreenPopSecret holds {"signing_key",
"previous_signing_key", "previous_signing_key_valid_until"}; links are signed with the current key and
verified against it, and against the previous one until its end of overlap. Each function keeps the
secret for KEY_CACHE_SECONDS, so the overlap must last at least MIN_OVERLAP_SECONDS (docs/deploy.md).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple
from urllib.parse import quote

from socialcrm.errors import ConfigurationError

SECRET_KEYS = ("signing_key", "previous_signing_key", "previous_signing_key_valid_until")  # ScreenPopSecret
LINK_TTL_SECONDS = 15 * 60
MAX_TTL_SECONDS = 60 * 60  # a link claiming a longer life was not minted by us
KEY_CACHE_SECONDS = 5 * 60
MIN_OVERLAP_SECONDS = KEY_CACHE_SECONDS + LINK_TTL_SECONDS  # the last link signed with a key read before rotation
MIN_KEY_CHARS = 32
_EXPIRY = re.compile(r"[0-9]{1,12}")  # ASCII digits only, bounded (int() accepts '²' lookalikes, 4,300+ digits raise)
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


class SigningKeys(NamedTuple):
    """Links are signed with `current`; `previous` is also accepted until `previous_until` (unix seconds)."""

    current: bytes
    previous: bytes | None = None
    previous_until: float = 0.0

    @classmethod
    def from_secret(cls, secret: Any) -> SigningKeys:
        if not isinstance(secret, dict):
            raise ConfigurationError("the screen-pop secret must hold a JSON object")
        current, previous = secret.get("signing_key"), secret.get("previous_signing_key")
        until = secret.get("previous_signing_key_valid_until")
        if not isinstance(current, str) or len(current) < MIN_KEY_CHARS:
            raise ConfigurationError(f"the screen-pop signing_key must have at least {MIN_KEY_CHARS} characters")
        if not previous or not until:  # no open-ended overlap: without an end, the previous key is not accepted
            return cls(current.encode())
        if not isinstance(previous, str) or len(previous) < MIN_KEY_CHARS:
            raise ConfigurationError(f"previous_signing_key must have at least {MIN_KEY_CHARS} characters")
        try:
            ends = datetime.fromisoformat(str(until).replace("Z", "+00:00"))
        except ValueError:
            raise ConfigurationError("previous_signing_key_valid_until must be an ISO-8601 time") from None
        ends = ends if ends.tzinfo else ends.replace(tzinfo=UTC)
        return cls(current.encode(), previous.encode(), ends.timestamp())

    def in_force(self, now: float) -> tuple[bytes, ...]:
        return (self.current, self.previous) if self.previous and now < self.previous_until else (self.current,)


class CachedKeys:
    """The secret's keys, read again once they are KEY_CACHE_SECONDS old by the caller's clock."""

    def __init__(self, read_secret: Callable[[], Any], max_age: float = KEY_CACHE_SECONDS) -> None:
        self._read_secret, self._max_age = read_secret, max_age
        self._keys: SigningKeys | None = None
        self._read_at = 0.0

    def at(self, now: float) -> SigningKeys:
        if self._keys is None or not 0 <= now - self._read_at < self._max_age:
            self._keys = SigningKeys.from_secret(self._read_secret())
            self._read_at = now
        return self._keys


def customer_path(customer_id: str) -> str:
    return f"/agent/customers/{quote(customer_id, safe='')}"


def signature(key: bytes, path: str, expires: int) -> str:
    return hmac.new(key, f"GET\n{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def signed_link(base_url: str, path: str, key: bytes, now: int, ttl: int = LINK_TTL_SECONDS) -> str:
    expires = now + ttl
    return f"{base_url.rstrip('/')}{path}?exp={expires}&sig={signature(key, path, expires)}"


def link_is_valid(path: str, expires: Any, sig: Any, keys: tuple[bytes, ...], now: int) -> bool:
    """Signed by one of `keys` (all are compared, so timing does not tell which) and not expired."""
    if not isinstance(expires, str) or not isinstance(sig, str):
        return False
    if not _EXPIRY.fullmatch(expires) or not _SIGNATURE.fullmatch(sig):
        return False
    moment = int(expires)
    if not now <= moment <= now + MAX_TTL_SECONDS:
        return False
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(sig.encode(), signature(key, path, moment).encode())
    return matched
