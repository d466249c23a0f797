"""Identity keys: the normalized strings under which customers are found by a key read.

One item per key in the customers table, so matching a post's author is a Query on one
partition, never a scan, and its cost does not grow with the number of customers.
"""

from __future__ import annotations

import unicodedata

from socialcrm.model import Author


def platform_user_key(platform: str, user_id: str) -> str:
    return f"id:{platform.lower()}:{user_id.strip()}"


def normalize_handle(handle: str) -> str:
    return unicodedata.normalize("NFKC", handle).strip().lstrip("@").casefold()


def handle_key(platform: str, handle: str) -> str:
    return f"handle:{platform.lower()}:{normalize_handle(handle)}"


def phone_key(e164: str) -> str:
    return f"phone:{e164}"


def email_key(email: str) -> str:
    return f"email:{email.strip().lower()}"


def author_keys(author: Author) -> list[str]:
    """Keys to try for a post's author, strongest first (a platform id beats a handle)."""
    keys = []
    if author.user_id:
        keys.append(platform_user_key(author.platform, author.user_id))
    if author.handle and normalize_handle(author.handle):
        keys.append(handle_key(author.platform, author.handle))
    if author.phone:
        keys.append(phone_key(author.phone))
    return keys


def primary_author_key(author: Author) -> str | None:
    """The key a stored post is indexed by (`by-author`), so a customer added later finds it."""
    if author.user_id:
        return platform_user_key(author.platform, author.user_id)
    if author.phone:
        return phone_key(author.phone)
    return None


def indexed_handle_key(author: Author) -> str | None:
    return handle_key(author.platform, author.handle) if author.handle and normalize_handle(author.handle) else None


def describe_match(match_key: str | None) -> str:
    """What linked a post to its customer, for agents, without the identifier itself."""
    if not match_key:
        return ""
    kind, _, rest = match_key.partition(":")
    platform = rest.split(":", 1)[0] if kind in ("id", "handle") else ""
    return {"id": f"{platform} account id on the customer record",
            "handle": f"{platform} handle on the customer record", "phone": "phone number on the customer record",
            "email": "email address on the customer record"}.get(kind, kind)
