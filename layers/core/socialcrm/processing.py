"""What happens to each captured post: sentiment, match, store, card, count, push.

Idempotent per post key: a redelivered post is stored and counted once (the store and the
counters are one transaction), a post whose processing completed is skipped, and a redelivery
that loses the race to store the post leaves the rest to the delivery that won it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from socialcrm import answer_worth, identity
from socialcrm.card_refresh import refresh_card, refresh_cards
from socialcrm.cards import CARD_TEXT_CHARS
from socialcrm.engagement import COMPANY, EMPLOYEE, UNOFFICIAL_BRAND, Registry, minutes_between
from socialcrm.linking import LinkingDeps, match_new_post, posts_of_account, rematch
from socialcrm.matching import UNMATCHED
from socialcrm.metric_counters import (
    MARKER_DAYS,
    VOICES,
    answer_counters,
    counters_for,
    counting_hour,
    distinct_markers,
    reaction_counters,
    shard_of,
    waits_for_answer,
)
from socialcrm.model import AnalyzedPost, Author, CanonicalPost
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
    ledger: Ledger | None = None
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
    # Our own post may be a reply we published (socialcrm.replies): it answers the post the reply was for, even
    # where the platform does not say what it replies to (a direct message).
    echo = deps.replies.published(post.key) if deps.replies is not None and role == COMPANY else None
    if echo is not None and echo.answered.platform == post.platform:
        replied_to = echo.answered
    parent = deps.posts.get_state(replied_to) if replied_to else None
    # Our own and our employees' accounts speak for the company: never matched to a customer.
    match, verified_for = match_new_post(post, deps.linking) if role in VOICES else (UNMATCHED, None)
    analyzed = AnalyzedPost(post, label, score, match.customer_id, match.match_key, match.score, match.evidence,
                            match.candidates, role, match_basis=match.basis)
    customer = deps.customers.get(match.customer_id) if match.customer_id else None
    reason = is_actionable(analyzed)
    segment = customer.segment if customer else None
    topics = deps.registry.topics_of(post.text) if role in VOICES else []
    counters = counters_for(analyzed, segment, reason is not None, answers_another_voice(post, parent), topics)
    hour = counting_hour(post.created_at, now)
    if not deps.posts.store_new(analyzed, counters, hour, shard_of(post.key)) and state is None:
        # Another delivery of this post stored it after we looked: that one finishes the post (or is
        # retried until it does). Going on here would enqueue the same push a second time.
        return Outcome("duplicate")
    # From here on every step is idempotent, so a retry after a failure simply redoes them.
    count_engagement(analyzed, parent, segment, topics, hour, deps, now)
    if role == COMPANY and parent is not None and parent.customer_id:
        close_the_loop(parent, deps, now)
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
    """First official answers, distinct voices, governance notes and what answering is worth; each is counted at
    most once."""
    post, role = analyzed.post, analyzed.role
    if role == COMPANY and parent and parent.author_role == "public" and not parent.answered_at:
        minutes = minutes_between(parent.created_at, post.created_at)
        if minutes >= 0:
            if deps.ledger is not None and parent.customer_id and minutes <= answer_worth.WINDOW.total_seconds() / 60:
                deps.ledger.note_answered(counting_hour(parent.created_at, now)[:10], parent.customer_id,
                                          answer_worth.expiry(now))  # before the mark: a retry notes it again
            deps.posts.mark_answered(parent.key, post.created_at, answer_counters(minutes),
                                     counting_hour(parent.created_at, now), shard_of(parent.key),
                                     answer_text=post.text[:CARD_TEXT_CHARS])
    if deps.ledger is None:
        return
    if analyzed.customer_id and waits_for_answer(analyzed, answers_another_voice(post, parent)):
        deps.ledger.note_asked(hour[:10], analyzed.customer_id, answer_worth.posted_time(post.created_at, now),
                               answer_worth.expiry(now))
    expires = int((now + timedelta(days=MARKER_DAYS)).timestamp())
    if role in VOICES:
        deps.ledger.count_first(distinct_markers(post, analyzed.customer_id, segment, topics, hour[:10]), hour,
                                shard_of(post.key), expires)
    if role in (EMPLOYEE, UNOFFICIAL_BRAND) and post.reply_to:
        deps.ledger.note_for_review(hour[:10], post.key, role, post.platform,
                                    int((now + timedelta(days=REVIEW_NOTE_DAYS)).timestamp()))


def close_the_loop(parent: StoredPost, deps: ProcessorDeps, now: datetime) -> None:
    """Our answer to a customer's post: their card shows it, and the contact centre may close the post's task.
    Repeated safely (the card is rebuilt, the answered push has its own id)."""
    if parent.customer_id is None:
        return
    answered = deps.posts.get_state(parent.key) or parent
    if not answered.answered_at:
        return  # answered before it was stored, or an answer to our own post: nothing to close
    refresh_card(parent.customer_id, deps.posts, deps.customers, deps.cards, now)
    deps.push_queue.enqueue(answered_push_for(answered))


def _count_reaction(post: CanonicalPost, deps: ProcessorDeps, now: datetime) -> Outcome:
    """Likes and favourites are counted once (the marker item makes a redelivery a no-op), never shown."""
    anonymous = Author(post.platform)  # the marker must never be linked to a customer or shown on a card
    marker = AnalyzedPost(CanonicalPost(post.platform, post.post_id, "reaction", anonymous, "", post.created_at,
                                        source=post.source), "neutral", 0.0)
    counted = deps.posts.store_new(marker, reaction_counters(post.platform), counting_hour(post.created_at, now),
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

