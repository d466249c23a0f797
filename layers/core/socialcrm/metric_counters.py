"""The processor's counters: which counters a post adds, in which hour and shard, and its first-sighting markers.

Counter names come from the metric catalogue (`metric_catalogue`): 'Metric|Dim=value|...'.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime

from socialcrm import identity
from socialcrm import metric_catalogue as catalogue
from socialcrm.engagement import PUBLIC, UNOFFICIAL_BRAND, fold, response_bucket
from socialcrm.model import AnalyzedPost, CanonicalPost, segment_label, utc_iso

VOICES = (PUBLIC, UNOFFICIAL_BRAND)  # people speaking for themselves, not for the company
MARKER_DAYS = 8  # first-sighting markers outlive the day they count
MARKER_CHARS = 20  # hex digits of a marker (80 bits): at a million voices a day, a shared one has odds below 1e-12
PEER = "peer"  # Replies|By=peer: a voice answering another voice


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


def reply_counter(post: CanonicalPost, role: str, peer_reply: bool) -> str | None:
    """Who a reply comes from: the company, an employee, an account posing as the brand, or a peer
    (`peer_reply`: a public author answering another voice's post)."""
    if not post.reply_to:
        return None
    if role != PUBLIC:
        return catalogue.REPLIES.counter(By=role)
    return catalogue.REPLIES.counter(By=PEER) if peer_reply else None


def waits_for_answer(analyzed: AnalyzedPost, peer_reply: bool) -> bool:
    """An inbound post: a public author's post, except a reply to another voice (a peer reply)."""
    return analyzed.role == PUBLIC and not (analyzed.post.reply_to and peer_reply)


def answer_counters(minutes: float) -> dict[str, int]:
    counters = {catalogue.ANSWERED_POSTS.counter(): 1,
                catalogue.RESPONSE_MINUTES.counter(Bucket=str(response_bucket(minutes))): 1}
    if minutes <= 60:
        counters[catalogue.ANSWERED_WITHIN.counter(Window="1h")] = 1
    if minutes <= 24 * 60:
        counters[catalogue.ANSWERED_WITHIN.counter(Window="24h")] = 1
    return counters


def reaction_counters(platform: str) -> dict[str, int]:
    return {catalogue.REACTIONS.counter(Platform=platform): 1}


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
    pairs = [("voice", catalogue.DAILY_VOICES.counter(Segment=group))] if customer_id \
        else [("unmatched", catalogue.DAILY_UNMATCHED_AUTHORS.counter())]
    pairs += [(f"topic:{topic}", catalogue.DAILY_TOPIC_AUTHORS.counter(Topic=topic, Segment=group))
              for topic in topics]
    return [(hashlib.sha256(f"{day}|{scope}|{voice}".encode()).hexdigest()[:MARKER_CHARS], counter)
            for scope, counter in pairs]


def counters_for(analyzed: AnalyzedPost, segment: str | None, actionable: bool, peer_reply: bool = False,
                 topics: Sequence[str] = ()) -> dict[str, int]:
    """The counters a stored post adds (each by 1)."""
    post = analyzed.post
    counters = {catalogue.POSTS.counter(Platform=post.platform, Kind=post.kind): 1}
    replies = reply_counter(post, analyzed.role, peer_reply)
    if replies:
        counters[replies] = 1
    if analyzed.role not in VOICES:  # the company's own posts are volume, not voices
        return counters
    matched = catalogue.MATCHED_POSTS if analyzed.customer_id else catalogue.UNMATCHED_POSTS
    counters.update({
        matched.counter(Platform=post.platform): 1,
        catalogue.POSTS_BY_SENTIMENT.counter(Sentiment=analyzed.sentiment): 1,
    })
    if waits_for_answer(analyzed, peer_reply):
        counters[catalogue.INBOUND_POSTS.counter()] = 1
    for topic in topics:
        counters[catalogue.TOPIC_POSTS.counter(Topic=topic)] = 1
    if analyzed.candidates:
        counters[catalogue.HELD_FOR_REVIEW.counter(Platform=post.platform)] = 1
    if analyzed.customer_id:
        counters[catalogue.MATCHED_POSTS_BY_SEGMENT.counter(Segment=segment_label(segment),
                                                            Sentiment=analyzed.sentiment)] = 1
    if actionable:
        counters[catalogue.ACTIONABLE_POSTS.counter()] = 1
    return counters


def first_sightings(batches: Sequence[Mapping[str, Mapping[str, Collection[str]]]], hour: str) -> dict[str, int]:
    """Per distinct-count family, the voices of the day first seen in `hour` (summed over the day's hours, the
    day's distinct voices, exactly; a voice seen by two batches, or twice by one, counts once)."""
    first: dict[tuple[str, str], str] = {}
    for seen in batches:
        for seen_hour, families in seen.items():
            for counter, markers in families.items():
                for marker in markers:
                    key = (counter, marker)
                    if key not in first or seen_hour < first[key]:
                        first[key] = seen_hour
    counts: dict[str, int] = defaultdict(int)
    for (counter, _), seen_hour in first.items():
        if seen_hour == hour:
            counts[counter] += 1
    return dict(counts)
