"""In-memory fakes of the ports, for unit tests without network."""

from __future__ import annotations

import copy
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from socialcrm import identity
from socialcrm.model import AnalyzedPost, ContactPush, Customer


class FakeCustomers:
    def __init__(self) -> None:
        self.records: dict[str, Customer] = {}
        self.identities: dict[str, set[str]] = defaultdict(set)
        self.markers: dict[str, int] = {}
        self.identity_reads = 0

    def delete(self, customer_id: str) -> int:
        customer = self.records.pop(customer_id, None)
        if customer is None:
            return 0
        for key in customer.identity_keys:
            self.identities[key].discard(customer_id)
        return 1 + len(customer.identity_keys)

    def mark_erased(self, keys, until: int) -> None:
        for key in keys:
            self.markers[key] = until

    def erased(self, keys, now: int) -> bool:
        return any(self.markers.get(key, 0) > now for key in keys)

    def customers_with_identity(self, identity_key: str) -> list[str]:
        self.identity_reads += 1
        return sorted(self.identities.get(identity_key, set()))[:2]

    def get(self, customer_id: str) -> Customer | None:
        return self.records.get(customer_id)

    def upsert(self, customer: Customer) -> tuple[str, ...]:
        previous = self.records.get(customer.customer_id)
        old = set(previous.identity_keys) if previous else set()
        for key in old - set(customer.identity_keys):
            self.identities[key].discard(customer.customer_id)
        for key in customer.identity_keys:
            self.identities[key].add(customer.customer_id)
        self.records[customer.customer_id] = customer
        return tuple(sorted(old - set(customer.identity_keys)))


class FakePosts:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.counters: dict[tuple[str, str, int], int] = defaultdict(int)
        self.rollups: dict[str, dict[str, float]] = {}

    def store_new(self, analyzed: AnalyzedPost, counters: dict[str, int], hour: str, shard: int) -> bool:
        post = analyzed.post
        if post.key in self.items:
            return False
        author = post.author
        self.items[post.key] = {
            "post_key": post.key, "platform": post.platform, "kind": post.kind, "text": post.text,
            "sentiment": analyzed.sentiment, "created_at": post.created_at, "url": post.url,
            "customer_id": analyzed.customer_id, "match_key": analyzed.match_key, "status": "stored",
            "author_key": identity.primary_author_key(author),
            "author_handle_key": identity.indexed_handle_key(author),
        }
        for name, amount in counters.items():
            self.counters[(hour, name, shard)] += amount
        return True

    def get_state(self, post_key: str) -> dict[str, Any] | None:
        item = self.items.get(post_key)
        return copy.deepcopy(item) if item else None

    def update_text(self, post_key: str, text: str, sentiment: str, score: float) -> None:
        self.items[post_key].update(text=text, sentiment=sentiment)

    def delete(self, post_key: str) -> None:
        self.items.pop(post_key, None)

    def mark_done(self, post_key: str) -> None:
        self.items[post_key]["status"] = "done"

    def recent_for_customer(self, customer_id: str, limit: int) -> list[dict[str, Any]]:
        mine = [copy.deepcopy(p) for p in self.items.values() if p["customer_id"] == customer_id]
        return sorted(mine, key=lambda p: p["created_at"], reverse=True)[:limit]

    def keys_for_customer(self, customer_id: str) -> list[str]:
        return [key for key, p in self.items.items() if p["customer_id"] == customer_id]

    def keys_by_author(self, author_key: str) -> list[str]:
        field = "author_handle_key" if author_key.startswith("handle:") else "author_key"
        return [key for key, p in self.items.items() if p[field] == author_key]

    def link(self, post_key: str, customer_id: str | None, match_key: str | None) -> dict[str, Any] | None:
        before = self.get_state(post_key)
        if before is not None:
            self.items[post_key].update(customer_id=customer_id, match_key=match_key)
        return before

    # CounterStore
    def read_hour(self, hour: str) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for (h, name, _), value in self.counters.items():
            if h == hour:
                totals[name] += value
        return dict(totals)

    def stored_rollup(self, hour: str) -> dict[str, float] | None:
        return self.rollups.get(hour)

    def save_rollup(self, hour: str, figures: dict[str, float]) -> None:
        self.rollups[hour] = dict(figures)


class FakeCards:
    def __init__(self) -> None:
        self.cards: dict[str, dict[str, Any]] = {}

    def put(self, lookup_keys, card) -> None:
        for key in lookup_keys:
            self.cards[key] = copy.deepcopy(card)

    def delete(self, lookup_keys) -> None:
        for key in lookup_keys:
            self.cards.pop(key, None)


class FakePushQueue:
    def __init__(self) -> None:
        self.pushes: list[ContactPush] = []

    def enqueue(self, push: ContactPush) -> None:
        self.pushes.append(push)


class FakeSentiment:
    """Negative when the text says so: enough to drive the rules in tests."""

    def analyze(self, text: str) -> tuple[str, float]:
        lowered = text.lower()
        if any(word in lowered for word in ("broken", "terrible", "angry", "worst")):
            return "negative", -0.8
        if any(word in lowered for word in ("love", "great", "thanks")):
            return "positive", 0.7
        return "neutral", 0.0


class FakePublisher:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, float]]] = []

    def publish(self, hour_start: str, figures: dict[str, float]) -> int:
        self.calls.append((hour_start, dict(figures)))
        return 1


class FixedClock:
    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment or datetime(2026, 11, 20, 10, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment
