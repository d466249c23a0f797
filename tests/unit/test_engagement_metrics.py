"""Roles, topics, response buckets and the daily figures, on fakes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from socialcrm.engagement import Registry, percentile, response_bucket, total_variation
from socialcrm.errors import BadRequest, ConfigurationError
from socialcrm.metric_catalogue import DAILY
from socialcrm.model import Author
from socialcrm.processing import process_post
from socialcrm.rollup import daily_figures, period_to_roll, roll_up, roll_up_day, split_counter_name
from tests.fakes import FakePublisher
from tests.unit.test_processing import a_post

REGISTRY = Registry.from_settings("facebook:900,x:@acme", "facebook:700", "Acme", "refund, late delivery")


class Calls:
    def __init__(self, **figures):
        self.figures = figures

    def read_day(self, day):
        return dict(self.figures)


def test_roles_come_from_the_registry_and_brand_names():
    assert REGISTRY.role_of(Author("facebook", "900")) == "company"
    assert REGISTRY.role_of(Author("x", "123", "@ACME")) == "company"
    assert REGISTRY.role_of(Author("facebook", "700", None, "Jo")) == "employee"
    assert REGISTRY.role_of(Author("facebook", "555", None, "Àcme Help Desk")) == "unofficial_brand"
    assert REGISTRY.role_of(Author("x", "557", "acme_help", "Help")) == "unofficial_brand"
    assert REGISTRY.role_of(Author("facebook", "556", None, "Ada Lovelace")) == "public"
    assert REGISTRY.role_of(Author("facebook", "558", None, "Jo Acmerson")) == "public"
    with pytest.raises(ConfigurationError, match="OFFICIAL_ACCOUNTS"):
        Registry.from_settings("facebook 900", "", "", "")


def test_topics_are_hashtags_and_whole_word_keywords():
    assert REGISTRY.topics_of("My #Refund and #refund again, a LATE delivery #x #a1 #b2 #c3") == \
        ["#refund", "#a1", "#b2", "refund", "late delivery"]
    assert REGISTRY.topics_of("refunded") == []


def test_response_buckets_and_nearest_rank_percentiles():
    assert [response_bucket(m) for m in (0, 1, 59.5, 61, 170, 1320, 99999)] == [1, 1, 60, 65, 170, 1320, 10081]
    assert percentile({30: 1, 170: 1, 1320: 1}, 0.5) == 170
    assert percentile({30: 1, 170: 1, 1320: 1}, 0.9) == 1320
    assert percentile({10: 2, 20: 2}, 0.5) == 10
    assert percentile({}, 0.5) is None
    assert total_variation({"gold": 1.0}, {"gold": 0.2, "bronze": 0.8}) == 0.8


def test_the_companys_replies_answer_a_post_once_and_are_never_matched(world):
    deps, _ = world
    deps.registry = REGISTRY
    process_post(a_post("q1", created="2026-11-20T09:00:00Z"), deps)  # Ada, facebook 1001
    reply = a_post("r1", user_id="900", created="2026-11-20T09:45:00Z", text="Sorry to hear that")
    reply = reply.__class__(**{**reply.__dict__, "reply_to": "q1"})
    process_post(reply, deps)
    second = reply.__class__(**{**reply.__dict__, "post_id": "r2", "created_at": "2026-11-20T09:50:00Z"})
    process_post(second, deps)
    hour = deps.posts.read_hour("2026-11-20T09:00:00Z")
    assert (hour["AnsweredPosts"], hour["ResponseMinutes|Bucket=45"], hour["AnsweredWithin|Window=1h"]) == (1, 1, 1)
    assert hour["Replies|By=company"] == 2 and hour["InboundPosts"] == 1
    assert deps.posts.items["facebook#r1"].customer_id is None
    assert hour["MatchedPosts|Platform=facebook"] == 1  # the company's replies are not voices


def test_daily_figures_use_every_formula_and_only_known_names():
    totals = {"MatchedPosts|Platform=facebook": 3, "UnmatchedPosts|Platform=x": 1, "DailyUnmatchedAuthors": 1,
              "PostsBySentiment|Sentiment=negative": 3, "PostsBySentiment|Sentiment=neutral": 1,
              "MatchedPostsBySegment|Segment=gold|Sentiment=negative": 3, "InboundPosts": 4,
              "AnsweredWithin|Window=1h": 1, "AnsweredWithin|Window=24h": 2, "ResponseMinutes|Bucket=30": 1,
              "ResponseMinutes|Bucket=300": 1, "DailyVoices|Segment=gold": 1, "TopicPosts|Topic=#x": 12,
              "DailyTopicAuthors|Topic=#x|Segment=gold": 1, "DailyTopicAuthors|Topic=#x|Segment=unmatched": 1}
    base = {"Customers|Segment=gold": 1, "Customers|Segment=none": 3}
    figures = daily_figures(totals, base, {"Calls": 4, "CallerPosted24h": 1, "CallerPosted7d": 2,
                                           "CallWithSocialContext": 3})
    assert (figures["MatchRate"], figures["UnmatchedAuthors"]) == (0.75, 1)
    assert (figures["ResponseMedianMinutes"], figures["ResponseP90Minutes"]) == (30, 300)
    assert (figures["AnsweredWithin1hShare"], figures["AnsweredWithin24hShare"]) == (0.25, 0.5)
    assert (figures["CallsPosted24hShare"], figures["CallsPosted7dShare"], figures["CallsWithSocialContextShare"]) \
        == (0.25, 0.5, 0.75)
    assert (figures["VoiceShare|Segment=gold"], figures["BaseShare|Segment=gold"]) == (1.0, 0.25)
    assert figures["RepresentationIndex|Segment=gold"] == 4.0
    assert figures["RepresentationIndex|Segment=none"] == 0.0  # a silent segment
    assert (figures["TopicAuthors|Topic=#x"], figures["TopicSkew|Topic=#x"], figures["TopicWarning|Topic=#x"]) == \
        (2, 0.75, 1)
    derived = {split_counter_name(name)[0] for name in figures if name not in totals}
    assert derived <= {metric.name for metric in DAILY}


def test_daily_rollup_publishes_derived_figures_once_and_never_per_topic():
    from tests.fakes import FakePosts

    store = FakePosts()
    for hour, name, value in [("2026-11-20T09:00:00Z", "MatchedPosts|Platform=facebook", 2),
                              ("2026-11-20T23:00:00Z", "UnmatchedPosts|Platform=facebook", 2),
                              ("2026-11-21T00:00:00Z", "MatchedPosts|Platform=facebook", 50),
                              ("2026-11-20T10:00:00Z", "TopicPosts|Topic=#x", 1)]:
        store.counters[(hour, name, 0)] += value
    publisher = FakePublisher()
    first = roll_up_day("2026-11-20", store, Calls(Calls=0), publisher)
    assert first.figures["MatchRate"] == 0.5  # the next day's posts are not in it
    assert "MatchRate" in first.published and not any(n.startswith("Topic") and "|" in n for n in first.published)
    assert first.published["TopicWarnings"] == 0  # the dashboard's topic widget reads it
    assert "MatchedPosts|Platform=facebook" not in first.published  # sums go out hourly
    assert store.rollups["2026-11-20T09:00:00Z"] == {"MatchedPosts|Platform=facebook": 2.0}  # a missed hour
    again = roll_up_day("2026-11-20", store, Calls(Calls=0), publisher)
    assert (again.figures, again.published, again.requests) == (first.figures, {}, 0)
    hourly = roll_up("2026-11-20T10:00:00Z", store, publisher)
    assert hourly.figures == {"TopicPosts|Topic=#x": 1.0} and hourly.published == {}


def test_the_rollup_period_comes_from_the_event():
    now = datetime(2026, 11, 21, 0, 20, tzinfo=UTC)
    assert period_to_roll({"period": "day"}, now) == ("day", "2026-11-20")
    assert period_to_roll({"day": "2026-11-02"}, now) == ("day", "2026-11-02")
    assert period_to_roll({"time": "2026-11-21T00:05:00Z"}, now) == ("hour", "2026-11-20T23:00:00Z")
    for bad in ("2026-13-01", "yesterday", 7):
        with pytest.raises(BadRequest):
            period_to_roll({"day": bad}, now)
