"""What happens to each captured post: sentiment, match, store, card, count, push; a queue batch at a time.

Idempotent per post key: a post is stored by one delivery (a conditional write naming its batch and message);
another delivery of it stops there, leaving card and push to the one that stored it. The batch writes its counts
last, summed, one item per hour naming its posts: a redelivery of the same message finds them and stops, or
finishes the post and counts it where they do not name it, so a crash between any two writes neither loses nor
doubles a count (docs/architecture.md, "Write path").
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from socialcrm import answer_worth, identity
from socialcrm.card_refresh import refresh_card, refresh_cards
from socialcrm.cards import CARD_TEXT_CHARS
from socialcrm.engagement import COMPANY, EMPLOYEE, UNOFFICIAL_BRAND, Registry, minutes_between
from socialcrm.linking import LinkingDeps, match_new_post, posts_of_account, rematch
from socialcrm.matching import UNMATCHED, probes_for
from socialcrm.metric_counters import (
    MARKER_DAYS,
    VOICES,
    answer_counters,
    counters_for,
    counting_hour,
    distinct_markers,
    reaction_counters,
    waits_for_answer,
)
from socialcrm.model import AnalyzedPost, Author, CanonicalPost, ContactPush, Customer, IdentityLink, PostKey
from socialcrm.ports import (
    CardStore,
    CustomerDirectory,
    Ledger,
    LinkCodes,
    PostRepository,
    PushQueue,
    ReplyEchoes,
    ReviewList,
    SentimentAnalyzer,
)
from socialcrm.push import answered_push_for, push_for
from socialcrm.stored import StoredPost

REVIEW_NOTE_DAYS = 90


@dataclass
class ProcessorDeps:
    posts: PostRepository
    customers: CustomerDirectory
    cards: CardStore
    push_queue: PushQueue
    sentiment: SentimentAnalyzer
    clock: Callable[[], datetime]
    reviews: ReviewList
    codes: LinkCodes
    default_region: str
    ledger: Ledger
    registry: Registry = field(default_factory=Registry)
    replies: ReplyEchoes | None = None  # our published replies, recognised when they come back

    @property
    def linking(self) -> LinkingDeps:
        return LinkingDeps(self.customers, self.posts, self.cards, self.reviews, self.codes, self.default_region,
                           self.clock)


# stored | duplicate | deleted | updated | counted (a reaction) | dropped (its author was erased) |
# refused (an edit or removal by someone else)
OutcomeStatus = Literal["stored", "duplicate", "deleted", "updated", "counted", "dropped", "refused"]


@dataclass(frozen=True)
class Outcome:
    status: OutcomeStatus
    matched: bool = False
    actionable: bool = False


def answers_another_voice(post: CanonicalPost, parent: StoredPost | None) -> bool:
    """A reply to a post by another voice (a peer reply when its author is public)."""
    return bool(parent and parent.author_role in VOICES and not same_author(post, parent))


def same_author(post: CanonicalPost, stored: StoredPost) -> bool:
    keys = {identity.primary_author_key(post.author), identity.indexed_handle_key(post.author)} - {None}
    return bool(keys & {stored.author_key, stored.author_handle_key})


def may_change(post: CanonicalPost, stored: StoredPost, registry: Registry) -> bool:
    """Whether an edit or removal may touch a stored post: the platform gave no actor (it acts itself),
    the actor is the author, or (removals only) one of our official accounts moderating."""
    if identity.primary_author_key(post.author) is None and identity.indexed_handle_key(post.author) is None:
        return True
    if same_author(post, stored):
        return True
    return post.verb == "remove" and registry.role_of(post.author) == COMPANY


def is_actionable(analyzed: AnalyzedPost) -> str | None:
    """Why a post goes to the contact centre, or None.

    Rule: the author is a known customer, and the post is negative or a direct message.
    """
    if analyzed.customer_id is None:
        return None
    if analyzed.sentiment == "negative":
        return "negative"
    if analyzed.post.is_direct_message:
        return "direct_message"
    return None


@dataclass(frozen=True)
class Delivery:
    """A post as one queue message brought it: a redelivery of the message has the same `delivery` id."""

    post: CanonicalPost
    delivery: str


Result = Outcome | Exception


class RecordsRead:
    """The customer directory for one batch: the identity keys of the batch's authors are read once each and their
    candidates' records in one strongly consistent BatchGetItem (prefetch), before matching; a record read is not
    read again for the post's card and push. A link written meanwhile drops what was read of its key and record."""

    def __init__(self, directory: CustomerDirectory) -> None:
        self.directory = directory
        self.records: dict[str, Customer] = {}
        self.missing: set[str] = set()
        self.links: dict[str, list[IdentityLink]] = {}

    def prefetch(self, posts: Sequence[CanonicalPost], default_region: str) -> None:
        for post in posts:
            for key, _ in probes_for(post, default_region):
                if key not in self.links:
                    self.links[key] = self.directory.identity_links(key)
        wanted = sorted({link.customer_id for links in self.links.values() for link in links})
        if wanted:
            self.get_many(wanted)

    def get_many(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        unread = [c for c in dict.fromkeys(customer_ids) if c not in self.records and c not in self.missing]
        if unread:
            found = self.directory.get_many(unread)
            self.records.update(found)
            self.missing.update(set(unread) - set(found))
        return {c: self.records[c] for c in customer_ids if c in self.records}

    def get(self, customer_id: str) -> Customer | None:
        if customer_id not in self.records:
            record = self.directory.get(customer_id)
            if record is None:
                return None
            self.records[customer_id] = record
        return self.records[customer_id]

    def identity_links(self, identity_key: str, consistent: bool = False) -> list[IdentityLink]:
        if not consistent and identity_key in self.links:
            return list(self.links[identity_key])
        return self.directory.identity_links(identity_key, consistent)

    def add_link(self, identity_key: str, customer_id: str, source: str) -> None:
        self._forget(identity_key, customer_id)
        self.directory.add_link(identity_key, customer_id, source)

    def remove_link(self, identity_key: str, customer_id: str) -> None:
        self._forget(identity_key, customer_id)
        self.directory.remove_link(identity_key, customer_id)

    def _forget(self, identity_key: str, customer_id: str) -> None:
        self.links.pop(identity_key, None)
        self.records.pop(customer_id, None)  # its linked keys change
        self.missing.discard(customer_id)

    def upsert(self, customer: Customer) -> tuple[str, ...]:
        self.records.pop(customer.customer_id, None)
        self.links.clear()
        return self.directory.upsert(customer)

    def delete(self, customer_id: str) -> int:
        self.records.pop(customer_id, None)
        self.links.clear()
        return self.directory.delete(customer_id)

    def mark_erased(self, keys: Sequence[str], until: int) -> None:
        self.directory.mark_erased(keys, until)

    def erased(self, keys: Sequence[str], now: int) -> bool:
        return self.directory.erased(keys, now)

    def erased_among(self, keys: Sequence[str], now: int) -> frozenset[str]:
        return self.directory.erased_among(keys, now)


def process_post(post: CanonicalPost, deps: ProcessorDeps, delivery: str | None = None) -> Outcome:
    """One post as a batch of its own (`delivery`: its message id; by default the post key, so calling again is a
    redelivery of the same message)."""
    result = process_batch([Delivery(post, delivery or f"post:{post.key.text}")], deps)[0]
    if isinstance(result, Exception):
        raise result
    return result


@dataclass
class _Tally:
    """What a batch counts, and which of its deliveries each count and card stands for."""

    token: str
    counts: dict[str, dict[int, Counter[str]]] = field(default_factory=lambda: defaultdict(dict))
    seen: dict[int, dict[str, dict[str, set[str]]]] = field(default_factory=dict)
    cards: dict[str, list[tuple[int, StoredPost]]] = field(default_factory=lambda: defaultdict(list))
    pushes: list[tuple[int, ContactPush]] = field(default_factory=list)
    # what answering is worth: {(day, customer): (earliest inbound post time, deliveries it stands for)}
    asked: dict[tuple[str, str], tuple[str, list[int]]] = field(default_factory=dict)

    def ask(self, index: int, day: str, customer_id: str, posted_at: str) -> None:
        earliest, indexes = self.asked.get((day, customer_id), (posted_at, []))
        self.asked[(day, customer_id)] = (min(earliest, posted_at), [*indexes, index])

    def count(self, index: int, counts: dict[str, dict[str, int]],
              seen: dict[str, dict[str, set[str]]] | None = None) -> None:
        for hour, counters in counts.items():
            self.counts[hour][index] = Counter(counters)
        if seen:
            self.seen[index] = seen


def process_batch(deliveries: Sequence[Delivery], deps: ProcessorDeps) -> list[Result]:
    """A queue batch: each post's outcome, or the error that stopped it (that message alone is retried).

    Each post is one conditional write; the batch then writes each card it changed once, enqueues the pushes and
    writes its summed counts (one item per hour, naming the posts) last: a post whose counts are written is done,
    and a redelivered one is finished and counted again only where its batch's counts do not name it.
    """
    now = deps.clock()
    directory = RecordsRead(deps.customers)  # each author key and candidate record is read once for the batch
    deps = replace(deps, customers=directory)
    tally = _Tally(uuid.uuid4().hex)
    new = [d.post for d in deliveries if d.post.verb != "remove" and d.post.kind != "reaction"]
    try:
        erased = deps.customers.erased_among(sorted({k for p in new for k in identity.author_keys(p.author)}),
                                             int(now.timestamp())) if new else frozenset()
        parent_keys = [p.parent_key for p in new if p.parent_key is not None]
        parents = deps.posts.get_states(parent_keys) if parent_keys else {}
        directory.prefetch([p for p in new if deps.registry.role_of(p.author) in VOICES
                            and not set(identity.author_keys(p.author)) & erased], deps.default_region)
    except Exception as error:  # every message is retried
        return [error] * len(deliveries)
    results: list[Result | None] = [None] * len(deliveries)
    for index, delivery in enumerate(deliveries):
        try:
            results[index] = _take_in(index, delivery, deps, now, tally, erased, parents)
        except Exception as error:  # that message is retried; the rest goes on
            results[index] = error
    _finish(deliveries, deps, now, tally, results)
    return [result if result is not None else RuntimeError("not processed") for result in results]


def _take_in(index: int, delivery: Delivery, deps: ProcessorDeps, now: datetime, tally: _Tally,
             erased: frozenset[str], parents: dict[PostKey, StoredPost]) -> Outcome:
    post = delivery.post
    if post.verb == "remove":
        return _remove(post, deps, now)
    if post.kind == "reaction":
        return _count_reaction(index, delivery, deps, now, tally)
    if set(identity.author_keys(post.author)) & erased:
        return Outcome("dropped")  # its author was erased while this post waited in the queue
    if post.verb == "edit":
        state = deps.posts.get_state(post.key)
        if state is not None:
            return _edit(post, state, deps, now)

    label, score = deps.sentiment.analyze(post.text)
    role = deps.registry.role_of(post.author)
    replied_to = post.parent_key
    # Our own post may be a reply we published (socialcrm.replies): it answers the post the reply was for, even
    # where the platform does not say what it replies to (a direct message).
    echo = deps.replies.published(post.key) if deps.replies is not None and role == COMPANY else None
    if echo is not None and echo.answered.platform == post.platform:
        replied_to = echo.answered
        if replied_to not in parents:  # not read with the batch: the platform did not name it
            found = deps.posts.get_state(replied_to)
            if found is not None:
                parents[replied_to] = found
    parent = parents.get(replied_to) if replied_to else None
    # Our own and our employees' accounts speak for the company: never matched to a customer.
    match, verified_for = match_new_post(post, deps.linking) if role in VOICES else (UNMATCHED, None)
    analyzed = AnalyzedPost(post, label, score, match.customer_id, match.match_key, match.score, match.evidence,
                            match.candidates, role, match_basis=match.basis)
    customer = deps.customers.get(match.customer_id) if match.customer_id else None
    reason = is_actionable(analyzed)
    segment = customer.segment if customer else None
    topics = deps.registry.topics_of(post.text) if role in VOICES else []
    hour = counting_hour(post.created_at, now)
    counts = {hour: counters_for(analyzed, segment, reason is not None, answers_another_voice(post, parent), topics)}
    answered = _answer(post, parent, deps, now, counts) if role == COMPANY and parent else None
    if answered is not None:
        parents[answered.key] = answered
    seen: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    if role in VOICES:
        for marker, counter in distinct_markers(post, analyzed.customer_id, segment, topics, hour[:10]):
            seen[hour][counter].add(marker)

    to_count = _claim(analyzed, delivery, deps, tally, counts)
    if to_count is None:
        return Outcome("duplicate", matched=customer is not None)
    tally.count(index, to_count, seen)
    if analyzed.customer_id and waits_for_answer(analyzed, answers_another_voice(post, parent)):
        tally.ask(index, hour[:10], analyzed.customer_id, answer_worth.posted_time(post.created_at, now))
    stored = StoredPost.of(analyzed)
    parents[post.key] = stored  # a reply later in the batch answers it
    if match.outcome == "candidate":
        deps.reviews.hold(post.key, post.created_at, match.candidates)
    if verified_for is not None:  # the account's earlier posts follow the customer's proof
        changes = rematch(posts_of_account(stored, deps.linking), deps.linking)
        refresh_cards(changes, deps.posts, deps.customers, deps.cards, now)
    if role in (EMPLOYEE, UNOFFICIAL_BRAND) and post.reply_to:
        deps.ledger.note_for_review(hour[:10], post.key, role, post.platform,
                                    int((now + timedelta(days=REVIEW_NOTE_DAYS)).timestamp()))
    if answered is not None and answered.customer_id:  # their card shows our answer; the task may be closed
        tally.cards[answered.customer_id].append((index, answered))
        tally.pushes.append((index, answered_push_for(answered)))
    if customer is not None:
        tally.cards[customer.customer_id].append((index, stored))
        # Every matched post goes to the connectors (a profile timeline wants them all); `reason` is
        # empty unless the post is actionable, and alerting connectors act only on actionable ones.
        tally.pushes.append((index, push_for(analyzed, customer.name, reason or "")))
    return Outcome("stored", matched=customer is not None, actionable=reason is not None)


def _answer(post: CanonicalPost, parent: StoredPost, deps: ProcessorDeps, now: datetime,
            counts: dict[str, dict[str, int]]) -> StoredPost | None:
    """Our reply to a public post: the first official answer is recorded (with its text, for the card), counted in
    the parent's hour and, within 24 h of a customer's post, noted for what answering is worth. The parent as
    answered, or None (not the first answer). Redone on a redelivery: the same reply is recognised again."""
    if parent.author_role != "public" or (parent.answered_at and parent.answered_by != post.key.text):
        return None
    minutes = minutes_between(parent.created_at, post.created_at)
    answer_text = post.text[:CARD_TEXT_CHARS]
    if minutes < 0 or not deps.posts.mark_answered(parent.key, post.created_at, post.key, answer_text=answer_text):
        return None
    answered_hour = counting_hour(parent.created_at, now)
    counts[answered_hour] = dict(Counter(counts.get(answered_hour, {})) + Counter(answer_counters(minutes)))
    if parent.customer_id and minutes <= answer_worth.WINDOW.total_seconds() / 60:
        deps.ledger.note_answered(answered_hour[:10], parent.customer_id, answer_worth.expiry(now))
    return replace(parent, answered_at=post.created_at, answered_by=post.key.text, answer_text=answer_text)


def _claim(analyzed: AnalyzedPost, delivery: Delivery, deps: ProcessorDeps, tally: _Tally,
           counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]] | None:
    """Store the post for this batch; the counts still to write for it, or None when there is nothing left to do.

    Another delivery that stored the post finishes it (or is retried until it does). This delivery again, after a
    failure or a crash: the hours its earlier batch counted it in are done; if some are not, the post moves to
    this batch, which redoes its card and push and counts it in those hours only.
    """
    post = analyzed.post
    stored = deps.posts.store_new(analyzed, tally.token, delivery.delivery)
    if stored is None:
        return counts
    if stored.delivery != delivery.delivery:
        return None
    if stored.batch == tally.token:  # stored by the SDK's own retry of this very request
        return counts
    done = deps.ledger.counted(stored.batch, sorted(counts), post.key) if stored.batch else frozenset()
    if done >= set(counts):
        return None
    if not deps.posts.take_over(post.key, stored.batch, tally.token):
        raise ConcurrentDelivery(f"{post.key.text}: another attempt of this delivery holds the post")
    return {hour: counters for hour, counters in counts.items() if hour not in done}


class ConcurrentDelivery(RuntimeError):
    """Two attempts of one delivery at once: this one stops; the message is retried."""


def _finish(deliveries: Sequence[Delivery], deps: ProcessorDeps, now: datetime, tally: _Tally,
            results: list[Result | None]) -> None:
    """Cards (each once), pushes, then the counts: a post is done when its counts are written."""
    def fail(indexes: Sequence[int], error: Exception) -> None:
        for index in indexes:
            if isinstance(results[index], Outcome):
                results[index] = error

    for customer_id, stored in sorted(tally.cards.items()):
        try:
            refresh_card(customer_id, deps.posts, deps.customers, deps.cards, now,
                         just_linked=[post for _, post in stored], in_place=True)
        except Exception as error:  # these posts are retried
            fail([index for index, _ in stored], error)
    for index, push in tally.pushes:
        if isinstance(results[index], Outcome):
            try:
                deps.push_queue.enqueue(push)
            except Exception as error:
                fail([index], error)
    by_day: dict[str, dict[str, dict[str, set[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    in_day: dict[str, list[int]] = defaultdict(list)  # the posts each day's notes are written for
    for index, seen in tally.seen.items():
        if isinstance(results[index], Outcome):
            for hour, families in seen.items():
                in_day[hour[:10]].append(index)
                for counter, markers in families.items():
                    by_day[hour[:10]][hour][counter] |= markers
    asked: dict[str, dict[str, str]] = defaultdict(dict)
    for (day, customer_id), (posted_at, indexes) in tally.asked.items():
        noted = [index for index in indexes if isinstance(results[index], Outcome)]
        if noted:
            asked[day][customer_id] = posted_at
            in_day[day].extend(noted)
    expires = int((now + timedelta(days=MARKER_DAYS)).timestamp())
    for day in sorted(set(by_day) | set(asked)):
        try:  # before the counts: a post whose counts are written has its sightings and cohort note written too
            deps.ledger.record_sightings(tally.token, day, by_day.get(day, {}), expires, asked.get(day),
                                         answer_worth.expiry(now))
        except Exception as error:
            fail(in_day[day], error)
    for hour, by_post in sorted(tally.counts.items()):
        counted = [index for index in by_post if isinstance(results[index], Outcome)]
        if not counted:
            continue
        summed: Counter[str] = Counter()
        for index in counted:
            summed.update(by_post[index])
        try:
            deps.ledger.record_counts(tally.token, hour, dict(summed), [deliveries[i].post.key for i in counted])
        except Exception as error:
            fail(counted, error)


def _edit(post: CanonicalPost, state: StoredPost, deps: ProcessorDeps, now: datetime) -> Outcome:
    if not may_change(post, state, deps.registry):
        return Outcome("refused", matched=bool(state.customer_id))
    label, score = deps.sentiment.analyze(post.text)
    deps.posts.update_text(post.key, post.text, label, score)
    if state.customer_id:
        refresh_card(state.customer_id, deps.posts, deps.customers, deps.cards, now, in_place=True)
    return Outcome("updated", matched=bool(state.customer_id))


def _count_reaction(index: int, delivery: Delivery, deps: ProcessorDeps, now: datetime, tally: _Tally) -> Outcome:
    """Likes and favourites are counted once (the marker post makes a redelivery a no-op), never shown."""
    post = delivery.post
    anonymous = Author(post.platform)  # the marker must never be linked to a customer or shown on a card
    marker = AnalyzedPost(CanonicalPost(post.platform, post.post_id, "reaction", anonymous, "", post.created_at,
                                        source=post.source), "neutral", 0.0)
    counts = _claim(marker, delivery, deps, tally,
                    {counting_hour(post.created_at, now): reaction_counters(post.platform)})
    if counts is None:
        return Outcome("duplicate")
    tally.count(index, counts)
    return Outcome("counted")


def _remove(post: CanonicalPost, deps: ProcessorDeps, now: datetime) -> Outcome:
    """A deletion is the author's (or our moderation's): drop the stored post and rebuild the card without it."""
    state = deps.posts.get_state(post.key)
    if state is None:
        return Outcome("duplicate")
    if not may_change(post, state, deps.registry):
        return Outcome("refused", matched=bool(state.customer_id))
    deps.posts.delete(post.key)
    if state.customer_id:
        refresh_card(state.customer_id, deps.posts, deps.customers, deps.cards, now, in_place=True)
    return Outcome("deleted", matched=bool(state.customer_id))

