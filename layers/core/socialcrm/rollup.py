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

from socialcrm import metric_catalogue as catalogue
from socialcrm.engagement import percentile, total_variation
from socialcrm.errors import BadRequest
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
    sent, sent_before = for_cloudwatch(figures), for_cloudwatch(already)
    delta = {name: value - sent_before.get(name, 0.0) for name, value in sent.items()}
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
    """Whether the rollup sends a figure to CloudWatch: only the families the catalogue publishes (those the
    dashboard shows); the others stay in the stored rollups."""
    return split_counter_name(name)[0] not in catalogue.UNPUBLISHED


def for_cloudwatch(figures: Mapping[str, float]) -> dict[str, float]:
    """The published figures with only their published dimensions, summed over the others
    ('Posts|Platform=x|Kind=post' and '...|Kind=comment' go out as one 'Posts|Platform=x')."""
    sent: dict[str, float] = {}
    for name, value in figures.items():
        metric, dimensions = split_counter_name(name)
        family = catalogue.BY_NAME.get(metric)
        if not published(name):
            continue
        kept = dimensions if family is None else [(k, v) for k, v in dimensions if k in family.published_dimensions]
        key = "|".join([metric, *(f"{k}={v}" for k, v in kept)])
        sent[key] = sent.get(key, 0.0) + value
    return sent


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


def _total(source: Mapping[str, float], name: str) -> float:
    """The total of 'Metric' (all its dimensions summed) or of 'Metric|Dim=value|...' (only those values)."""
    metric, wanted = split_counter_name(name)
    return sum(value for counter, value in source.items()
               if split_counter_name(counter)[0] == metric and set(wanted) <= set(split_counter_name(counter)[1]))


def _derive(metric: catalogue.Metric, source: Mapping[str, float]) -> dict[str, float | None]:
    """One daily family's figures by its declared derivation (metric_catalogue)."""
    rule = metric.derivation
    if isinstance(rule, catalogue.Copy):
        return {metric.name: float(_total(source, rule.source))}
    if isinstance(rule, catalogue.Share):
        return {metric.name: _share(_total(source, rule.part), sum(_total(source, whole) for whole in rule.whole))}
    if isinstance(rule, catalogue.ShareWithin):
        groups: dict[tuple[str, ...], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for name, value in source.items():
            name_metric, dimensions = split_counter_name(name)
            if name_metric == rule.source:
                dims = dict(dimensions)
                groups[tuple(dims[d] for d in rule.within)][dims.get(rule.of, "")] += value
        return {metric.counter(**dict(zip(rule.within, within, strict=True)), **{rule.of: value}):
                _share(count, sum(counts.values()))
                for within, counts in groups.items() for value, count in counts.items()}
    if isinstance(rule, catalogue.Percentile):
        buckets = {int(bound): count for bound, count in _by(source, rule.source, rule.dimension).items()}
        return {metric.name: percentile(buckets, rule.rank)}
    raise ValueError(f"{metric.name}: no daily derivation {rule!r}")


def _representation(totals: Mapping[str, float], base: Mapping[str, float]) -> dict[str, float | None]:
    """VoiceShare, BaseShare and RepresentationIndex per segment."""
    figures: dict[str, float | None] = {}
    base_by_segment = _by(base, catalogue.CUSTOMERS.name, "Segment")
    base_total = sum(base_by_segment.values())
    voices = {s: n for s, n in _by(totals, catalogue.DAILY_VOICES.name, "Segment").items() if n}
    for segment in sorted(set(voices) | set(base_by_segment if base_total else ())):
        voice_share = _share(voices.get(segment, 0), sum(voices.values()))
        base_share = _share(base_by_segment.get(segment, 0), base_total)
        figures[catalogue.VOICE_SHARE.counter(Segment=segment)] = voice_share
        figures[catalogue.BASE_SHARE.counter(Segment=segment)] = base_share
        if voice_share is not None and base_share:
            figures[catalogue.REPRESENTATION_INDEX.counter(Segment=segment)] = round(voice_share / base_share, 6)
    return figures


def _topics(totals: Mapping[str, float], base: Mapping[str, float]) -> dict[str, float | None]:
    """Per topic: authors, author share, skew against the base and a warning; the number of warnings."""
    base_by_segment = _by(base, catalogue.CUSTOMERS.name, "Segment")
    base_total = sum(base_by_segment.values())
    base_shares = {s: n / base_total for s, n in base_by_segment.items()} if base_total else {}
    figures: dict[str, float | None] = {catalogue.TOPIC_WARNINGS.name: 0.0}
    warnings = 0.0
    topic_authors = _by_two(totals, catalogue.DAILY_TOPIC_AUTHORS.name, "Topic", "Segment")
    for topic, posts in _by(totals, catalogue.TOPIC_POSTS.name, "Topic").items():
        segments = topic_authors.get(topic, {})
        authors = sum(segments.values())
        matched_authors = {s: n for s, n in segments.items() if s != "unmatched"}
        figures[catalogue.TOPIC_AUTHORS.counter(Topic=topic)] = float(authors)
        author_share = _share(authors, posts)
        figures[catalogue.TOPIC_AUTHOR_SHARE.counter(Topic=topic)] = author_share
        skew = None
        if matched_authors and base_shares:
            skew = total_variation({s: n / sum(matched_authors.values()) for s, n in matched_authors.items()},
                                   base_shares)
            figures[catalogue.TOPIC_SKEW.counter(Topic=topic)] = skew
        loud = author_share is not None and author_share < TOPIC_MIN_AUTHOR_SHARE
        warning = posts >= TOPIC_MIN_POSTS and (loud or (skew is not None and skew > TOPIC_MAX_SKEW))
        figures[catalogue.TOPIC_WARNING.counter(Topic=topic)] = float(warning)
        warnings += float(warning)
    figures[catalogue.TOPIC_WARNINGS.name] = warnings
    return figures


# Daily families computed together (metric_catalogue.Computed): (the day's summed counters, the base) -> figures.
COMPUTED: dict[str, Callable[[Mapping[str, float], Mapping[str, float]], dict[str, float | None]]] = {
    "representation": _representation,
    "topics": _topics,
}


def daily_figures(totals: Mapping[str, float], base: Mapping[str, float],
                  calls: Mapping[str, float]) -> dict[str, float]:
    """The day's figures: its summed hourly counters, and each daily family of the catalogue derived from them,
    the customer base and the calls (formulas in docs/metrics.md). Figures without data are left out rather
    than reported as zero."""
    figures: dict[str, float | None] = {name: float(value) for name, value in totals.items()}
    source = {**totals, **calls}
    groups = []
    for metric in catalogue.DAILY:
        if isinstance(metric.derivation, catalogue.Computed):
            if metric.derivation.group not in groups:
                groups.append(metric.derivation.group)
        else:
            figures.update(_derive(metric, source))
    for group in groups:
        figures.update(COMPUTED[group](totals, base))
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
