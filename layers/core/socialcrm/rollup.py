"""Hourly and daily rollups of the sharded counters into CloudWatch metrics and stored history.

Idempotent: figures come from counters (not from posts). The hourly rollup publishes only the
difference from what was already published for that hour; the daily rollup adds the derived
figures (rates, shares, percentiles, representativeness; docs/metrics.md) and publishes those that
changed. A re-run or a back-fill never double counts.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from socialcrm.engagement import percentile, total_variation
from socialcrm.errors import BadRequest
from socialcrm.figures import UNPUBLISHED
from socialcrm.model import utc_iso
from socialcrm.ports import CallFigures, CounterStore, MetricsPublisher

TOPIC_MIN_POSTS = 10  # a topic is judged once it has this many posts in the day
TOPIC_MIN_AUTHOR_SHARE = 0.3  # fewer distinct authors per post than this: a few people are loud
TOPIC_MAX_SKEW = 0.5  # a topic's authors differ this much from the customer base: unrepresentative
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class RollupResult:
    hour: str
    figures: dict[str, float]
    published: dict[str, float]
    requests: int

    def as_dict(self) -> dict[str, Any]:
        return {"hour": self.hour, "figures": self.figures, "published": self.published,
                "cloudwatch_requests": self.requests}


def hour_to_roll(event: dict[str, Any]) -> str:
    """The hour before the scheduled event's time, or the hour named by {"hour": ...} (back-fill)."""
    raw = event.get("hour") or event.get("time")
    if not isinstance(raw, str):
        raise BadRequest("the event needs a 'time' (scheduled) or an 'hour' (back-fill)")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"not an ISO-8601 time: {raw!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    start = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if "hour" not in event:
        start -= timedelta(hours=1)
    return utc_iso(start)


def period_to_roll(event: dict[str, Any], now: datetime) -> tuple[str, str]:
    """("hour", hour) or ("day", "YYYY-MM-DD"): {"day": ...} back-fills a day, {"period": "day"} (the daily
    schedule) rolls up yesterday, anything else is an hour (hour_to_roll)."""
    day = event.get("day")
    if day is not None:
        if not isinstance(day, str) or not _DAY.match(day):
            raise BadRequest(f"'day' must be YYYY-MM-DD, got {day!r}")
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError:
            raise BadRequest(f"not a date: {day!r}") from None
        return "day", day
    if event.get("period") == "day":
        return "day", (now.astimezone(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    return "hour", hour_to_roll(event)


def roll_up(hour: str, counters: CounterStore, publisher: MetricsPublisher,
            read: dict[str, int] | None = None) -> RollupResult:
    """One hour: only the difference from what was published for it before is sent. `read`: the hour's
    counters when the caller has read them already (the daily rollup)."""
    raw = counters.read_hour(hour) if read is None else read
    figures: dict[str, float] = {name: float(value) for name, value in sorted(raw.items())}
    already = counters.stored_rollup(hour) or {}
    delta = {name: value - already.get(name, 0.0) for name, value in figures.items() if published(name)}
    delta = {name: value for name, value in delta.items() if value != 0}
    requests = publisher.publish(hour, delta) if delta else 0
    if figures != already:
        counters.save_rollup(hour, figures)
    return RollupResult(hour, figures, delta, requests)


def split_counter_name(name: str) -> tuple[str, list[tuple[str, str]]]:
    """'Posts|Platform=facebook|Kind=post' -> ('Posts', [('Platform', 'facebook'), ('Kind', 'post')])."""
    metric, *parts = name.split("|")
    dimensions = [tuple(part.split("=", 1)) for part in parts if "=" in part]
    return metric, [(key, value) for key, value in dimensions]


def published(name: str) -> bool:
    """Stored for history but not sent to CloudWatch: socialcrm.figures.UNPUBLISHED (per-topic figures and
    first-sighting counters)."""
    return split_counter_name(name)[0] not in UNPUBLISHED


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


def _by(totals: Mapping[str, float], metric: str, dimension: str) -> dict[str, float]:
    """{dimension value: total} of the counters of one metric (other dimensions summed)."""
    found: dict[str, float] = defaultdict(float)
    for name, value in totals.items():
        name_metric, dimensions = split_counter_name(name)
        if name_metric == metric:
            found[dict(dimensions).get(dimension, "")] += value
    return dict(found)


def _by_two(totals: Mapping[str, float], metric: str, outer: str, inner: str) -> dict[str, dict[str, float]]:
    """{outer value: {inner value: total}} of the counters of one metric with two dimensions."""
    found: dict[str, dict[str, float]] = defaultdict(dict)
    for name, value in totals.items():
        name_metric, dimensions = split_counter_name(name)
        if name_metric == metric:
            dims = dict(dimensions)
            found[dims[outer]][dims[inner]] = value
    return found


def daily_figures(totals: Mapping[str, float], base: Mapping[str, float],
                  calls: Mapping[str, float]) -> dict[str, float]:
    """The day's figures from its summed hourly counters, the customer base and the calls (formulas in
    docs/metrics.md). Figures without data are left out rather than reported as zero."""
    figures: dict[str, float | None] = {name: float(value) for name, value in totals.items()}
    matched, unmatched = sum(_by(totals, "MatchedPosts", "Platform").values()), \
        sum(_by(totals, "UnmatchedPosts", "Platform").values())
    figures["MatchRate"] = _share(matched, matched + unmatched)
    figures["UnmatchedAuthors"] = float(totals.get("DailyUnmatchedAuthors", 0))
    sentiments = _by(totals, "PostsBySentiment", "Sentiment")
    for sentiment, count in sentiments.items():
        figures[f"SentimentShare|Sentiment={sentiment}"] = _share(count, sum(sentiments.values()))
    for segment, counts in _by_two(totals, "MatchedPostsBySegment", "Segment", "Sentiment").items():
        for sentiment, count in counts.items():
            figures[f"MatchedSentimentShare|Segment={segment}|Sentiment={sentiment}"] = \
                _share(count, sum(counts.values()))

    buckets = {int(bound): count for bound, count in _by(totals, "ResponseMinutes", "Bucket").items()}
    figures["ResponseMedianMinutes"] = percentile(buckets, 0.5)
    figures["ResponseP90Minutes"] = percentile(buckets, 0.9)
    inbound = totals.get("InboundPosts", 0)
    figures["AnsweredWithin1hShare"] = _share(totals.get("AnsweredWithin|Window=1h", 0), inbound)
    figures["AnsweredWithin24hShare"] = _share(totals.get("AnsweredWithin|Window=24h", 0), inbound)

    call_count = calls.get("Calls", 0)
    figures["Calls"] = float(call_count)
    figures["CallsPosted24hShare"] = _share(calls.get("CallerPosted24h", 0), call_count)
    figures["CallsPosted7dShare"] = _share(calls.get("CallerPosted7d", 0), call_count)
    figures["CallsWithSocialContextShare"] = _share(calls.get("CallWithSocialContext", 0), call_count)

    base_by_segment = _by(base, "Customers", "Segment")
    base_total = sum(base_by_segment.values())
    base_shares = {s: n / base_total for s, n in base_by_segment.items()} if base_total else {}
    voices = {s: n for s, n in _by(totals, "DailyVoices", "Segment").items() if n}
    for segment in sorted(set(voices) | set(base_shares)):
        voice_share = _share(voices.get(segment, 0), sum(voices.values()))
        base_share = _share(base_by_segment.get(segment, 0), base_total)
        figures[f"VoiceShare|Segment={segment}"] = voice_share
        figures[f"BaseShare|Segment={segment}"] = base_share
        if voice_share is not None and base_share:
            figures[f"RepresentationIndex|Segment={segment}"] = round(voice_share / base_share, 6)

    figures["TopicWarnings"] = 0.0
    topic_authors = _by_two(totals, "DailyTopicAuthors", "Topic", "Segment")
    for topic, posts in _by(totals, "TopicPosts", "Topic").items():
        segments = topic_authors.get(topic, {})
        authors = sum(segments.values())
        matched_authors = {s: n for s, n in segments.items() if s != "unmatched"}
        figures[f"TopicAuthors|Topic={topic}"] = float(authors)
        author_share = _share(authors, posts)
        figures[f"TopicAuthorShare|Topic={topic}"] = author_share
        skew = None
        if matched_authors and base_shares:
            skew = total_variation({s: n / sum(matched_authors.values()) for s, n in matched_authors.items()},
                                   base_shares)
            figures[f"TopicSkew|Topic={topic}"] = skew
        loud = author_share is not None and author_share < TOPIC_MIN_AUTHOR_SHARE
        warning = posts >= TOPIC_MIN_POSTS and (loud or (skew is not None and skew > TOPIC_MAX_SKEW))
        figures[f"TopicWarning|Topic={topic}"] = float(warning)
        figures["TopicWarnings"] += float(warning)
    return {name: value for name, value in sorted(figures.items()) if value is not None}


def derived_names(figures: Mapping[str, float], totals: Mapping[str, float]) -> list[str]:
    """The daily figures that are not plain sums of hourly counters (those are published hourly)."""
    return [name for name in figures if name not in totals and published(name)]


def roll_up_day(day: str, counters: CounterStore, calls: CallFigures, publisher: MetricsPublisher) -> RollupResult:
    """The day's figures from its 24 hour partitions, the customer base and the calls: a fixed number of
    reads whatever the volume. Each hour is rolled up again on the way (a missed or late hour catches
    up; an hour already published sends nothing). Stored for history; the derived figures that changed
    are published."""
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    totals: Counter[str] = Counter()
    requests = 0
    for offset in range(24):
        hour = utc_iso(start + timedelta(hours=offset))
        counted = counters.read_hour(hour)
        if counted:
            requests += roll_up(hour, counters, publisher, read=counted).requests
        totals.update(counted)
    figures = daily_figures(dict(totals), counters.read_base(), calls.read_day(day))
    already = counters.stored_rollup(day) or {}
    changed = {name: figures[name] for name in derived_names(figures, totals) if already.get(name) != figures[name]}
    requests += publisher.publish(utc_iso(start), changed) if changed else 0
    if figures != already:
        counters.save_rollup(day, figures)
    return RollupResult(day, figures, changed, requests)


def roll_up_event(event: dict[str, Any], now: datetime, counters: CounterStore, publisher: MetricsPublisher,
                  calls: Callable[[], CallFigures]) -> RollupResult:
    """The rollup an invocation asks for: an hour (schedule or back-fill) or a day."""
    period, key = period_to_roll(event, now)
    if period == "day":
        return roll_up_day(key, counters, calls(), publisher)
    return roll_up(key, counters, publisher)
