"""In-memory fakes of the ports, for unit tests without network."""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from infra.eval_memory import MemoryDirectory
from socialcrm import answer_worth
from socialcrm.metric_counters import first_sightings
from socialcrm.model import AnalyzedPost, ContactPush, Customer, PostKey, segment_label
from socialcrm.stored import StoredPost


class FakeCustomers(MemoryDirectory):
    """Identity links as the table holds them (infra/eval_memory.py's MemoryDirectory: key -> {(customer id,
    source)}, `reads` counts requests), with the customer base by segment, deletion and erasure markers."""

    def __init__(self, base: dict[str, int] | None = None) -> None:
        super().__init__()
        self.base = base if base is not None else defaultdict(int)  # customers by segment
        self.markers: dict[str, int] = {}

    def delete(self, customer_id: str) -> int:
        customer = self.records.pop(customer_id, None)
        if customer is None:
            return 0
        self.base[segment_label(customer.segment)] -= 1
        for key in customer.identity_keys:
            self.links[key].discard((customer_id, "crm"))
        linked = self.linked_keys.pop(customer_id, set())
        for key in linked:
            self.links[key] = {link for link in self.links[key] if link[0] != customer_id}
        return 1 + len(customer.identity_keys) + len(linked)

    def mark_erased(self, keys, until: int) -> None:
        for key in keys:
            self.markers[key] = until

    def erased(self, keys, now: int) -> bool:
        return bool(self.erased_among(keys, now))

    def erased_among(self, keys, now: int) -> frozenset[str]:
        self.reads += 1
        return frozenset(key for key in keys if self.markers.get(key, 0) > now)

    def customers_with_identity(self, identity_key: str) -> list[str]:  # a test helper, not a port method
        found = {customer_id for customer_id, source in self.links.get(identity_key, ()) if source != "rejected"}
        return sorted(found)

    def upsert(self, customer: Customer) -> tuple[str, ...]:
        previous = self.records.get(customer.customer_id)
        if previous is not None:
            self.base[segment_label(previous.segment)] -= 1
        self.base[segment_label(customer.segment)] += 1
        return super().upsert(customer)


class FakeTombstones:
    def __init__(self) -> None:
        self.days: dict[str, str] = {}

    def erased_on(self, customer_id: str) -> str | None:
        return self.days.get(customer_id)

    def erased_on_many(self, customer_ids) -> dict[str, str]:
        return {customer_id: self.days[customer_id] for customer_id in customer_ids if customer_id in self.days}

    def bury(self, customer_id: str, day: str) -> None:
        self.days[customer_id] = day

    def lift(self, customer_id: str) -> None:
        self.days.pop(customer_id, None)


class FakeBulkCustomers:
    """The bulk import's writes over the same records, links, base and cards as FakeCustomers and FakeCards;
    `calls` counts requests (one per call, as a batched read or a group of transactions would be)."""

    def __init__(self, customers: FakeCustomers, cards: FakeCards) -> None:
        self.customers = customers
        self.cards = cards
        self.calls = 0
        self.created: list[str] = []

    def records(self, customer_ids) -> dict[str, Customer]:
        self.calls += 1
        return {c: self.customers.records[c] for c in customer_ids if c in self.customers.records}

    def create(self, new) -> frozenset[str]:
        self.calls += 1
        refused = set()
        for record in new:
            customer = record.customer
            if customer.customer_id in self.customers.records or any(key in self.cards.cards
                                                                     for key in record.claimed_keys):
                refused.add(customer.customer_id)
                continue
            self.customers.records[customer.customer_id] = customer
            for key in customer.identity_keys:
                self.customers.links[key].add((customer.customer_id, "crm"))
            self.customers.base[segment_label(customer.segment)] += 1
            self.cards.put([*record.card_keys, *record.claimed_keys], record.card)
            self.created.append(customer.customer_id)
        return frozenset(refused)


class FakeReviews:
    """Held posts under their written-out key, as the REVIEW partition holds them."""

    def __init__(self) -> None:
        self.held: dict[str, dict[str, Any]] = {}

    def hold(self, post_key: PostKey, created_at: str, candidates) -> None:
        self.held[post_key.text] = {"post_key": post_key.text, "created_at": created_at,
                                    "candidates": list(candidates)}

    def release(self, post_key: PostKey) -> None:
        self.held.pop(post_key.text, None)

    def pending(self, limit: int) -> list[dict[str, Any]]:
        return [copy.deepcopy(item) for item in list(self.held.values())[:limit]]

    def for_customer(self, customer_id: str) -> list[PostKey]:
        return [PostKey.parse(key) for key, item in self.held.items()
                if any(c["customer_id"] == customer_id for c in item["candidates"])]


class FakeLinkCodes:
    def __init__(self) -> None:
        self.codes: dict[str, dict[str, Any]] = {}
        self.reads = 0

    def save(self, code_hash: str, customer_id: str, expires_at: int) -> None:
        self.codes[code_hash] = {"customer_id": customer_id, "expires_at": expires_at, "used_at": None}

    def redeem(self, code_hash: str, now: int) -> str | None:
        self.reads += 1
        code = self.codes.get(code_hash)
        if code is None or code["used_at"] is not None or code["expires_at"] <= now:
            return None
        code["used_at"] = now
        return code["customer_id"]

    def forget_customer(self, customer_id: str) -> int:
        mine = [h for h, code in self.codes.items() if code["customer_id"] == customer_id]
        for code_hash in mine:
            del self.codes[code_hash]
        return len(mine)


class FakePosts:
    """Stored posts under their written-out key (as the table's `pk`), with the metrics table's items: sharded
    counters (`counters`, as hours counted before per-batch items left them), each batch's counts per hour
    (`batch_counts[(hour, batch)]`: counts and the posts they name) and sightings per day (`sightings`)."""

    def __init__(self) -> None:
        self.items: dict[str, StoredPost] = {}
        self.counters: dict[tuple[str, str, int], int] = defaultdict(int)
        self.batch_counts: dict[tuple[str, str], tuple[dict[str, int], frozenset[str]]] = {}
        self.sightings: dict[tuple[str, str], dict[str, dict[str, list[str]]]] = {}
        self.rollups: dict[str, dict[str, float]] = {}
        self.review_notes: dict[tuple[str, PostKey], dict[str, str]] = {}
        self.base: dict[str, int] = defaultdict(int)  # the customer base, when a FakeCustomers feeds it
        self.asked: dict[tuple[str, str], dict[str, Any]] = {}  # (day, marker) -> ASKED item (answer_worth.py)
        # (day, batch) -> {marker: first inbound post time}: each batch's ASKED item
        self.asked_in_batch: dict[tuple[str, str], dict[str, str]] = {}
        self.called: dict[tuple[str, str], answer_worth.Called] = {}  # (day, marker) -> CALLED item

    def store_new(self, analyzed: AnalyzedPost, batch: str, delivery: str) -> StoredPost | None:
        stored = replace(StoredPost.of(analyzed), batch=batch, delivery=delivery)
        if stored.key.text in self.items:
            return self.items[stored.key.text]
        self.items[stored.key.text] = stored
        return None

    def take_over(self, post_key: PostKey, from_batch: str | None, batch: str) -> bool:
        item = self.items.get(post_key.text)
        if item is None or item.batch != from_batch:
            return False
        self.items[post_key.text] = replace(item, batch=batch)
        return True

    def get_states(self, post_keys) -> dict[PostKey, StoredPost]:
        return {key: self.items[key.text] for key in post_keys if key.text in self.items}

    def mark_answered(self, post_key: PostKey, answered_at: str, answered_by: PostKey,
                      answer_text: str | None = None) -> bool:
        item = self.items.get(post_key.text)
        if item is None or (item.answered_at and item.answered_by != answered_by.text):
            return False
        self.items[post_key.text] = replace(item, answered_at=answered_at, answered_by=answered_by.text,
                                            answer_text=answer_text)
        return True

    # Ledger
    def record_sightings(self, batch: str, day: str, seen, expires_at: int, asked=None, asked_expires_at=None) -> None:
        self.sightings[(day, batch)] = {hour: {counter: sorted(markers) for counter, markers in families.items()}
                                        for hour, families in seen.items()}
        if asked:
            self.asked_in_batch[(day, batch)] = {answer_worth.marker(day, customer_id): posted_at
                                                 for customer_id, posted_at in asked.items()}

    def record_counts(self, batch: str, hour: str, counts, posts) -> None:
        self.batch_counts[(hour, batch)] = (dict(counts), frozenset(p.text for p in posts))

    def counted(self, batch: str, hours, post_key: PostKey) -> frozenset[str]:
        return frozenset(hour for hour in hours
                         if post_key.text in self.batch_counts.get((hour, batch), ({}, frozenset()))[1])

    def note_for_review(self, day: str, post_key: PostKey, role: str, platform: str, expires_at: int) -> None:
        self.review_notes[(day, post_key)] = {"role": role, "platform": platform}

    def note_answered(self, day: str, customer_id: str, expires_at: int) -> None:
        self.asked.setdefault((day, answer_worth.marker(day, customer_id)), {})["answered"] = True

    def record_call(self, customer_id: str, now: datetime) -> None:
        """What the contact lookup's call_recorder writes (CALLED#<day>)."""
        day = answer_worth.day_of(now)
        key = (day, answer_worth.marker(day, customer_id))
        before = self.called.get(key)
        self.called[key] = answer_worth.Called(key[1], answer_worth.marker(answer_worth.day_before(day), customer_id),
                                               before.first_call_at if before else answer_worth.iso(now),
                                               answer_worth.iso(now))

    def get_state(self, post_key: PostKey) -> StoredPost | None:
        return self.items.get(post_key.text)

    def update_text(self, post_key: PostKey, text: str, sentiment: str, score: float) -> None:
        self.items[post_key.text] = replace(self.items[post_key.text], text=text, sentiment=sentiment)

    def delete(self, post_key: PostKey) -> None:
        self.items.pop(post_key.text, None)

    def recent_for_customer(self, customer_id: str, limit: int) -> list[StoredPost]:
        mine = [p for p in self.items.values() if p.customer_id == customer_id]
        return sorted(mine, key=lambda p: p.created_at, reverse=True)[:limit]

    def keys_for_customer(self, customer_id: str) -> list[PostKey]:
        return [p.key for p in self.items.values() if p.customer_id == customer_id]

    def last_post_at(self, author_key: str) -> str | None:
        by_handle = author_key.startswith("handle:")
        times = [p.created_at for p in self.items.values()
                 if (p.author_handle_key if by_handle else p.author_key) == author_key]
        return max(times, default=None)

    def keys_by_author(self, author_key: str) -> list[PostKey]:
        by_handle = author_key.startswith("handle:")
        return [p.key for p in self.items.values()
                if (p.author_handle_key if by_handle else p.author_key) == author_key]

    def link(self, post_key: PostKey, customer_id: str | None, match_key: str | None, *, evidence=(), score: int = 0,
             status: str | None = None, basis: str | None = None) -> StoredPost | None:
        before = self.get_state(post_key)
        if before is not None:
            self.items[post_key.text] = replace(
                before, customer_id=customer_id, match_key=match_key, evidence=tuple(evidence),
                match_basis=basis if customer_id else None, match_score=score,
                match_status=status or ("linked" if customer_id else "unmatched"))
        return before

    # CounterStore
    def read_hour(self, hour: str) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for (h, name, _), value in self.counters.items():
            if h == hour:
                totals[name] += value
        for (h, _), (counts, _) in self.batch_counts.items():
            if h == hour:
                for name, value in counts.items():
                    totals[name] += value
        day = [seen for (d, _), seen in self.sightings.items() if d == hour[:10]]
        for name, value in first_sightings(day, hour).items():
            totals[name] += value
        return dict(totals)

    def read_base(self) -> dict[str, int]:
        return {f"Customers|Segment={segment}": n for segment, n in self.base.items() if n}

    def stored_rollup(self, period: str) -> dict[str, float] | None:
        return self.rollups.get(period)

    def save_rollup(self, period: str, figures: dict[str, float]) -> None:
        self.rollups[period] = dict(figures)

    def read_cohort(self, day: str) -> answer_worth.CohortFacts:
        first: dict[str, str] = {}
        noted = [(marker, posted_at) for (d, _), batch in self.asked_in_batch.items() if d == day
                 for marker, posted_at in batch.items()]
        noted += [(marker, item["first_post_at"]) for (d, marker), item in self.asked.items()  # written before
                  if d == day and item.get("first_post_at")]
        for marker, posted_at in noted:
            first[marker] = min(posted_at, first.get(marker, posted_at))
        asked = tuple(answer_worth.Asked(marker, posted_at, bool(self.asked.get((day, marker), {}).get("answered")))
                      for marker, posted_at in sorted(first.items()))
        return answer_worth.CohortFacts(
            asked, tuple(c for (d, _), c in self.called.items() if d == day),
            tuple(c for (d, _), c in self.called.items() if d == answer_worth.day_after(day)))


class FakeCards:
    def __init__(self) -> None:
        self.cards: dict[str, dict[str, Any]] = {}

    def put(self, lookup_keys, card, only_where=None) -> None:
        """`only_where`: a customer id; a key is written only if it holds that customer's card as the write lands
        (the condition of put_in_place's writes)."""
        for key in lookup_keys:
            if only_where is None or self.cards.get(key, {}).get("customer_id") == only_where:
                self.cards[key] = copy.deepcopy(card)

    def put_in_place(self, customer_key, own_keys, card) -> bool:
        self.put([customer_key], card)
        for key in own_keys:
            self.put([key], card, only_where=card["customer_id"])
        return all(key in self.cards for key in own_keys)

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
        self.statistic_sets: list[tuple[str, dict[str, tuple[float, float]]]] = []

    def publish(self, hour_start: str, figures: dict[str, float]) -> int:
        self.calls.append((hour_start, dict(figures)))
        return 1

    def publish_statistics(self, day_start: str, sets: dict[str, tuple[float, float]]) -> int:
        self.statistic_sets.append((day_start, dict(sets)))
        return 1


class FixedClock:
    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment or datetime(2026, 11, 20, 10, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


class FakeIngestQueue:
    """The webhook's ingest queue: every post sent, none refused."""

    def __init__(self) -> None:
        self.sent: list = []

    def send_posts(self, posts) -> list:
        self.sent.extend(posts)
        return []


class FakeSetAsideStore:
    """Where verified deliveries with a bad entry are kept: (platform, raw body, reasons)."""

    def __init__(self) -> None:
        self.kept: list[tuple[str, bytes, list[dict]]] = []

    def keep(self, platform: str, body: bytes, reasons) -> str:
        self.kept.append((platform, body, list(reasons)))
        return f"{platform}/kept-{len(self.kept)}.json"


class FakeReplyStore:
    """Reply records under their id, with the conditional writes of RepliesTable; `writes` counts them."""

    def __init__(self) -> None:
        from socialcrm.replies.model import PublishedReply, ReplyRecord

        self.records: dict[str, ReplyRecord] = {}
        self.pointers: dict[str, PublishedReply] = {}
        self.writes = 0

    def get(self, reply_id: str):
        return self.records.get(reply_id)

    def claim(self, record) -> bool:
        if record.reply_id in self.records:
            return False
        self.records[record.reply_id] = record
        self.writes += 1
        return True

    def replace(self, before, after) -> bool:
        from socialcrm.replies.model import PublishedReply

        current = self.records.get(before.reply_id)
        if current is None or (current.status, current.updated_at) != (before.status, before.updated_at):
            return False
        self.records[after.reply_id] = after
        self.writes += 1
        if after.status == "sent" and after.platform_id:
            self.pointers[PostKey(after.target.platform, after.platform_id).text] = PublishedReply(
                after.reply_id, after.post_key, after.customer_id)
        return True

    def for_post(self, post_key: PostKey):
        return sorted((r for r in self.records.values() if r.post_key == post_key), key=lambda r: r.submitted_at)

    def published(self, post_key: PostKey):
        return self.pointers.get(post_key.text)

    def for_customer(self, customer_id: str) -> list[str]:
        return [r.reply_id for r in self.records.values() if r.customer_id == customer_id]

    def delete(self, reply_id: str) -> bool:
        record = self.records.pop(reply_id, None)
        self.pointers = {k: v for k, v in self.pointers.items() if v.reply_id != reply_id}
        return record is not None


class FakeReplyPublisher:
    """A platform that publishes what it is given. `outcomes` scripts each publish call: "ok", "timeout-after"
    (the platform took it, then the connection dropped), "timeout-before" (it never arrived), "refused", "failed"."""

    def __init__(self, platform: str = "instagram", kinds=("comment_reply", "message", "mention_reply", "review_reply"),
                 can_find: bool = True, window=None, outcomes=(), published_at: str = "2026-11-20T10:31:00Z") -> None:
        from socialcrm.replies.contract import Capabilities

        self.platform = platform
        self.capabilities = Capabilities(frozenset(kinds), can_find)
        self.rule = window
        self.outcomes = list(outcomes)
        self.published: list[tuple[str, Any]] = []  # (platform id, request): what the customer sees
        self.calls = 0
        self.finds = 0
        self.window_asks = 0
        self.published_at = published_at

    def window(self, target):
        self.window_asks += 1
        return self.rule if target.kind == "message" else None

    def publish(self, request):
        from socialcrm.replies.contract import OutcomeUnknown, Published, PublishFailed, PublishRefused

        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else "ok"
        if outcome == "refused":
            raise PublishRefused("the platform refused it")
        if outcome == "failed":
            raise PublishFailed("503 from the platform")
        if outcome == "timeout-before":
            raise OutcomeUnknown("read timed out")
        platform_id = f"{self.platform}-{len(self.published) + 1}"
        self.published.append((platform_id, request))
        if outcome == "timeout-after":
            raise OutcomeUnknown("read timed out")
        return Published(platform_id, self.published_at)

    def find_published(self, request):
        from socialcrm.replies.contract import Published

        self.finds += 1
        for platform_id, sent in self.published:
            if sent.reply_id == request.reply_id:
                return Published(platform_id, self.published_at)
        return None
