"""Every metric family, declared once (formulas in docs/metrics.md).

A family has a name, dimensions, a kind (who writes it and whether it sums), whether the rollup sends it to
CloudWatch, how it is derived, and where the dashboard shows it. Everything else takes its names from here:
the processor's counters (`counter_name`), the rollup's daily figures (`rollup.daily_figures` evaluates each
daily family's derivation), the calls the rollup reads back (`adapters.cloudwatch`; the lookup emits them from
`call_signals.py`, whose windows the Kind.CALL families carry), `make report` (`infra/report.py`) and the
dashboard test, which checks template.yaml's `SocialDashboard` against `Metric.shown`.

A name with its dimensions is 'Metric|Dim=value|...' (dimensions in the declared order).

A custom metric costs the same whatever it tells (docs/cost.md), so only what something reads goes to CloudWatch:
a family is published when the dashboard shows it (MatchRate, the alarmed one, is shown too) or the lookup writes
it as a call signal (`tests/unit/test_cost_budget.py` holds that rule), with only the dimensions the dashboard
draws (`publish_by`); everything else stays a figure of the stored rollups that `make report` reads. `EMITTED`
lists the few EMF metrics the functions write themselves, each with the alarm, widget or rollup that reads it;
`monthly_metrics` counts what a month publishes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from socialcrm import call_signals

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.literals import StandardUnitType


class Kind(StrEnum):
    COUNT = "count"  # an hourly counter written by the processor; summable over any period
    FIRST_SIGHTING = "first_sighting"  # an hourly counter of first sightings (distinct per day): daily only
    BASE = "base"  # the customer base by segment, kept by customer sync and erasure
    CALL = "call"  # an EMF metric of the contact lookup, read back by the daily rollup
    DAILY = "daily"  # derived once a day from the others; never summed
    COHORT = "cohort"  # a day's cohort of customers, counted from per-customer facts (answer_worth.py); daily


# How a daily figure (or a call signal) is derived. `Share` and `Copy` name a source by 'Metric' (all its
# dimensions summed) or 'Metric|Dim=value' (only those); sources are the day's summed counters and its calls.

@dataclass(frozen=True)
class Copy:
    source: str  # the day's total of the source, 0 when there is none


@dataclass(frozen=True)
class Share:
    part: str
    whole: tuple[str, ...]  # summed; no figure when the whole is 0


@dataclass(frozen=True)
class ShareWithin:
    source: str  # a counter family
    of: str  # one figure per value of this dimension: its share...
    within: tuple[str, ...] = ()  # ...among the counts with the same values of these dimensions


@dataclass(frozen=True)
class Percentile:
    source: str  # a bucketed counter family: the dimension's values are the buckets' upper bounds
    dimension: str
    rank: float


@dataclass(frozen=True)
class Computed:
    group: str  # several families computed together by rollup.COMPUTED[group]


@dataclass(frozen=True)
class PostedWithin:
    """A call signal: the caller's newest post is at most `window` old at the call (None: any post shown)."""

    window: timedelta | None


Derivation = Copy | Share | ShareWithin | Percentile | Computed | PostedWithin


@dataclass(frozen=True)
class Shown:
    """Where the dashboard shows a family: its widget's title, and either one line (with `label`), one line per
    dimension value (`lines`: (value, label)), or, for a family with dimensions and no lines, one SEARCH."""

    widget: str
    label: str | None = None
    lines: tuple[tuple[str, str], ...] = ()
    stats: tuple[tuple[str, str], ...] = ()  # instead of `label`: one line per (statistic, label) of a statistic set


@dataclass(frozen=True)
class Metric:
    name: str
    kind: Kind
    dimensions: tuple[str, ...] = ()
    published: bool = False  # sent to CloudWatch (shown or alarmed); False: stored in the rollups only
    derivation: Derivation | None = None
    unit: StandardUnitType = "Count"  # the CloudWatch unit the rollup publishes with
    label: str = ""  # what the figure means, in a few words: a row of make report's totals or channel shares
    report_lines: tuple[tuple[str, str], ...] = ()  # instead of `label`: (value of its dimension, label) rows
    shown: Shown | None = None
    samples: str = ""  # published as a statistic set: Sum = this figure, SampleCount = the figure named here
    publish_by: tuple[str, ...] | None = None  # the dimensions CloudWatch gets (summed over the others); None: all

    @property
    def published_dimensions(self) -> tuple[str, ...]:
        return self.dimensions if self.publish_by is None else self.publish_by

    def counter(self, **dimensions: str) -> str:
        """'Metric|Dim=value|...' with exactly the declared dimensions, in the declared order."""
        if set(dimensions) != set(self.dimensions):
            raise ValueError(f"{self.name} takes the dimensions {self.dimensions}, not {tuple(dimensions)}")
        return "|".join([self.name, *(f"{name}={dimensions[name]}" for name in self.dimensions)])


_POSTS_WIDGET = "Posts by platform (per day; by kind: make report)"
_SENTIMENT_WIDGET = "Sentiment shares (daily)"
_RESPONSE_WIDGET = "Response time, minutes (daily median and p90)"
_ANSWERED_WIDGET = "Answered within 1 h and 24 h (daily share)"
_REPLIES_WIDGET = "Governance: replies by who (per day)"
_CALLS_WIDGET = "Channel switching: calls after a post (daily share)"
_REPRESENTATION_WIDGET = "Representation index by segment (1 = as in the customer base)"
_WORTH_WIDGET = "What answering is worth: called within 24 h of their post (share; customers on the right)"
_TOPICS_WIDGET = "Topics whose volume comes from a small or unrepresentative group (per topic: make report)"

# -- counted by the processor, per post, in the post's hour -------------------------------------------------
POSTS = Metric("Posts", Kind.COUNT, ("Platform", "Kind"), published=True, label="Posts", shown=Shown(_POSTS_WIDGET),
               publish_by=("Platform",))
MATCHED_POSTS = Metric("MatchedPosts", Kind.COUNT, ("Platform",), label="Matched to a customer")
UNMATCHED_POSTS = Metric("UnmatchedPosts", Kind.COUNT, ("Platform",), label="Not matched")
HELD_FOR_REVIEW = Metric("HeldForReview", Kind.COUNT, ("Platform",), label="Held for review")
POSTS_BY_SENTIMENT = Metric("PostsBySentiment", Kind.COUNT, ("Sentiment",))
MATCHED_POSTS_BY_SEGMENT = Metric("MatchedPostsBySegment", Kind.COUNT, ("Segment", "Sentiment"))
ACTIONABLE_POSTS = Metric("ActionablePosts", Kind.COUNT, label="Actionable")
REACTIONS = Metric("Reactions", Kind.COUNT, ("Platform",), label="Reactions")
INBOUND_POSTS = Metric("InboundPosts", Kind.COUNT, label="Inbound (needing an answer)")
ANSWERED_POSTS = Metric("AnsweredPosts", Kind.COUNT, label="Answered")
ANSWERED_WITHIN = Metric("AnsweredWithin", Kind.COUNT, ("Window",),
                         report_lines=(("1h", "Answered within 1 h"), ("24h", "Answered within 24 h")))
RESPONSE_MINUTES = Metric("ResponseMinutes", Kind.COUNT, ("Bucket",))
REPLIES = Metric("Replies", Kind.COUNT, ("By",), published=True, shown=Shown(_REPLIES_WIDGET, lines=(
    ("company", "company account"), ("employee", "employee"), ("peer", "peer"),
    ("unofficial_brand", "unofficial brand account"))))
TOPIC_POSTS = Metric("TopicPosts", Kind.COUNT, ("Topic",))  # hashtags are unbounded
DAILY_VOICES = Metric("DailyVoices", Kind.FIRST_SIGHTING, ("Segment",))
DAILY_UNMATCHED_AUTHORS = Metric("DailyUnmatchedAuthors", Kind.FIRST_SIGHTING)
DAILY_TOPIC_AUTHORS = Metric("DailyTopicAuthors", Kind.FIRST_SIGHTING, ("Topic", "Segment"))

# -- kept by customer sync and erasure ----------------------------------------------------------------------
CUSTOMERS = Metric("Customers", Kind.BASE, ("Segment",))

# -- emitted by the contact lookup per call that found a card (EMF), read back by the daily rollup -----------
# (names and windows from call_signals.py, which the lookup imports without this module; one name here each)
CALLER_POSTED_24H, CALLER_POSTED_7D, CALL_WITH_SOCIAL_CONTEXT = (
    Metric(name, Kind.CALL, published=True, derivation=PostedWithin(window))
    for name, window in call_signals.WINDOWS.items())
CALLS_SOURCE = "Calls"  # the day's lookups of any outcome, as the call figures source gives them

# -- derived once a day by the rollup -----------------------------------------------------------------------
MATCH_RATE = Metric("MatchRate", Kind.DAILY, published=True,
                    derivation=Share("MatchedPosts", ("MatchedPosts", "UnmatchedPosts")),
                    shown=Shown("Match rate (daily)", label="matched / all posts"))
UNMATCHED_AUTHORS = Metric("UnmatchedAuthors", Kind.DAILY, derivation=Copy("DailyUnmatchedAuthors"))
SENTIMENT_SHARE = Metric("SentimentShare", Kind.DAILY, ("Sentiment",), published=True,
                         derivation=ShareWithin("PostsBySentiment", of="Sentiment"),
                         shown=Shown(_SENTIMENT_WIDGET, lines=(("negative", "negative"), ("neutral", "neutral"),
                                                               ("positive", "positive"))))
MATCHED_SENTIMENT_SHARE = Metric("MatchedSentimentShare", Kind.DAILY, ("Segment", "Sentiment"),
                                 derivation=ShareWithin("MatchedPostsBySegment", of="Sentiment", within=("Segment",)))
RESPONSE_MEDIAN_MINUTES = Metric("ResponseMedianMinutes", Kind.DAILY, published=True,
                                 derivation=Percentile("ResponseMinutes", "Bucket", 0.5),
                                 shown=Shown(_RESPONSE_WIDGET, label="median"))
RESPONSE_P90_MINUTES = Metric("ResponseP90Minutes", Kind.DAILY, published=True,
                              derivation=Percentile("ResponseMinutes", "Bucket", 0.9),
                              shown=Shown(_RESPONSE_WIDGET, label="p90"))
ANSWERED_WITHIN_1H_SHARE = Metric("AnsweredWithin1hShare", Kind.DAILY, published=True,
                                  derivation=Share("AnsweredWithin|Window=1h", ("InboundPosts",)),
                                  shown=Shown(_ANSWERED_WIDGET, label="within 1 h"))
ANSWERED_WITHIN_24H_SHARE = Metric("AnsweredWithin24hShare", Kind.DAILY, published=True,
                                   derivation=Share("AnsweredWithin|Window=24h", ("InboundPosts",)),
                                   shown=Shown(_ANSWERED_WIDGET, label="within 24 h"))
# The day's calls stay in the stored rollups: the dashboard draws the lookup's own `Lookups` for them.
CALLS = Metric("Calls", Kind.DAILY, derivation=Copy(CALLS_SOURCE))
CALLS_POSTED_24H_SHARE = Metric("CallsPosted24hShare", Kind.DAILY, published=True,
                                derivation=Share("CallerPosted24h", (CALLS_SOURCE,)),
                                label="posted in the 24 h before the call",
                                shown=Shown(_CALLS_WIDGET, label="posted in the 24 h before"))
CALLS_POSTED_7D_SHARE = Metric("CallsPosted7dShare", Kind.DAILY, published=True,
                               derivation=Share("CallerPosted7d", (CALLS_SOURCE,)),
                               label="posted in the 7 days before the call",
                               shown=Shown(_CALLS_WIDGET, label="posted in the 7 days before"))
CALLS_WITH_SOCIAL_CONTEXT_SHARE = Metric("CallsWithSocialContextShare", Kind.DAILY, published=True,
                                         derivation=Share("CallWithSocialContext", (CALLS_SOURCE,)),
                                         label="agent had the social context",
                                         shown=Shown(_CALLS_WIDGET, label="agent had social context"))
VOICE_SHARE = Metric("VoiceShare", Kind.DAILY, ("Segment",), derivation=Computed("representation"))
BASE_SHARE = Metric("BaseShare", Kind.DAILY, ("Segment",), derivation=Computed("representation"))
REPRESENTATION_INDEX = Metric("RepresentationIndex", Kind.DAILY, ("Segment",), published=True,
                              derivation=Computed("representation"),
                              shown=Shown(_REPRESENTATION_WIDGET))
TOPIC_AUTHORS = Metric("TopicAuthors", Kind.DAILY, ("Topic",), derivation=Computed("topics"))
TOPIC_AUTHOR_SHARE = Metric("TopicAuthorShare", Kind.DAILY, ("Topic",), derivation=Computed("topics"))
TOPIC_SKEW = Metric("TopicSkew", Kind.DAILY, ("Topic",), derivation=Computed("topics"))
TOPIC_WARNING = Metric("TopicWarning", Kind.DAILY, ("Topic",), derivation=Computed("topics"))
TOPIC_WARNINGS = Metric("TopicWarnings", Kind.DAILY, published=True, derivation=Computed("topics"),
                        shown=Shown(_TOPICS_WIDGET))

# -- what answering is worth: the cohort of customers who posted on the day (answer_worth.py), daily -----------
# Final once every window has closed (the daily schedule rolls the day before yesterday again for this).
ANSWERED_CUSTOMERS = Metric("AnsweredCustomers", Kind.COHORT, published=False,
                            label="customers whose post got an official answer within 24 h")
ANSWERED_CUSTOMERS_CALLED = Metric(
    "AnsweredCustomersCalled", Kind.COHORT, published=True, samples="AnsweredCustomers",
    label="of them, called within 24 h",
    shown=Shown(_WORTH_WIDGET, stats=(("Average", "answered: share who called"), ("SampleCount", "answered"))))
UNANSWERED_CUSTOMERS = Metric("UnansweredCustomers", Kind.COHORT, published=False,
                              label="customers whose posts got no official answer within 24 h")
UNANSWERED_CUSTOMERS_CALLED = Metric(
    "UnansweredCustomersCalled", Kind.COHORT, published=True, samples="UnansweredCustomers",
    label="of them, called within 24 h",
    shown=Shown(_WORTH_WIDGET, stats=(("Average", "unanswered: share who called"), ("SampleCount", "unanswered"))))
ANSWERED_CALL_SHARE = Metric("AnsweredCallShare", Kind.COHORT, published=False, unit="None")
UNANSWERED_CALL_SHARE = Metric("UnansweredCallShare", Kind.COHORT, published=False, unit="None")
ANSWER_WORTH_OPEN_WINDOWS = Metric("AnswerWorthOpenWindows", Kind.COHORT, published=False,
                                   label="customers whose 24 h had not passed when counted")

# Every family above, in the order declared.
CATALOGUE: tuple[Metric, ...] = tuple(value for value in dict(globals()).values() if isinstance(value, Metric))
BY_NAME: Mapping[str, Metric] = {metric.name: metric for metric in CATALOGUE}


def _names(*kinds: Kind) -> tuple[str, ...]:
    return tuple(metric.name for metric in CATALOGUE if metric.kind in kinds)


# Counts summed over any period by make report (per-topic counts are reported per topic).
ADDITIVE = tuple(metric.name for metric in CATALOGUE if metric.kind is Kind.COUNT and "Topic" not in metric.dimensions)
FIRST_SIGHTINGS = _names(Kind.FIRST_SIGHTING)
DAILY = tuple(metric for metric in CATALOGUE if metric.kind is Kind.DAILY)
UNPUBLISHED = frozenset(metric.name for metric in CATALOGUE if not metric.published)
CALL_SIGNALS = tuple(metric for metric in CATALOGUE if isinstance(metric.derivation, PostedWithin))
CALL_METRICS = tuple(metric.name for metric in CALL_SIGNALS)
CALL_SHARES = tuple(metric for metric in DAILY if isinstance(metric.derivation, Share)
                    and metric.derivation.part in CALL_METRICS)
# Rows of make report's totals: (label, family, {dimension: value}).
REPORT_TOTALS: tuple[tuple[str, str, dict[str, str]], ...] = tuple(
    row for metric in CATALOGUE if metric.kind is Kind.COUNT
    for row in ([(label, metric.name, {metric.dimensions[0]: value}) for value, label in metric.report_lines]
                or ([(metric.label, metric.name, {})] if metric.label else [])))
# Published as statistic sets (Sum = called, SampleCount = customers, Average = the share): {figure: customers}.
STATISTIC_SETS: Mapping[str, str] = {metric.name: metric.samples for metric in CATALOGUE if metric.samples}
COHORT = tuple(metric for metric in CATALOGUE if metric.kind is Kind.COHORT)
UNITS: Mapping[str, StandardUnitType] = {metric.name: metric.unit for metric in CATALOGUE}


@dataclass(frozen=True)
class Emitted:
    """An EMF metric a function writes itself (Powertools adds its `service` dimension), and what reads it."""

    name: str
    function: str
    read_by: str


# Every EMF metric the functions write besides the call signals above; nothing else is a custom metric of theirs.
# Their other counts are in each invocation's log line (docs/metrics.md, "Operational counts").
EMITTED: tuple[Emitted, ...] = (
    Emitted("SignatureFailures", "WebhookFunction", "SignatureFailureAlarm"),
    Emitted("Handshakes", "WebhookFunction", "HandshakeBurstAlarm"),
    Emitted("EntriesSetAside", "WebhookFunction", "the dashboard's webhook widget"),
    Emitted("Lookups", "ContactLookupFunction", "the daily rollup (Calls) and the channel-switching widget"),
    Emitted("LookupErrors", "ContactLookupFunction", "LookupErrorAlarm"),
)
EMITTED_NAMES = frozenset(emitted.name for emitted in EMITTED)


def monthly_metrics(values: Mapping[str, Sequence[str]]) -> list[str]:
    """Every custom metric a month publishes when each dimension takes all of `values[dimension]`: the
    families the rollup publishes (with their published dimensions), the call signals and `EMITTED`."""
    names: list[str] = []
    for metric in CATALOGUE:
        if not metric.published:
            continue
        combinations: list[list[str]] = [[]]
        for dimension in metric.published_dimensions:
            combinations = [[*done, f"{dimension}={value}"] for done in combinations for value in values[dimension]]
        names += ["|".join([metric.name, *parts]) for parts in combinations]
    return names + [emitted.name for emitted in EMITTED]
