"""The conditional writes that make retries safe (DynamoDB adapters on moto): a post stored and counted once, a first
answer counted once, a voice counted once a day, one contact-centre task per window, a push delivered once."""

from __future__ import annotations

import hashlib
import os

import pytest

from socialcrm.adapters.dynamo import (
    DynamoCounterStore,
    DynamoCustomerDirectory,
    DynamoDeliveryLog,
    DynamoLedger,
    DynamoPostRepository,
    DynamoTaskWindow,
    DynamoTombstones,
)
from socialcrm.customers import parse_customer
from socialcrm.model import AnalyzedPost, Author, CanonicalPost, PostKey

HOUR = "2026-11-20T09"
NOW = 1_795_338_000


def a_post(post_id: str = "p1") -> AnalyzedPost:
    post = CanonicalPost("facebook", post_id, "comment", Author("facebook", "1001", None, "Ada"), "It broke",
                         "2026-11-20T09:00:00Z")
    return AnalyzedPost(post, "negative", -0.5)


def counted(aws, hour: str = HOUR) -> dict[str, int]:
    aws.use("MetricsRollupFunction")
    return DynamoCounterStore(table_name=os.environ["METRICS_TABLE"]).read_hour(hour)


@pytest.fixture
def posts(aws):
    aws.use("ProcessorFunction")
    return DynamoPostRepository(table_name=os.environ["POSTS_TABLE"], metrics_table_name=os.environ["METRICS_TABLE"])


def test_a_post_delivered_twice_is_stored_and_counted_once(aws, posts):
    assert posts.store_new(a_post(), {"posts": 1}, HOUR, 3) is True
    assert posts.store_new(a_post(), {"posts": 1}, HOUR, 5) is False
    assert posts.store_new(a_post("p2"), {"posts": 1}, HOUR, 5) is True
    assert posts.get_state(PostKey("facebook", "p1")).text == "It broke"
    assert counted(aws) == {"posts": 2}


def test_the_first_official_answer_is_counted_once_and_an_answer_to_an_unknown_post_not_at_all(aws, posts):
    posts.store_new(a_post(), {}, HOUR, 0)
    key = PostKey("facebook", "p1")
    assert posts.mark_answered(key, "2026-11-20T09:05:00Z", {"answered": 1}, HOUR, 1) is True
    assert posts.mark_answered(key, "2026-11-20T09:30:00Z", {"answered": 1}, HOUR, 1) is False
    assert posts.mark_answered(PostKey("facebook", "nope"), "2026-11-20T09:30:00Z", {"answered": 1}, HOUR, 1) is False
    assert counted(aws) == {"answered": 1}


def test_a_voice_is_counted_once_a_day_however_often_it_is_seen(aws):
    aws.use("ProcessorFunction")
    ledger = DynamoLedger(table_name=os.environ["METRICS_TABLE"])
    voice_a, voice_b, voice_c = (hashlib.sha256(name).hexdigest() for name in (b"a", b"b", b"c"))  # hashed
    markers = [(voice_a, "distinct_voices"), (voice_b, "distinct_voices")]
    assert ledger.count_first(markers, HOUR, 0, NOW + 86400) == 2
    assert ledger.count_first([(voice_a, "distinct_voices"), (voice_c, "distinct_voices")], "2026-11-20T10", 1,
                              NOW + 86400) == 1
    assert ledger.count_first(markers, "2026-11-21T09", 0, NOW + 2 * 86400) == 2  # a new day
    assert counted(aws) == {"distinct_voices": 2}
    assert counted(aws, "2026-11-20T10") == {"distinct_voices": 1}


def test_one_task_per_customer_until_its_window_has_passed_not_at_its_last_second(aws):
    aws.use("ContactPushFunction")
    window = DynamoTaskWindow(table_name=os.environ["CONTACT_STATE_TABLE"])
    assert window.claim("cust-1", "push-a", NOW + 3600, NOW)
    assert not window.claim("cust-1", "push-b", NOW + 7200, NOW + 3600)
    assert window.claim("cust-1", "push-a", NOW + 3600, NOW + 3600)  # the same push, retried
    assert window.claim("cust-1", "push-b", NOW + 7201, NOW + 3601)


def test_a_push_is_recorded_as_delivered_for_as_long_as_the_queue_keeps_it(aws):
    aws.use("ContactPushFunction")
    clock = [float(NOW)]
    log = DynamoDeliveryLog(table_name=os.environ["CONTACT_STATE_TABLE"], keep_seconds=600, clock=lambda: clock[0])
    assert not log.delivered("push-a", "https")
    assert log.record("push-a", "https") is True
    assert log.delivered("push-a", "https")
    assert not log.delivered("push-a", "connect-tasks")  # each connector is recorded on its own
    assert not log.delivered("push-b", "https")
    clock[0] = NOW + 599
    assert log.delivered("push-a", "https")
    clock[0] = NOW + 600
    assert not log.delivered("push-a", "https")


@pytest.fixture
def directory(aws):
    aws.use("CustomerSyncFunction")
    return DynamoCustomerDirectory(table_name=os.environ["CUSTOMERS_TABLE"],
                                   metrics_table_name=os.environ["METRICS_TABLE"])


def base(aws) -> dict[str, int]:
    aws.use("MetricsRollupFunction")
    return DynamoCounterStore(table_name=os.environ["METRICS_TABLE"]).read_base()


def test_a_customer_is_counted_once_in_their_segment_however_often_synced_and_moves_when_it_changes(aws, directory):
    ada = parse_customer({"customer_id": "c-1", "name": "Ada Lovelace", "segment": "gold"}, "GB")
    directory.upsert(ada)
    directory.upsert(ada)
    assert base(aws) == {"Customers|Segment=gold": 1}
    aws.use("CustomerSyncFunction")
    directory.upsert(parse_customer({"customer_id": "c-1", "name": "Ada Lovelace", "segment": "silver"}, "GB"))
    assert base(aws) == {"Customers|Segment=silver": 1}


def test_a_link_to_a_customer_who_does_not_exist_is_never_written(directory):
    directory.add_link("id:x:1", "c-404", "confirmed")
    assert directory.identity_links("id:x:1") == []
    directory.upsert(parse_customer({"customer_id": "c-1", "name": "Ada Lovelace"}, "GB"))
    directory.add_link("id:x:1", "c-1", "confirmed")
    assert [(link.customer_id, link.source) for link in directory.identity_links("id:x:1")] == [("c-1", "confirmed")]


def test_an_erasure_marker_holds_until_its_end_and_not_from_that_second(directory):
    assert directory.erased([], NOW) is False
    directory.mark_erased(["customer:c-1", "id:x:1"], NOW + 100)
    assert directory.erased(["id:x:1"], NOW + 99) is True
    assert directory.erased(["id:x:2", "customer:c-1"], NOW) is True
    assert directory.erased(["id:x:1"], NOW + 100) is False
    assert directory.erased(["id:x:2"], NOW) is False


def test_a_tombstone_tells_the_day_of_the_erasure_and_nothing_for_others(aws):
    aws.use("ErasureFunction")
    table = os.environ["CUSTOMERS_TABLE"]
    tombstones = DynamoTombstones(table_name=table, key=b"k" * 32)
    tombstones.bury("c-1", "2026-11-20")
    assert tombstones.erased_on("c-1") == "2026-11-20"
    assert tombstones.erased_on("c-2") is None
    assert DynamoTombstones(table_name=table, key=b"j" * 32).erased_on("c-1") is None  # keyed: another key, no hit
