"""What answering is worth: of the customers who posted on a day, did those whose post got an official answer
still call within 24 hours, as often as those whose posts got none? (docs/metrics.md, "What answering is worth")

The cohort of day D is every customer with an inbound post (a public post waiting for our answer, linked to the
customer) written on D. A customer is *answered* when at least one of their inbound posts of D got its first
official answer within 24 h of that post, else *unanswered* (one answered and one unanswered post: answered).
They *called* when a contact-lookup call found them between their first inbound post of D and 24 h after it
(both ends included), measured from the post for both groups so how fast we answered does not move the window.

Two facts per customer and day, written where they happen and read back by key by the daily rollup (no Scan):
- `ASKED#<D>#<n>`: the first inbound post's time (`BATCH#<token>`: each processor batch's customers of D with
  their first post in it, the earliest over the batches counts) and the answered flag (`<marker>`, processor);
- `CALLED#<C>` / `<marker>`: the first and last call of day C from a customer who had posted in the 24 h before
  (contact lookup), with `previous`, the customer's marker for C - 1, so a call joins the posts of the day before.
A call in the window of a post written at p on D is a call on D at or after p (the last call of D is at or after
p) or a call on D + 1 at or before p + 24 h (the first call of D + 1 is at or before it): first and last are enough.

Markers are day-scoped hashes of the customer id (no id in clear); the facts expire after FACT_DAYS.
Standard library only, and no dataclass (about 1 ms each to define): the contact lookup imports this module on
its cold start.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

WINDOW = timedelta(hours=24)  # the call window after the post, and the time an answer has to count
FACT_DAYS = 14  # the facts' TTL; a day older than FACT_DAYS - 2 keeps the figures stored when it was rolled up
ASKED_SHARDS = 8  # ASKED#<day> partitions, so a burst of posts never throttles one


def iso(moment: datetime) -> str:
    """UTC, to the second, 'YYYY-MM-DDTHH:MM:SSZ': such strings order as the times they write."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)


def posted_time(created_at: str, now: datetime) -> str:
    """A post's time as the facts keep it: a time in the future, or one we cannot read, is now."""
    try:
        return iso(min(parse(created_at), now))
    except (ValueError, AttributeError):
        return iso(now)


def day_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")


def day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


def day_after(day: str) -> str:
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def marker(day: str, customer_id: str) -> str:
    """The customer on that day, hashed: the facts of two days join only through a call's `previous`."""
    return hashlib.sha256(f"answer-worth|{day}|{customer_id}".encode()).hexdigest()[:40]


def asked_partition(day: str, customer_marker: str) -> str:
    return f"ASKED#{day}#{int(customer_marker[:8], 16) % ASKED_SHARDS}"


def asked_batch_partition(day: str, batch: str) -> str:
    """Where a processor batch keeps its customers of the day (spread like the customers' own items)."""
    return asked_partition(day, hashlib.sha256(batch.encode()).hexdigest())


def asked_partitions(day: str) -> list[str]:
    return [f"ASKED#{day}#{shard}" for shard in range(ASKED_SHARDS)]


def called_partition(day: str) -> str:
    return f"CALLED#{day}"


def expiry(now: datetime) -> int:
    return int((now + timedelta(days=FACT_DAYS)).timestamp())


class Asked(NamedTuple):
    """A customer of day D's cohort (ASKED#<D>): first inbound post of D, answered within 24 h or not."""

    marker: str
    first_post_at: str
    answered: bool


class Called(NamedTuple):
    """A customer's calls on one day (CALLED#<day>): first and last, and their marker of the day before."""

    marker: str
    previous: str
    first_call_at: str
    last_call_at: str


class CohortFacts(NamedTuple):
    asked: tuple[Asked, ...]
    calls_that_day: tuple[Called, ...]
    calls_next_day: tuple[Called, ...]


class Tally(NamedTuple):
    answered: int = 0
    answered_called: int = 0
    unanswered: int = 0
    unanswered_called: int = 0
    open_windows: int = 0  # customers whose window had not closed when counted: the figures may still change


def called_in_window(posted_at: str, that_day: Called | None, next_day: Called | None) -> bool:
    """A call between the post and 24 h after it, both ends included (see the module's docstring)."""
    posted = parse(posted_at)
    if that_day is not None and parse(that_day.last_call_at) >= posted:
        return True
    return next_day is not None and parse(next_day.first_call_at) <= posted + WINDOW


def tally(facts: CohortFacts, now: datetime) -> Tally:
    that_day = {call.marker: call for call in facts.calls_that_day}
    next_day = {call.previous: call for call in facts.calls_next_day}
    counts = {"answered": 0, "answered_called": 0, "unanswered": 0, "unanswered_called": 0, "open_windows": 0}
    for customer in facts.asked:
        group = "answered" if customer.answered else "unanswered"
        counts[group] += 1
        if called_in_window(customer.first_post_at, that_day.get(customer.marker), next_day.get(customer.marker)):
            counts[f"{group}_called"] += 1
        if parse(customer.first_post_at) + WINDOW > now:
            counts["open_windows"] += 1
    return Tally(**counts)
