"""Schedule-fed capture for sources without webhooks: page through a newest-first listing down to
the source's watermark, enqueue what is new, and checkpoint after every page.

State per source (one DynamoDB item): {"high": {"at", "id"}, "pending": {"high", "cursor"}}.
- `high` is the newest item already captured; a run stops when it reaches it.
- While a run pages back, `pending` remembers where it got to and the new high-water mark. A run
  that fails part-way (5xx, rate limit, timeout) leaves `pending`; the next run resumes from its
  cursor, so nothing is read twice and nothing is skipped. When it reaches the old watermark (or the
  end of the listing) `pending.high` becomes `high`.
A page is enqueued before its checkpoint is saved; if saving fails the page is re-read next time and
the processor's idempotency keeps one copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from socialcrm.model import CanonicalPost
from socialcrm.observability import logger
from socialcrm.ports import IngestQueue


class SourceUnavailable(Exception):
    """The source failed in a way worth retrying on the next scheduled run (5xx, 429, timeouts)."""


@dataclass(frozen=True)
class ListedItem:
    at: float  # creation time, epoch seconds
    item_id: str
    post: CanonicalPost | None  # None: listed but not captured (e.g. no brand keyword), still advances


@dataclass(frozen=True)
class Page:
    items: Sequence[ListedItem]  # newest first
    cursor: str | None  # for the next (older) page; None at the end of the listing


class Listing(Protocol):
    source_id: str

    def page(self, cursor: str | None) -> Page: ...


class StateStore(Protocol):
    def load(self, source_id: str) -> dict[str, Any]: ...

    def save(self, source_id: str, state: dict[str, Any]) -> None: ...


@dataclass
class PollResult:
    source_id: str
    status: str = "complete"  # complete | partial
    pages: int = 0
    captured: int = 0
    error: str | None = None
    post_keys: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {"source": self.source_id, "status": self.status, "pages": self.pages, "captured": self.captured,
                "error": self.error}


def _reached(item: ListedItem, high: dict[str, Any] | None) -> bool:
    return high is not None and (item.item_id == high["id"] or item.at < high["at"])


def poll(listing: Listing, state_store: StateStore, queue: IngestQueue, *, max_pages: int = 50,
         seconds_left: Callable[[], float] = lambda: 60.0, min_seconds: float = 5.0) -> PollResult:
    result = PollResult(listing.source_id)
    state = state_store.load(listing.source_id)
    high = state.get("high")
    pending = state.get("pending") or {}
    new_high = pending.get("high")
    cursor = pending.get("cursor")
    while True:
        if result.pages >= max_pages or seconds_left() < min_seconds:
            result.status, result.error = "partial", "page or time budget spent"
            return result
        try:
            page = listing.page(cursor)
        except SourceUnavailable as error:
            result.status, result.error = "partial", str(error)
            return result
        result.pages += 1
        fresh: list[ListedItem] = []
        reached = False
        for item in page.items:
            if _reached(item, high):
                reached = True
                break
            fresh.append(item)
        posts = [item.post for item in fresh if item.post is not None]
        if posts:
            unsent = {post.key for post, _why in queue.send_posts(posts) or []}
            if unsent:  # too large or not encodable: skipped, so the page is not retried for ever
                logger.warning("polled posts not enqueued", extra={"source": listing.source_id, "count": len(unsent)})
            posts = [post for post in posts if post.key not in unsent]
            result.captured += len(posts)
            result.post_keys.extend(post.key.text for post in posts)
        if new_high is None and fresh:
            new_high = {"at": fresh[0].at, "id": fresh[0].item_id}
        cursor = page.cursor
        if reached or cursor is None:
            state_store.save(listing.source_id, {"high": new_high or high, "pending": None})
            return result
        state_store.save(listing.source_id, {"high": high, "pending": {"high": new_high, "cursor": cursor}})


class RateLimiter:
    """Honours the source's rate-limit answer: waits when within budget, else gives up until next run."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep, max_wait: float = 10.0) -> None:
        self.sleep = sleep
        self.max_wait = max_wait

    def wait(self, seconds: float, why: str) -> None:
        if seconds > self.max_wait:
            raise SourceUnavailable(f"{why}: retry in {seconds:.0f} s")
        if seconds > 0:
            self.sleep(seconds)
