"""The key strings of the items in every table, in one place (the layout: docs/architecture.md, Table design).

Pure string formatting, no AWS and no PynamoDB: `infra/report.py` reads rollups with these too.
"""

from __future__ import annotations

import hashlib

from socialcrm.answer_worth import asked_batch_partition as asked_batch_partition
from socialcrm.answer_worth import asked_partition as asked_partition
from socialcrm.answer_worth import asked_partitions as asked_partitions
from socialcrm.answer_worth import called_partition as called_partition
from socialcrm.model import HOLDER

# CustomersTable
PROFILE = "PROFILE"  # sort key of a customer's record
REVIEW = "REVIEW"  # partition of the posts held for review (sort key: the post key)
MARKER = "MARKER"  # sort key of an erasure marker
CODE = "CODE"  # sort key of a one-time link code
TOMBSTONE = "TOMBSTONE"  # sort key of a tombstone
CUSTOMER_PREFIX = "CUSTOMER#"
LINK_PREFIX, REJECTED_PREFIX, HOLDER_PREFIX = "LINK#", "REJECTED#", "HOLDER#"
LINK_PREFIXES = (LINK_PREFIX, REJECTED_PREFIX, HOLDER_PREFIX)
REVIEW_POINTER_PREFIX = "REVIEW#"
CODE_PREFIX = "CODE#"

# MetricsTable
BASE_PARTITION = "BASE"  # customers by segment, kept by customer sync and erasure
BASE_SHARDS = 8
HOURLY, DAILY = "HOURLY", "DAILY"
ROLLUP_PREFIX = "ROLLUP#"


def customer_partition(customer_id: str) -> str:
    """The customer's partition: the record (PROFILE) and pointers for erasure (REVIEW#…, CODE#…)."""
    return f"{CUSTOMER_PREFIX}{customer_id}"


def identity_partition(identity_key: str) -> str:
    return f"IDENTITY#{identity_key}"


def record_link(customer_id: str) -> str:
    """Sort key of an identity key that is on the customer's CRM record."""
    return f"{CUSTOMER_PREFIX}{customer_id}"


def is_record_link(sort_key: str) -> bool:
    return sort_key.startswith(CUSTOMER_PREFIX)


def link_sort_key(source: str, customer_id: str) -> str:
    """Sort key of a link beyond the record: rejected, a handle's holder note, or a link (learned, confirmed…)."""
    if source == "rejected":
        return f"{REJECTED_PREFIX}{customer_id}"
    return f"{HOLDER_PREFIX if source.startswith(HOLDER) else LINK_PREFIX}{customer_id}"


def every_link_sort_key(customer_id: str) -> list[str]:
    return [f"{prefix}{customer_id}" for prefix in LINK_PREFIXES]


def erasure_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def erased_partition(key: str) -> str:
    """An erasure marker: hashed, so it holds no personal data."""
    return f"ERASED#{erasure_hash(key)}"


def review_pointer(post_key: str) -> str:
    return f"{REVIEW_POINTER_PREFIX}{post_key}"


def post_key_of_review_pointer(sort_key: str) -> str:
    return sort_key.removeprefix(REVIEW_POINTER_PREFIX)


def code_partition(code_hash: str) -> str:
    return f"{CODE_PREFIX}{code_hash}"


def tombstone_partition(digest: str) -> str:
    return f"TOMBSTONE#{digest}"


# MetricsTable
def counter_partition(hour: str) -> str:
    return f"COUNTER#{hour}"


def counter_sort_key(name: str, shard: int) -> str:
    return f"{name}#{shard}"


def counter_name(sort_key: str) -> str:
    """The counter of a sharded counter item (its sort key without the shard)."""
    return sort_key.rsplit("#", 1)[0]


def base_sort_key(segment: str, customer_id: str) -> str:
    """The customer-base counter of a segment, in the shard the customer id falls in."""
    shard = int(hashlib.sha256(customer_id.encode()).hexdigest()[:8], 16) % BASE_SHARDS
    return base_shard_sort_key(segment, shard)


def base_shard_sort_key(segment: str, shard: int) -> str:
    """A segment's customer-base counter in one shard (the base is the sum over shards, whoever counted where)."""
    return counter_sort_key(f"Customers|Segment={segment}", shard)


# ASKED#<day>#<n> and CALLED#<day> (what answering is worth) are written by answer_worth.py, which the contact
# lookup imports without this package; re-exported above.


def hour_of_counter_partition(partition: str) -> str:
    return partition.removeprefix("COUNTER#")


BATCH_PREFIX = "BATCH#"


def batch_sort_key(batch: str) -> str:
    """Sort key of what one processor batch wrote (its counts in an hour, its sightings in a day)."""
    return f"{BATCH_PREFIX}{batch}"


def counted_post(post_key: str) -> str:
    """How a batch's counts name a post: 80 bits of a SHA-256 of its key, so no post key outlives an erasure."""
    return hashlib.sha256(f"counted|{post_key}".encode()).hexdigest()[:20]


def is_batch_sort_key(sort_key: str) -> bool:
    return sort_key.startswith(BATCH_PREFIX)


def sightings_partition(day: str) -> str:
    """The day's per-batch sightings of voices (distinct counts)."""
    return f"SEEN#{day}"


def governance_partition(day: str) -> str:
    return f"GOVERNANCE#{day}"


def rollup_partition(period: str) -> str:
    return f"{ROLLUP_PREFIX}{period}"


def period_of_rollup(partition: str) -> str:
    return partition.removeprefix(ROLLUP_PREFIX)


def rollup_kind(period: str) -> str:
    """HOURLY for an hour ("…T10:00:00Z"), DAILY for a day ("2026-11-20")."""
    return HOURLY if "T" in period else DAILY


# ContactStateTable
def task_window_key(customer_id: str) -> str:
    return f"TASK#{customer_id}"


def delivery_key(push_id: str, connector: str) -> str:
    return f"PUSHED#{push_id}#{connector}"


# RepliesTable
def reply_key(reply_id: str) -> str:
    return f"REPLY#{reply_id}"


def published_key(platform: str, platform_id: str) -> str:
    """The pointer from what a reply published (the platform's id) to the reply: how its echo is recognised."""
    return f"PUBLISHED#{platform}#{platform_id}"
