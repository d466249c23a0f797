import pytest

from socialcrm.errors import BadRequest
from socialcrm.rollup import hour_to_roll, roll_up, split_counter_name
from tests.fakes import FakePosts, FakePublisher

HOUR = "2026-11-20T10:00:00Z"


def counters_with(values):
    store = FakePosts()
    for shard, (name, value) in enumerate(values):
        store.counters[(HOUR, name, shard % 8)] += value
    return store


def test_scheduled_event_rolls_the_previous_hour_and_backfill_names_its_hour():
    assert hour_to_roll({"time": "2026-11-20T11:05:00Z"}) == HOUR
    assert hour_to_roll({"hour": "2026-11-20T10:00:00Z"}) == HOUR
    with pytest.raises(BadRequest):
        hour_to_roll({"detail": {}})


def test_shards_are_summed_and_published_once():
    store = counters_with([("Posts|Platform=facebook|Kind=post", 2), ("Posts|Platform=facebook|Kind=post", 3),
                           ("ActionablePosts", 1)])
    publisher = FakePublisher()
    first = roll_up(HOUR, store, publisher)
    assert first.figures == {"ActionablePosts": 1.0, "Posts|Platform=facebook|Kind=post": 5.0}
    again = roll_up(HOUR, store, publisher)
    assert again.figures == first.figures
    assert len(publisher.calls) == 1  # the re-run publishes nothing new
    # CloudWatch gets what the dashboard reads: posts by platform; ActionablePosts stays in the stored rollup
    assert publisher.calls[0] == (HOUR, {"Posts|Platform=facebook": 5.0})


def test_late_counts_publish_only_the_difference():
    store = counters_with([("Posts|Platform=x|Kind=post", 1)])
    publisher = FakePublisher()
    roll_up(HOUR, store, publisher)
    store.counters[(HOUR, "Posts|Platform=x|Kind=post", 3)] += 2
    result = roll_up(HOUR, store, publisher)
    assert result.figures == {"Posts|Platform=x|Kind=post": 3.0}
    assert publisher.calls[-1] == (HOUR, {"Posts|Platform=x": 2.0})


def test_kinds_are_summed_into_one_metric_per_platform_and_a_late_kind_sends_its_difference():
    store = counters_with([("Posts|Platform=x|Kind=post", 2), ("Posts|Platform=x|Kind=comment", 3),
                           ("Posts|Platform=facebook|Kind=comment", 1), ("Replies|By=peer", 1)])
    publisher = FakePublisher()
    first = roll_up(HOUR, store, publisher)
    assert first.published == {"Posts|Platform=x": 5.0, "Posts|Platform=facebook": 1.0, "Replies|By=peer": 1.0}
    store.counters[(HOUR, "Posts|Platform=x|Kind=mention", 0)] += 4
    assert roll_up(HOUR, store, publisher).published == {"Posts|Platform=x": 4.0}


def test_counter_names_carry_dimensions():
    assert split_counter_name("Posts|Platform=x|Kind=post") == ("Posts", [("Platform", "x"), ("Kind", "post")])
    assert split_counter_name("ActionablePosts") == ("ActionablePosts", [])
