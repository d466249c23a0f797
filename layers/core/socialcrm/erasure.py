"""Erasure: a customer, or a social identity with no customer record, removed from every copy we hold.

What goes: the customer record and identity items, every post they wrote or that was linked to them
(through the customer and author indexes, never a scan), the replies we made to those posts (their records,
and our own posts that published them: docs/replies.md), the cards under every lookup key, the open
task window, and (when that connector is on) the customer's SocialPost objects in Amazon Connect
Customer Profiles; for an identity, its posts and their SocialPost objects on the profiles of the
customers they were linked to. Erasure markers (SHA-256 of the identity keys and of the customer id, so
no identifier in clear) stay for MARKER_DAYS, longer than a queue keeps a message: the processor drops a
queued post by an erased author and the push function drops a queued push for an erased customer.
An erased customer also leaves a lasting tombstone (a keyed hash of the customer id and the day), so a
later CRM sync of the same id is refused unless the record says the person has come back.
Counters and rollups are aggregates and stay. Running it again erases nothing more and says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from socialcrm import identity
from socialcrm.cards import lookup_keys
from socialcrm.errors import InvalidRecord
from socialcrm.linking import LinkingDeps, rematch
from socialcrm.matching import resolve
from socialcrm.model import PostKey
from socialcrm.ports import (
    CardStore,
    ConnectorEraser,
    CustomerDirectory,
    LinkCodes,
    PostRepository,
    ReplyStore,
    ReviewList,
    Tombstones,
)

MARKER_DAYS = 15  # SQS keeps a message at most 14 days


class ContactState(Protocol):
    def forget(self, customer_id: str) -> int: ...


@dataclass
class ErasureDeps:
    customers: CustomerDirectory
    posts: PostRepository
    cards: CardStore
    contact_state: ContactState
    clock: Callable[[], datetime]
    reviews: ReviewList
    codes: LinkCodes
    default_region: str
    erasers: Sequence[ConnectorEraser] = ()  # the configured connectors that keep copies of posts
    tombstones: Tombstones | None = None
    replies: ReplyStore | None = None

    @property
    def linking(self) -> LinkingDeps:
        return LinkingDeps(self.customers, self.posts, self.cards, self.reviews, self.codes, self.default_region,
                           self.clock)


@dataclass(frozen=True)
class Receipt:
    """What an erasure removed, by kind (counts only: the subject names the kind of key, never its value
    for an identity)."""

    subject: str
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("customer_records", "identity_keys", "posts", "replies", "match_candidates", "link_codes", "cards",
         "task_windows", "profile_objects", "markers", "tombstones"), 0))

    @property
    def total(self) -> int:
        """Items removed: markers and tombstones are written, not removed."""
        return sum(self.counts.values()) - self.counts["markers"] - self.counts["tombstones"]


def customer_key(customer_id: str) -> str:
    return f"customer:{customer_id}"


def subject_of(request: Any) -> tuple[str | None, str | None]:
    """(customer id, identity key): exactly one of them."""
    if not isinstance(request, dict):
        raise InvalidRecord("request", "must be an object")
    customer_id = request.get("customer_id")
    if customer_id is not None:
        if not isinstance(customer_id, str) or not customer_id.strip():
            raise InvalidRecord("customer_id", "must be a non-empty string")
        return customer_id.strip(), None
    platform = request.get("platform")
    if not isinstance(platform, str) or not platform.strip():
        raise InvalidRecord("platform", "is required when customer_id is not given")
    if isinstance(request.get("user_id"), (str, int)) and str(request["user_id"]).strip():
        return None, identity.platform_user_key(platform, str(request["user_id"]))
    if isinstance(request.get("handle"), str) and identity.normalize_handle(request["handle"]):
        return None, identity.handle_key(platform, request["handle"])
    raise InvalidRecord("user_id", "or handle is required with platform")


def erase(request: Any, deps: ErasureDeps) -> Receipt:
    customer_id, key = subject_of(request)
    now = int(deps.clock().timestamp())
    if customer_id is not None:
        return _erase_customer(customer_id, deps, now)
    return _erase_identity(key or "", deps, now)


def _delete_replies(post_keys: Sequence[PostKey], customer_id: str | None, deps: ErasureDeps) -> int:
    """The replies to these posts (and to the customer's, by the customer index): each record, and our own post
    that published it (its text answered them). Returns the records removed."""
    if deps.replies is None:
        return 0
    reply_ids = list(deps.replies.for_customer(customer_id)) if customer_id else []
    for post_key in dict.fromkeys(post_keys):
        reply_ids += [record.reply_id for record in deps.replies.for_post(post_key)]
    erased = 0
    for reply_id in dict.fromkeys(reply_ids):
        record = deps.replies.get(reply_id)
        if record is not None and record.platform_id:
            deps.posts.delete(PostKey(record.target.platform, record.platform_id))
        erased += 1 if deps.replies.delete(reply_id) else 0
    return erased


def _delete_posts(post_keys: Sequence[PostKey], deps: ErasureDeps) -> int:
    """Delete every post the indexes name; the number of readable ones. An expired post is deleted too:
    reads ignore it, but it stays in the table until TTL removes it, which can take days."""
    erased = 0
    for post_key in dict.fromkeys(post_keys):
        state = deps.posts.get_state(post_key)
        if state is not None:
            if state.match_status == "candidate":
                deps.reviews.release(post_key)
            erased += 1
        deps.posts.delete(post_key)
    return erased


def _accounts_linked_to(customer_id: str, keys: Sequence[str], deps: ErasureDeps) -> list[str]:
    """Accounts linked to the customer beyond the record (learned, confirmed, verified): theirs to erase too."""
    return [key for key in keys if any(link.customer_id == customer_id and link.source not in ("crm", "rejected")
                                       for link in deps.customers.identity_links(key))]


def _hold_again_if_still_candidate(post_keys: Sequence[PostKey], deps: ErasureDeps) -> None:
    """A released post still waiting for review goes back on the list with the candidates left: rematch keeps a post
    whose outcome did not change as it is, and it would otherwise wait for review without being listed."""
    for post_key in dict.fromkeys(post_keys):
        state = deps.posts.get_state(post_key)
        if state is not None and state.match_status == "candidate":
            match = resolve(state.author_post(), deps.customers, deps.default_region)
            if match.outcome == "candidate":
                deps.reviews.hold(post_key, state.created_at, match.candidates)


def _erase_customer(customer_id: str, deps: ErasureDeps, now: int) -> Receipt:
    receipt = Receipt(f"customer {customer_id}")
    customer = deps.customers.get(customer_id)
    keys = list(customer.identity_keys) if customer else []
    keys += _accounts_linked_to(customer_id, customer.linked_keys if customer else (), deps)
    keys = list(dict.fromkeys(keys))  # a handle on the record can also hold a learned link: one marker, counted once
    # Markers first: anything still in a queue for this customer is dropped from now on.
    deps.customers.mark_erased([customer_key(customer_id), *keys], now + MARKER_DAYS * 86400)
    receipt.counts["markers"] = 1 + len(keys)
    if deps.tombstones is not None:  # lasting: a later CRM sync does not bring them back by itself
        deps.tombstones.bury(customer_id, deps.clock().date().isoformat())
        receipt.counts["tombstones"] = 1
    post_keys = deps.posts.keys_for_customer(customer_id)
    for key in keys:
        if key.startswith(("id:", "handle:", "phone:")):
            post_keys += deps.posts.keys_by_author(key)
    for eraser in deps.erasers:  # every copy (SocialPost objects), also those of posts we no longer hold
        receipt.counts[eraser.erases] = receipt.counts.get(eraser.erases, 0) + eraser.erase(customer_id)
    receipt.counts["replies"] = _delete_replies(post_keys, customer_id, deps)
    receipt.counts["posts"] = _delete_posts(post_keys, deps)
    held_naming_them = deps.reviews.for_customer(customer_id)  # other people's posts, with them as a candidate
    if customer is not None:
        card_keys = lookup_keys(customer)
        deps.cards.delete(card_keys)
        receipt.counts["cards"] = len(card_keys)
        removed = deps.customers.delete(customer_id)
        receipt.counts["customer_records"] = 1 if removed else 0
        receipt.counts["identity_keys"] = max(0, removed - 1)
        from socialcrm.card_refresh import contact_keys, release_contact_keys

        # A phone or email that another record also has goes back to that customer (or stays shared).
        release_contact_keys(contact_keys(customer), deps.posts, deps.customers, deps.cards, deps.clock())
    for post_key in held_naming_them:
        deps.reviews.release(post_key)
    rematch(held_naming_them, deps.linking)  # held again without them, or unmatched
    _hold_again_if_still_candidate(held_naming_them, deps)
    receipt.counts["match_candidates"] = len(held_naming_them)
    receipt.counts["link_codes"] = deps.codes.forget_customer(customer_id)
    receipt.counts["task_windows"] = deps.contact_state.forget(customer_id)
    return receipt


def _erase_identity(key: str, deps: ErasureDeps, now: int) -> Receipt:
    receipt = Receipt(f"identity {key.split(':', 2)[0]}:{key.split(':', 2)[1]}")
    deps.customers.mark_erased([key], now + MARKER_DAYS * 86400)
    receipt.counts["markers"] = 1
    post_keys = deps.posts.keys_by_author(key)
    linked_customers: dict[str, list[PostKey]] = {}  # customer id -> this identity's posts linked to them
    handles: set[str] = set()  # the handles this account posted under (they may note it as their holder)
    for post_key in post_keys:
        state = deps.posts.get_state(post_key)
        if state and state.customer_id:
            linked_customers.setdefault(state.customer_id, []).append(post_key)
        if state and state.author_handle_key:
            handles.add(state.author_handle_key)
    for eraser in deps.erasers:  # while the posts still tell which copies (profile objects) are this identity's
        receipt.counts[eraser.erases] = receipt.counts.get(eraser.erases, 0) + sum(
            eraser.erase(customer_id, keys) for customer_id, keys in linked_customers.items())
    receipt.counts["replies"] = _delete_replies(post_keys, None, deps)
    receipt.counts["posts"] = _delete_posts(post_keys, deps)
    for link in deps.customers.identity_links(key):  # links people or matching made; the CRM's stay with it
        if link.source != "crm":
            deps.customers.remove_link(key, link.customer_id)
            receipt.counts["identity_keys"] += 1
    for handle_key in sorted(handles):  # a note that this account held a customer's handle names the account
        for link in deps.customers.identity_links(handle_key):
            if link.holder == key:
                deps.customers.remove_link(handle_key, link.customer_id)
                receipt.counts["identity_keys"] += 1
    from socialcrm.card_refresh import refresh_card

    for customer_id in linked_customers:  # their cards no longer show this identity's posts
        refresh_card(customer_id, deps.posts, deps.customers, deps.cards, deps.clock())
    return receipt
