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


# Providers where a "+tag" does not change the mailbox, and Gmail, where dots do not either.
_PLUS_TAG_DOMAINS = frozenset({"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com",
                               "icloud.com", "me.com", "fastmail.com", "proton.me", "protonmail.com"})
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def canonical_email(email: str) -> str:
    """One form per mailbox: lowercased; Gmail without dots; '+tag' dropped where the provider ignores it."""
    local, _, domain = email.strip().lower().rpartition("@")
    domain = domain.rstrip(".")
    if domain in _PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def email_key(email: str) -> str:
    return f"email:{canonical_email(email)}"


def author_probes(author: Author) -> list[tuple[str, str]]:
    """(identity key, what the platform told us) for a post's author, strongest first."""
    probes = []
    if author.user_id:
        probes.append((platform_user_key(author.platform, author.user_id), "user_id"))
    if author.handle and normalize_handle(author.handle):
        probes.append((handle_key(author.platform, author.handle), "handle"))
    if author.phone:
        probes.append((phone_key(author.phone), "phone"))
    return probes


def author_keys(author: Author) -> list[str]:
    """Keys of a post's author, strongest first (a platform id beats a handle)."""
    return [key for key, _ in author_probes(author)]


def author_from_keys(platform: str, author_key: str | None, handle_key_: str | None, name: str | None) -> Author:
    """The author of a stored post, rebuilt from its indexed keys (for re-matching without the payload)."""
    user_id = phone = handle = None
    if author_key and author_key.startswith("id:"):
        user_id = author_key.split(":", 2)[2]
    elif author_key and author_key.startswith("phone:"):
        phone = author_key.split(":", 1)[1]
    if handle_key_ and handle_key_.startswith("handle:"):
        handle = handle_key_.split(":", 2)[2]
    return Author(platform, user_id, handle, name, phone)


def primary_author_key(author: Author) -> str | None:
    """The key a stored post is indexed by (`by-author`), so a customer added later finds it."""
    if author.user_id:
        return platform_user_key(author.platform, author.user_id)
    if author.phone:
        return phone_key(author.phone)
    return None


def indexed_handle_key(author: Author) -> str | None:
    return handle_key(author.platform, author.handle) if author.handle and normalize_handle(author.handle) else None


_BASIS_LABELS = {
    "platform_id_on_record": "{platform} account id on the customer record",
    "handle_on_record": "{platform} handle on the customer record",
    "platform_phone_on_record": "{platform} sender's phone number on the customer record",
    "confirmed_by_agent": "confirmed by an agent",
    "verified_by_customer": "verified by the customer with a one-time code",
}
_KEY_NAMES = {"id": "account id", "handle": "handle", "phone": "phone number", "email": "email address"}


def describe_match(match_key: str | None, basis: str | None = None, platform: str | None = None) -> str:
    """Where a post's link to its customer came from, for agents, without the identifier itself.

    `basis` is what the link rests on (socialcrm.matching.Match.basis); a link stored before it was
    recorded names only the kind of key, and says that its origin was not recorded."""
    from socialcrm.names import PLATFORM_NAMES

    kind, _, rest = (match_key or "").partition(":")
    platform = platform or (rest.split(":", 1)[0] if kind in ("id", "handle") else "")
    shown = PLATFORM_NAMES.get(platform, platform)
    if basis:
        how, _, learned_from = basis.partition(":")
        if how == "linked_before":
            origin = _BASIS_LABELS.get(learned_from, "not recorded").format(platform=shown)
            return f"learned from an earlier post by the same account (originally: {origin})"
        if how in _BASIS_LABELS:
            return _BASIS_LABELS[how].format(platform=shown)
    if not match_key:
        return ""
    return f"{shown} {_KEY_NAMES.get(kind, 'key')} (origin not recorded)".strip()

