"""What happens to each captured post: sentiment, match, store, card, count, push.

Idempotent per post key: a redelivered post is stored and counted once (the store and the
counters are one transaction), a post whose processing completed is skipped, and a redelivery
that loses the race to store the post leaves the rest to the delivery that won it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from socialcrm import identity
from socialcrm.cards import build_card, customer_lookup_key, email_lookup_key, phone_lookup_key, shared_marker
from socialcrm.engagement import COMPANY, EMPLOYEE, UNOFFICIAL_BRAND, Registry, fold, minutes_between, response_bucket
from socialcrm.linking import LinkingDeps, Relinked, match_new_post, posts_of_account, rematch
from socialcrm.matching import UNMATCHED
from socialcrm.model import (
    AnalyzedPost,
    Author,
    CanonicalPost,
    ContactPush,
    PostKey,
    push_id_for,
    segment_label,
    utc_iso,
)
from socialcrm.ports import (
    CardStore,
    CustomerDirectory,
    Ledger,
    LinkCodes,
    PostRepository,
    PushQueue,
    ReviewList,
    SentimentAnalyzer,
)
from socialcrm.stored import StoredPost

if TYPE_CHECKING:
    from socialcrm.model import Customer

COUNTER_SHARDS = 8
CARD_SOURCE_POSTS = 200
VOICES = ("public", UNOFFICIAL_BRAND)  # people speaking for themselves, not for the company
MARKER_DAYS = 8  # first-sighting markers outlive the day they count
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
    ledger: Ledger | None = None
    registry: Registry = field(default_factory=Registry)

    @property
    def linking(self) -> LinkingDeps:
        return LinkingDeps(self.customers, self.posts, self.cards, self.reviews, self.codes, self.default_region,
                           self.clock)


@dataclass(frozen=True)
class Outcome:
    status: str  # stored | duplicate | deleted | updated | refused (an edit or removal by someone else)
    matched: bool = False
    actionable: bool = False


def hour_of(moment: datetime) -> str:
    return utc_iso(moment.replace(minute=0, second=0, microsecond=0))


def counting_hour(created_at: str, now: datetime) -> str:
    """Posts count in the hour they were written (a late delivery still lands in its own hour); a time
    in the future, or one we cannot read, counts now."""
    try:
        moment = datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, AttributeError):
        return hour_of(now)
    return hour_of(min(moment, now))


def reply_counter(post: CanonicalPost, role: str, parent: StoredPost | None) -> str | None:
    """Who a reply comes from: the company, an employee, an account posing as the brand, or a peer."""
    if not post.reply_to:
        return None
    if role != "public":
        return f"Replies|By={role}"
    if parent and parent.author_role in VOICES and not same_author(post, parent):
        return "Replies|By=peer"
    return None


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


def answer_counters(minutes: float) -> dict[str, int]:
    counters = {"AnsweredPosts": 1, f"ResponseMinutes|Bucket={response_bucket(minutes)}": 1}
    if minutes <= 60:
        counters["AnsweredWithin|Window=1h"] = 1
    if minutes <= 24 * 60:
        counters["AnsweredWithin|Window=24h"] = 1
    return counters


def voice_of(post: CanonicalPost, customer_id: str | None) -> str:
    """Whom a first-sighting marker stands for: the customer, else the account, else the shown name."""
    if customer_id:
        return f"customer:{customer_id}"
    key = identity.primary_author_key(post.author) or identity.indexed_handle_key(post.author)
    return key or f"name:{post.platform}:{fold(post.author.name or '')}"


def distinct_markers(post: CanonicalPost, customer_id: str | None, segment: str | None,
                     topics: Sequence[str], day: str) -> list[tuple[str, str]]:
    """(marker, counter) pairs: each voice counts once a day, overall and per topic. Markers are hashes."""
    voice = voice_of(post, customer_id)
    group = segment_label(segment) if customer_id else "unmatched"
    pairs = [("voice", f"DailyVoices|Segment={group}")] if customer_id else [("unmatched", "DailyUnmatchedAuthors")]
    pairs += [(f"topic:{topic}", f"DailyTopicAuthors|Topic={topic}|Segment={group}") for topic in topics]
    return [(hashlib.sha256(f"{day}|{scope}|{voice}".encode()).hexdigest()[:40], counter) for scope, counter in pairs]


def shard_of(post_key: PostKey) -> int:
    return int(hashlib.sha256(post_key.text.encode()).hexdigest(), 16) % COUNTER_SHARDS


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


def counters_for(analyzed: AnalyzedPost, segment: str | None, actionable: bool, parent: StoredPost | None = None,
                 topics: Sequence[str] = ()) -> dict[str, int]:
    """Counter names encode the metric and its low-cardinality dimensions: Metric|Dim=value|..."""
    post = analyzed.post
    counters = {f"Posts|Platform={post.platform}|Kind={post.kind}": 1}
    replies = reply_counter(post, analyzed.role, parent)
    if replies:
        counters[replies] = 1
    if analyzed.role not in VOICES:  # the company's own posts are volume, not voices
        return counters
    counters.update({
        f"{'MatchedPosts' if analyzed.customer_id else 'UnmatchedPosts'}|Platform={post.platform}": 1,
        f"PostsBySentiment|Sentiment={analyzed.sentiment}": 1,
    })
    if analyzed.role == "public" and replies != "Replies|By=peer":  # waits for the company's answer
        counters["InboundPosts"] = 1
    for topic in topics:
        counters[f"TopicPosts|Topic={topic}"] = 1
    if analyzed.candidates:
        counters[f"HeldForReview|Platform={post.platform}"] = 1
    if analyzed.customer_id:
        counters[f"MatchedPostsBySegment|Segment={segment_label(segment)}|Sentiment={analyzed.sentiment}"] = 1
    if actionable:
        counters["ActionablePosts"] = 1
    return counters


def refresh_card(customer_id: str, posts: PostRepository, customers: CustomerDirectory, cards: CardStore,
                 now: datetime, just_linked: Sequence[StoredPost] = (), just_unlinked: Collection[PostKey] = (), *,
                 settle_others: bool = True) -> bool:
    """Rebuild a customer's card from their stored posts and write it under every lookup key (write_card).

    `just_linked` and `just_unlinked` are changes made a moment ago, which the customer index may not show yet.
    """
    customer = customers.get(customer_id)
    if customer is None:
        return False
    recent = [p for p in posts.recent_for_customer(customer_id, CARD_SOURCE_POSTS)
              if p.key not in just_unlinked]
    card = build_card(customer, [*recent, *just_linked], utc_iso(now))
    write_card(customer, card, posts, customers, cards, now, settle_others=settle_others)
    return True


# Phone and email card keys: a household shares a number, a family a mailbox. Such a key shows nobody.
OWN, SHARED, GONE = "own", "shared", "gone"
SETTLE_ROUNDS = 3


def contact_keys(customer: Customer) -> list[tuple[str, str]]:
    """(card key, identity key) of each phone and email on the record: card keys another record may hold too."""
    return [*((phone_lookup_key(p), identity.phone_key(p)) for p in customer.phones),
            *((email_lookup_key(e), identity.email_key(e)) for e in customer.emails)]


def record_holders(identity_key: str, customers: CustomerDirectory) -> frozenset[str]:
    """The customers whose CRM record has the key (one strongly consistent Query)."""
    return frozenset(link.customer_id for link in customers.identity_links(identity_key, consistent=True)
                     if link.source == "crm")


def _placement(customer_id: str, holders: frozenset[str]) -> str:
    if len(holders) > 1:
        return SHARED
    return OWN if holders == {customer_id} else GONE


def write_card(customer: Customer, card: dict, posts: PostRepository, customers: CustomerDirectory,
               cards: CardStore, now: datetime, *, settle_others: bool = True) -> None:
    """The card under CUSTOMER#<id>; under each phone and email key, the card if the customer alone has the key
    on record, the shared marker (no names, no posts) if others have it too, nothing if the customer no longer has.

    The holders are read again after each write and the key corrected until they stay put, so a card naming one
    customer is not left under a key that another record gained meanwhile (two syncs at once). A key this call
    wrote and then found no longer the customer's is cleared and rebuilt for whoever holds it now.
    """
    customer_id = customer.customer_id
    contact = contact_keys(customer)
    written: dict[str, str] = {}
    for settle_round in range(SETTLE_ROUNDS):
        holders = {card_key: record_holders(identity_key, customers) for card_key, identity_key in contact}
        wanted = {card_key: _placement(customer_id, held) for card_key, held in holders.items()}
        changed = [card_key for card_key, what in wanted.items() if what != written.get(card_key, GONE)]
        if settle_round and not changed:
            return
        if settle_round == SETTLE_ROUNDS - 1:  # the holders keep changing: the safe side, no names
            wanted = {card_key: SHARED if what == OWN else what for card_key, what in wanted.items()}
        own = [card_key for card_key in changed if wanted[card_key] == OWN]
        if own or not settle_round:
            cards.put([customer_lookup_key(customer_id), *own] if not settle_round else own, card)
        shared = [card_key for card_key in changed if wanted[card_key] == SHARED]
        if shared:
            cards.put(shared, shared_marker(utc_iso(now)))
        gone = [card_key for card_key in changed if wanted[card_key] == GONE]
        if gone:
            cards.delete(gone)
            for other in sorted(frozenset().union(*(holders[card_key] for card_key in gone))) if settle_others \
                    else ():
                refresh_card(other, posts, customers, cards, now, settle_others=False)
        written.update((card_key, wanted[card_key]) for card_key in changed)


def release_contact_keys(released: Sequence[tuple[str, str]], posts: PostRepository, customers: CustomerDirectory,
                         cards: CardStore, now: datetime) -> None:
    """Phone and email keys a customer no longer holds (the record dropped them, or they were erased): cleared,
    then rebuilt for the customers that still hold them (their own card, or the shared marker)."""
    if not released:
        return
    cards.delete([card_key for card_key, _ in released])
    # Read after the delete: a record that gains the key later rebuilds it itself, after this delete.
    remaining = frozenset().union(*(record_holders(identity_key, customers) for _, identity_key in released))
    for customer_id in sorted(remaining):
        refresh_card(customer_id, posts, customers, cards, now)


def refresh_cards(changes: Relinked, posts: PostRepository, customers: CustomerDirectory, cards: CardStore,
                  now: datetime, also: Collection[str] = ()) -> None:
    for customer_id in sorted(changes.customers | set(also)):
        refresh_card(customer_id, posts, customers, cards, now, changes.linked.get(customer_id, ()),
                     changes.unlinked.get(customer_id, set()))


def process_post(post: CanonicalPost, deps: ProcessorDeps) -> Outcome:
    now = deps.clock()
    if post.verb == "remove":
        return _remove(post, deps, now)
    if post.kind == "reaction":
        return _count_reaction(post, deps, now)
    if deps.customers.erased(identity.author_keys(post.author), int(now.timestamp())):
        return Outcome("dropped")  # its author was erased while this post waited in the queue
    state = deps.posts.get_state(post.key)
    if state and state.status == "done" and post.verb != "edit":
        return Outcome("duplicate", matched=bool(state.customer_id))

    if state and post.verb == "edit" and not may_change(post, state, deps.registry):
        return Outcome("refused", matched=bool(state.customer_id))
    label, score = deps.sentiment.analyze(post.text)
    if state and post.verb == "edit":
        deps.posts.update_text(post.key, post.text, label, score)
        if state.customer_id:
            refresh_card(state.customer_id, deps.posts, deps.customers, deps.cards, now)
        return Outcome("updated", matched=bool(state.customer_id))

    role = deps.registry.role_of(post.author)
    replied_to = post.parent_key
    parent = deps.posts.get_state(replied_to) if replied_to else None
    # Our own and our employees' accounts speak for the company: never matched to a customer.
    match, verified_for = match_new_post(post, deps.linking) if role in VOICES else (UNMATCHED, None)
    analyzed = AnalyzedPost(post, label, score, match.customer_id, match.match_key, match.score, match.evidence,
                            match.candidates, role, match_basis=match.basis)
    customer = deps.customers.get(match.customer_id) if match.customer_id else None
    reason = is_actionable(analyzed)
    segment = customer.segment if customer else None
    topics = deps.registry.topics_of(post.text) if role in VOICES else []
    counters = counters_for(analyzed, segment, reason is not None, parent, topics)
    hour = counting_hour(post.created_at, now)
    if not deps.posts.store_new(analyzed, counters, hour, shard_of(post.key)) and state is None:
        # Another delivery of this post stored it after we looked: that one finishes the post (or is
        # retried until it does). Going on here would enqueue the same push a second time.
        return Outcome("duplicate")
    # From here on every step is idempotent, so a retry after a failure simply redoes them.
    count_engagement(analyzed, parent, segment, topics, hour, deps, now)
    if match.outcome == "candidate":
        deps.reviews.hold(post.key, post.created_at, match.candidates)
    if verified_for is not None:  # the account's earlier posts follow the customer's proof
        changes = rematch(posts_of_account(StoredPost.of(analyzed), deps.linking), deps.linking)
        refresh_cards(changes, deps.posts, deps.customers, deps.cards, now)
    if customer is not None:
        refresh_card(customer.customer_id, deps.posts, deps.customers, deps.cards, now,
                     just_linked=[StoredPost.of(analyzed)])
        # Every matched post goes to the connectors (a profile timeline wants them all); `reason` is
        # empty unless the post is actionable, and alerting connectors act only on actionable ones.
        deps.push_queue.enqueue(push_for(analyzed, customer.name, reason or ""))
    deps.posts.mark_done(post.key)
    return Outcome("stored", matched=customer is not None, actionable=reason is not None)


def count_engagement(analyzed: AnalyzedPost, parent: StoredPost | None, segment: str | None, topics: Sequence[str],
                     hour: str, deps: ProcessorDeps, now: datetime) -> None:
    """First official answers, distinct voices and governance notes; each is counted at most once."""
    post, role = analyzed.post, analyzed.role
    if role == COMPANY and parent and parent.author_role == "public" and not parent.answered_at:
        minutes = minutes_between(parent.created_at, post.created_at)
        if minutes >= 0:
            deps.posts.mark_answered(parent.key, post.created_at, answer_counters(minutes),
                                     counting_hour(parent.created_at, now), shard_of(parent.key))
    if deps.ledger is None:
        return
    expires = int((now + timedelta(days=MARKER_DAYS)).timestamp())
    if role in VOICES:
        deps.ledger.count_first(distinct_markers(post, analyzed.customer_id, segment, topics, hour[:10]), hour,
                                shard_of(post.key), expires)
    if role in (EMPLOYEE, UNOFFICIAL_BRAND) and post.reply_to:
        deps.ledger.note_for_review(hour[:10], post.key, role, post.platform,
                                    int((now + timedelta(days=REVIEW_NOTE_DAYS)).timestamp()))


def _count_reaction(post: CanonicalPost, deps: ProcessorDeps, now: datetime) -> Outcome:
    """Likes and favourites are counted once (the marker item makes a redelivery a no-op), never shown."""
    anonymous = Author(post.platform)  # the marker must never be linked to a customer or shown on a card
    marker = AnalyzedPost(CanonicalPost(post.platform, post.post_id, "reaction", anonymous, "", post.created_at,
                                        source=post.source), "neutral", 0.0)
    counted = deps.posts.store_new(marker, {f"Reactions|Platform={post.platform}": 1},
                                   counting_hour(post.created_at, now),
                                   shard_of(post.key))
    if counted:
        deps.posts.mark_done(post.key)
    return Outcome("counted" if counted else "duplicate")


def _remove(post: CanonicalPost, deps: ProcessorDeps, now: datetime) -> Outcome:
    """A deletion is the author's (or our moderation's): drop the stored post and rebuild the card without it."""
    state = deps.posts.get_state(post.key)
    if state is None:
        return Outcome("duplicate")
    if not may_change(post, state, deps.registry):
        return Outcome("refused", matched=bool(state.customer_id))
    deps.posts.delete(post.key)
    if state.customer_id:
        refresh_card(state.customer_id, deps.posts, deps.customers, deps.cards, now)
    return Outcome("deleted", matched=bool(state.customer_id))


def push_for(analyzed: AnalyzedPost, customer_name: str | None, reason: str) -> ContactPush:
    post = analyzed.post
    return ContactPush(
        match_key=analyzed.match_key or "",
        match_basis=analyzed.match_basis or "",
        push_id=push_id_for(post.key),
        customer_id=analyzed.customer_id or "",
        customer_name=customer_name,
        platform=post.platform,
        kind=post.kind,
        post_id=post.post_id,
        text=post.text,
        sentiment=analyzed.sentiment,
        created_at=post.created_at,
        url=post.url,
        reason=reason,
    )
