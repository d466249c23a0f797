"""Signed, expiring links to the agent's screen-pop page (standard library only: the lookup uses it).

A link is issued by the lookup for the contact being answered and is good for LINK_TTL_SECONDS:
    <base>/agent/customers/<id>?exp=<unix seconds>&sig=<hex HMAC-SHA256(key, "GET\\n" + path + "\\n" + exp)>
Why signed links rather than an authorizer: the page opens from Amazon Connect's agent workspace,
which has no session with our API; a link minted per contact carries its own short-lived proof and
leaks nothing durable if it is copied (docs/contact-centre.md).
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

LINK_TTL_SECONDS = 15 * 60
MAX_TTL_SECONDS = 60 * 60  # a link claiming a longer life was not minted by us


def customer_path(customer_id: str) -> str:
    return f"/agent/customers/{quote(customer_id, safe='')}"


def signature(key: bytes, path: str, expires: int) -> str:
    return hmac.new(key, f"GET\n{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def signed_link(base_url: str, path: str, key: bytes, now: int, ttl: int = LINK_TTL_SECONDS) -> str:
    expires = now + ttl
    return f"{base_url.rstrip('/')}{path}?exp={expires}&sig={signature(key, path, expires)}"


def link_is_valid(path: str, expires: str | None, sig: str | None, key: bytes, now: int) -> bool:
    if not expires or not sig or not expires.isdigit():
        return False
    moment = int(expires)
    if not now <= moment <= now + MAX_TTL_SECONDS:
        return False
    return hmac.compare_digest(sig.encode(), signature(key, path, moment).encode())
