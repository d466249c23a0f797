"""The metric catalogue declares each family once; counters, daily figures and call signals follow it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialcrm import call_signals
from socialcrm import metric_catalogue as catalogue
from socialcrm.lookup import channel_signals
from socialcrm.metric_catalogue import Computed, Copy, Kind, Metric, Percentile, PostedWithin, Share, ShareWithin
from socialcrm.rollup import COMPUTED, daily_figures, published, split_counter_name

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SOURCES = {metric.name for metric in catalogue.CATALOGUE if metric.kind is not Kind.DAILY} | {catalogue.CALLS_SOURCE}


def test_names_take_exactly_the_declared_dimensions_in_their_order():
    assert catalogue.POSTS.counter(Kind="comment", Platform="x") == "Posts|Platform=x|Kind=comment"
    assert catalogue.ACTIONABLE_POSTS.counter() == "ActionablePosts"
    with pytest.raises(ValueError, match="Platform"):
        catalogue.POSTS.counter(Platform="x")
    with pytest.raises(ValueError, match="Reactions"):
        catalogue.REACTIONS.counter(Platform="x", Kind="post")


def test_every_derivation_reads_a_declared_source():
    for metric in catalogue.CATALOGUE:
        rule = metric.derivation
        if isinstance(rule, Copy):
            assert split_counter_name(rule.source)[0] in SOURCES, metric.name
        elif isinstance(rule, Share):
            assert {split_counter_name(name)[0] for name in (rule.part, *rule.whole)} <= SOURCES, metric.name
        elif isinstance(rule, ShareWithin | Percentile):
            source = catalogue.BY_NAME[rule.source]
            wanted = {rule.of, *rule.within} if isinstance(rule, ShareWithin) else {rule.dimension}
            assert wanted <= set(source.dimensions), metric.name
        elif isinstance(rule, Computed):
            assert rule.group in COMPUTED, metric.name
        elif isinstance(rule, PostedWithin):
            assert metric.kind is Kind.CALL, metric.name
        else:
            assert metric.kind is not Kind.DAILY, f"{metric.name}: a daily figure needs a derivation"


def test_unpublished_families_are_kept_out_of_cloudwatch_and_the_others_go():
    assert not published("TopicSkew|Topic=#x") and not published("DailyVoices|Segment=gold")
    assert published("MatchRate") and published("Posts|Platform=x|Kind=post")
    assert set(catalogue.UNPUBLISHED) == {m.name for m in catalogue.CATALOGUE if not m.published}


def test_a_daily_family_declared_in_the_catalogue_alone_is_derived_by_the_rollup(monkeypatch):
    held_share = Metric("HeldShare", Kind.DAILY, derivation=Share("HeldForReview", ("MatchedPosts", "UnmatchedPosts")))
    monkeypatch.setattr(catalogue, "DAILY", (*catalogue.DAILY, held_share))
    figures = daily_figures({"HeldForReview|Platform=x": 1, "MatchedPosts|Platform=x": 3,
                             "UnmatchedPosts|Platform=x": 1}, {}, {})
    assert figures["HeldShare"] == 0.25 and figures["MatchRate"] == 0.75


def test_a_call_signal_declared_in_call_signals_alone_is_emitted_by_the_lookup(monkeypatch):
    monkeypatch.setitem(call_signals.WINDOWS, "CallerPosted1h", timedelta(hours=1))
    recent = {"found": "true", "last_post_at": "2026-11-20T11:30:00Z"}
    older = {"found": "true", "last_post_at": "2026-11-19T20:00:00Z"}
    assert channel_signals(recent, NOW) == {"CallerPosted24h": 1, "CallerPosted7d": 1, "CallWithSocialContext": 1,
                                            "CallerPosted1h": 1}
    assert channel_signals(older, NOW) == {"CallerPosted24h": 1, "CallerPosted7d": 1, "CallWithSocialContext": 1,
                                           "CallerPosted1h": 0}
    assert set(channel_signals({"found": "false"}, NOW).values()) == {0}


def test_the_catalogue_has_one_published_call_family_per_call_signal_with_its_window():
    families = {metric.name: metric for metric in catalogue.CALL_SIGNALS}
    assert set(families) == set(call_signals.WINDOWS)
    for name, window in call_signals.WINDOWS.items():
        assert families[name].published and families[name].derivation == PostedWithin(window)
