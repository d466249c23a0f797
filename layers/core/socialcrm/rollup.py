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

from socialcrm import answer_worth
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
    """Whether the rollup sends a figure to CloudWatch as a value: only the families the catalogue publishes
    (those the dashboard shows or an alarm reads), and not those sent as statistic sets."""
    metric = split_counter_name(name)[0]
    return metric not in catalogue.UNPUBLISHED and metric not in catalogue.STATISTIC_SETS


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


def cohort_figures(tally: answer_worth.Tally) -> dict[str, float]:
    """What answering is worth, for one day's cohort: the counts behind each share, and the shares (left out
    when their group is empty)."""
    figures = {catalogue.ANSWERED_CUSTOMERS.name: float(tally.answered),
               catalogue.ANSWERED_CUSTOMERS_CALLED.name: float(tally.answered_called),
               catalogue.UNANSWERED_CUSTOMERS.name: float(tally.unanswered),
               catalogue.UNANSWERED_CUSTOMERS_CALLED.name: float(tally.unanswered_called),
               catalogue.ANSWER_WORTH_OPEN_WINDOWS.name: float(tally.open_windows)}
    for share, part, whole in ((catalogue.ANSWERED_CALL_SHARE, tally.answered_called, tally.answered),
                               (catalogue.UNANSWERED_CALL_SHARE, tally.unanswered_called, tally.unanswered)):
        value = _share(part, whole)
        if value is not None:
            figures[share.name] = value
    return figures


def _cohort_of(day: str, counters: CounterStore, now: datetime, already: Mapping[str, float]) -> dict[str, float]:
    """The day's cohort figures from its facts; a day whose facts may have expired keeps what was stored."""
    names = {metric.name for metric in catalogue.COHORT}
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    if now - start > timedelta(days=answer_worth.FACT_DAYS - 2):
        return {name: value for name, value in already.items() if name in names}
    return cohort_figures(answer_worth.tally(counters.read_cohort(day), now))


def _statistic_sets(figures: Mapping[str, float], already: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """{figure: (sum, sample count)} to send for a cohort whose windows have all closed: the difference from what
    was sent before (only a final cohort is sent), when it can be sent (a count never goes down in CloudWatch)."""
    open_windows = catalogue.ANSWER_WORTH_OPEN_WINDOWS.name
    if figures.get(open_windows) != 0:
        return {}
    sent_before = already.get(open_windows) == 0
    sets = {}
    for name, customers in catalogue.STATISTIC_SETS.items():
        called = figures.get(name, 0.0) - (already.get(name, 0.0) if sent_before else 0.0)
        samples = figures.get(customers, 0.0) - (already.get(customers, 0.0) if sent_before else 0.0)
        if samples > 0 and 0 <= called <= samples:
            sets[name] = (called, samples)
    return sets


def _publish_cohort(day: str, figures: Mapping[str, float], already: Mapping[str, float],
                    publisher: MetricsPublisher) -> tuple[dict[str, float], int]:
    sets = _statistic_sets(figures, already)
    if not sets:
        return {}, 0
    requests = publisher.publish_statistics(f"{day}T00:00:00Z", sets)
    sent = {name: called for name, (called, _) in sets.items()}
    sent.update({catalogue.STATISTIC_SETS[name]: samples for name, (_, samples) in sets.items()})
    return sent, requests


def derived_names(figures: Mapping[str, float], totals: Mapping[str, float]) -> list[str]:
    """The daily figures that are not plain sums of hourly counters (those are published hourly)."""
    return [name for name in figures if name not in totals and published(name)]


def roll_up_day(day: str, counters: CounterStore, calls: CallFigures, publisher: MetricsPublisher,
                now: datetime | None = None) -> RollupResult:
    """The day's figures from its 24 hour partitions, the customer base, the calls and the cohort's facts: a
    fixed number of reads whatever the volume. Each hour is rolled up again on the way (a missed or late hour
    catches up; an hour already published sends nothing). Stored for history; the derived figures that changed
    are published, and the cohort's statistic sets once its windows have closed."""
    now = now or datetime.now(UTC)
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
    figures = dict(sorted({**figures, **_cohort_of(day, counters, now, already)}.items()))
    changed = {name: figures[name] for name in derived_names(figures, totals) if already.get(name) != figures[name]}
    requests += publisher.publish(utc_iso(start), changed) if changed else 0
    sent, cohort_requests = _publish_cohort(day, figures, already, publisher)
    if figures != already:
        counters.save_rollup(day, figures)
    return RollupResult(day, figures, {**changed, **sent}, requests + cohort_requests)


def roll_up_cohort(day: str, counters: CounterStore, calls: CallFigures, publisher: MetricsPublisher,
                   now: datetime) -> RollupResult:
    """The cohort of a day already rolled up, again: its windows closed at midnight after the next day. The other
    figures are kept as stored (a day never rolled up is rolled up in full)."""
    already = counters.stored_rollup(day)
    if not already:
        return roll_up_day(day, counters, calls, publisher, now)
    names = {metric.name for metric in catalogue.COHORT}
    figures = dict(sorted({**{n: v for n, v in already.items() if n not in names},
                           **_cohort_of(day, counters, now, already)}.items()))
    sent, requests = _publish_cohort(day, figures, already, publisher)
    if figures != already:
        counters.save_rollup(day, figures)
    return RollupResult(day, figures, sent, requests)


def roll_up_event(event: dict[str, Any], now: datetime, counters: CounterStore, publisher: MetricsPublisher,
                  calls: Callable[[], CallFigures]) -> RollupResult:
    """The rollup an invocation asks for: an hour (schedule or back-fill) or a day."""
    period, key = period_to_roll(event, now)
    if period == "day":
        if "day" not in event:  # the schedule: the cohort of the day before yesterday is complete now
            earlier = roll_up_cohort(answer_worth.day_before(key), counters, calls(), publisher, now)
            result = roll_up_day(key, counters, calls(), publisher, now)
            return RollupResult(result.hour, result.figures, result.published, result.requests + earlier.requests)
        return roll_up_day(key, counters, calls(), publisher, now)
    return roll_up(key, counters, publisher)
