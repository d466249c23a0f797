"""Ports: the small interfaces between the domain core and the outside world.

Adapters in socialcrm.adapters implement them against AWS; tests use in-memory fakes.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from socialcrm.answer_worth import CohortFacts
from socialcrm.model import AnalyzedPost, CanonicalPost, ContactPush, Customer, IdentityLink, PostKey
from socialcrm.replies.model import PublishedReply, ReplyRecord
from socialcrm.stored import StoredPost


class SecretStore(Protocol):
    def platform_credentials(self, platform: str) -> dict[str, str]: ...


class IngestQueue(Protocol):
    def send_posts(self, posts: Sequence[CanonicalPost]) -> list[tuple[CanonicalPost, str]] | None:
        """Send every post that can be a queue message; return those that cannot (too large, not encodable),
        each with the reason, unsent. Raise when the queue fails, so the delivery is retried."""
        ...


class SetAsideStore(Protocol):
    """Where a verified delivery that could not be taken in whole is kept, for an operator to read and replay."""

    def keep(self, platform: str, body: bytes, reasons: Sequence[dict[str, str]]) -> str:
        """Store the raw body with the reasons; return the object's key (logged, never the content)."""
        ...


class PushQueue(Protocol):
    def enqueue(self, push: ContactPush) -> None: ...


class SentimentAnalyzer(Protocol):
    def analyze(self, text: str) -> tuple[str, float]:
        """(label, compound score in [-1, 1]); label is positive, neutral or negative."""
        ...


class CustomerDirectory(Protocol):
    def identity_links(self, identity_key: str, consistent: bool = False) -> list[IdentityLink]:
        """Every link of the key, rejections included (one Query on one partition; `consistent`: a strongly
        consistent read, which sees every write that completed before it)."""
        ...

    def add_link(self, identity_key: str, customer_id: str, source: str) -> None:
        """A link made by matching, an agent or the customer (kept on the record, so erasure finds it)."""
        ...

    def remove_link(self, identity_key: str, customer_id: str) -> None:
        """Drop a link that is not on the CRM record (learned, confirmed, verified or rejected)."""
        ...

    def get(self, customer_id: str) -> Customer | None:
        """The record as last written (a strongly consistent read)."""
        ...

    def get_many(self, customer_ids: Sequence[str]) -> dict[str, Customer]: ...

    def upsert(self, customer: Customer) -> tuple[str, ...]:
        """Store the record and its identity keys; return the identity keys it no longer has."""
        ...

    def delete(self, customer_id: str) -> int:
        """Remove the record and its identity items; the number of items removed."""
        ...

    def mark_erased(self, keys: Sequence[str], until: int) -> None: ...

    def erased(self, keys: Sequence[str], now: int) -> bool:
        """Whether any of these identity keys (or customer:<id>) was erased and the marker is live."""
        ...

    def erased_among(self, keys: Sequence[str], now: int) -> frozenset[str]:
        """Which of these keys were erased, with a live marker (one request for a processor batch)."""
        ...


class PostRepository(Protocol):
    def store_new(self, post: AnalyzedPost, batch: str, delivery: str) -> StoredPost | None:
        """Store the post unless its key is taken (one conditional write, no read first): None when stored now,
        else the post already stored, with the batch and delivery that stored it."""
        ...

    def take_over(self, post_key: PostKey, from_batch: str | None, batch: str) -> bool:
        """Move a stored post to `batch` if `from_batch` still holds it (its counts are redone in `batch`)."""
        ...

    def get_states(self, post_keys: Sequence[PostKey]) -> dict[PostKey, StoredPost]:
        """The stored posts among these keys (one request for a batch's parents)."""
        ...

    def update_text(self, post_key: PostKey, text: str, sentiment: str, score: float) -> None: ...

    def delete(self, post_key: PostKey) -> None: ...

    def get_state(self, post_key: PostKey) -> StoredPost | None: ...

    def recent_for_customer(self, customer_id: str, limit: int) -> list[StoredPost]: ...

    def keys_by_author(self, author_key: str) -> list[PostKey]:
        """Keys of the posts whose author has this identity key (through an index, not a scan)."""
        ...

    def keys_for_customer(self, customer_id: str) -> list[PostKey]:
        """Keys of every post linked to the customer (through the customer index)."""
        ...

    def mark_answered(self, post_key: PostKey, answered_at: str, answered_by: PostKey,
                      answer_text: str | None = None) -> bool:
        """Record the first official reply to a post (`answered_by`) and what it said: True for it (also when it is
        recorded again), False when another reply answered first."""
        ...

    def link(self, post_key: PostKey, customer_id: str | None, match_key: str | None, *,
             evidence: Sequence[str] = (), score: int = 0, status: str | None = None,
             basis: str | None = None) -> StoredPost | None:
        """Set (or clear) the customer of a stored post, with the evidence and the asserted kind the link rests
        on (`basis`); returns its previous state."""
        ...


class ReviewList(Protocol):
    """Posts whose author may be a customer but not surely: for people to confirm or reject."""

    def hold(self, post_key: PostKey, created_at: str, candidates: Sequence[dict[str, Any]]) -> None: ...

    def release(self, post_key: PostKey) -> None: ...

    def pending(self, limit: int) -> list[dict[str, Any]]:
        """The held posts, oldest first: {"post_key": "<platform>#<post id>", "created_at", "candidates"}."""
        ...

    def for_customer(self, customer_id: str) -> list[PostKey]:
        """Keys of the held posts that name this customer as a candidate."""
        ...


class LinkCodes(Protocol):
    """One-time codes a customer sends in a direct message to verify a social account; stored hashed."""

    def save(self, code_hash: str, customer_id: str, expires_at: int) -> None: ...

    def redeem(self, code_hash: str, now: int) -> str | None:
        """The customer of a live, unused code, marking it used (atomically); else None."""
        ...

    def forget_customer(self, customer_id: str) -> int: ...


class Tombstones(Protocol):
    """Erased customers, kept for good under a keyed hash of their customer id (docs/privacy.md)."""

    def erased_on(self, customer_id: str) -> str | None:
        """The day (YYYY-MM-DD) the customer was erased, or None."""
        ...

    def erased_on_many(self, customer_ids: Sequence[str]) -> dict[str, str]:
        """The erased ones among the customer ids, each with its day (batched reads)."""
        ...

    def bury(self, customer_id: str, day: str) -> None: ...

    def lift(self, customer_id: str) -> None: ...


@dataclass(frozen=True)
class NewRecord:
    """A customer record to create in a bulk import, with the card it starts with: under `card_keys` always (its
    CUSTOMER# key), under `claimed_keys` (its phones and emails) only where no card is stored yet."""

    customer: Customer
    card: dict[str, Any]
    card_keys: tuple[str, ...]
    claimed_keys: tuple[str, ...]


class BulkCustomerStore(Protocol):
    """Customer records many at a time, for the bulk import (socialcrm.customer_import)."""

    def records(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        """The stored records among the ids (strongly consistent, batched reads)."""
        ...

    def create(self, new: Sequence[NewRecord]) -> frozenset[str]:
        """Write each record with its identity keys, its count in the customer base and its cards, all or nothing
        per record. A record is not written, and its customer id returned, when a record with its id exists by
        then or a card is stored under one of its claimed keys (the caller takes the careful path for those)."""
        ...


class CardStore(Protocol):
    def put(self, lookup_keys: Sequence[str], card: dict[str, Any]) -> None: ...

    def put_in_place(self, customer_key: str, own_keys: Sequence[str], card: dict[str, Any]) -> bool:
        """The card under `customer_key`, and under each of `own_keys` on the condition that the key holds this
        customer's own card now (a key holding the shared marker or another's card is left as it is): a write per
        key, no read. False when a key holds nothing (never placed): the caller places the card."""
        ...

    def delete(self, lookup_keys: Sequence[str]) -> None: ...


class ContactConnector(Protocol):
    """Delivers a push to a contact centre; raises TransientDeliveryError or PermanentDeliveryError."""

    name: str

    def wants(self, push: ContactPush) -> bool:
        """Whether this connector acts on the push (alerting connectors: only actionable ones)."""
        ...

    def deliver(self, push: ContactPush) -> None: ...


class ConnectorEraser(Protocol):
    """A connector's copies of posts, removed on erasure (connectors.ConnectorKind.eraser)."""

    erases: str  # what it removes, the erasure receipt's count name (profile_objects)

    def erase(self, customer_id: str, post_keys: Sequence[PostKey] | None = None) -> int:
        """Delete the customer's copies (all, or only those of `post_keys`); the number deleted."""
        ...


class CounterStore(Protocol):
    def read_hour(self, hour: str) -> dict[str, int]:
        """Sum of every counter of the hour over all shards."""
        ...

    def read_base(self) -> dict[str, int]:
        """The customer base by segment ({"Customers|Segment=gold": n}), kept by customer sync and erasure."""
        ...

    def stored_rollup(self, period: str) -> dict[str, float] | None:
        """The figures stored for an hour ("...T10:00:00Z") or a day ("2026-11-20")."""
        ...

    def save_rollup(self, period: str, figures: dict[str, float]) -> None: ...

    def read_cohort(self, day: str) -> CohortFacts:
        """What answering is worth: the day's cohort (ASKED) and the calls of that day and the next (CALLED)."""
        ...


class Ledger(Protocol):
    """The processor's metric writes: each batch's counts and sightings, written whole and once, and review notes.

    A batch's counts in an hour name the posts they are for: a redelivered post is counted again only in the
    hours whose counts do not name it (docs/architecture.md, "Write path")."""

    def record_sightings(self, batch: str, day: str, seen: Mapping[str, Mapping[str, Collection[str]]],
                         expires_at: int, asked: Mapping[str, str] | None = None,
                         asked_expires_at: int | None = None) -> None:
        """The hashed voices the batch saw in the day: {hour: {distinct counter: [marker]}}. Distinct counts are
        counted from the union of every batch's sightings, so a voice written again is not counted again.
        `asked`: {customer id: earliest inbound post time} of the day's cohort in the batch (answer_worth.py),
        kept hashed until `asked_expires_at`, in the same request; the cohort takes each customer's earliest over
        the batches, so writing it again is harmless."""
        ...

    def record_counts(self, batch: str, hour: str, counts: Mapping[str, int], posts: Sequence[PostKey]) -> None:
        """The batch's summed counts in the hour, for these posts (written whole; writing it again changes
        nothing)."""
        ...

    def counted(self, batch: str, hours: Sequence[str], post_key: PostKey) -> frozenset[str]:
        """The hours among these in which the batch's counts name the post (strongly consistent)."""
        ...

    def note_for_review(self, day: str, post_key: PostKey, role: str, platform: str, expires_at: int) -> None: ...

    def note_answered(self, day: str, customer_id: str, expires_at: int) -> None:
        """One of the customer's inbound posts of the day got its first official answer within 24 h."""
        ...


class CallFigures(Protocol):
    def read_day(self, day: str) -> dict[str, float]:
        """Calls and their channel-switching counts for a day (from the lookup's EMF metrics)."""
        ...


class MetricsPublisher(Protocol):
    def publish(self, hour_start: str, figures: dict[str, float]) -> int:
        """Publish the figures for an hour; returns the number of requests made."""
        ...

    def publish_statistics(self, day_start: str, sets: dict[str, tuple[float, float]]) -> int:
        """Publish {metric: (sum, sample count)} of 0/1 values as statistic sets; returns the requests made."""
        ...


class PostsForReplies(Protocol):
    """What the reply use case reads of the posts (the post repository has it)."""

    def get_state(self, post_key: PostKey) -> StoredPost | None: ...

    def last_post_at(self, author_key: str) -> str | None:
        """When the author last wrote to us (newest post under this identity key, through its index), or None."""
        ...


class ReplyEchoes(Protocol):
    """What the processor asks of the reply records: is this post one of our published replies."""

    def published(self, post_key: PostKey) -> PublishedReply | None: ...


class ReplyStore(Protocol):
    """Reply records (RepliesTable), claimed before sending and moved on only from the state last read."""

    def get(self, reply_id: str) -> ReplyRecord | None:
        """The record as last written (a strongly consistent read)."""
        ...

    def claim(self, record: ReplyRecord) -> bool:
        """Write a new record; False when the reply id is taken."""
        ...

    def replace(self, before: ReplyRecord, after: ReplyRecord) -> bool:
        """Move a record on, only if it is still `before` (status and updated_at); a sent one also becomes findable
        by the platform's id (`published`). False when another request moved it first."""
        ...

    def for_post(self, post_key: PostKey) -> list[ReplyRecord]:
        """The replies to a post, oldest first (through the post index)."""
        ...

    def published(self, post_key: PostKey) -> PublishedReply | None:
        """The reply whose publication has this key (platform, the platform's id of what we published)."""
        ...

    def for_customer(self, customer_id: str) -> list[str]:
        """Ids of the replies to the customer's posts (through the customer index)."""
        ...

    def delete(self, reply_id: str) -> bool:
        """Remove the record and its publication pointer; False when there was none."""
        ...
