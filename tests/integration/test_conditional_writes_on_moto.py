"""The conditional writes that make retries safe (DynamoDB adapters on moto): one contact-centre task per window, a
push delivered once, a customer counted once in their segment, links and erasure markers."""

from __future__ import annotations

import hashlib
import hmac
import os

import pytest

from socialcrm.adapters.dynamo import (
    DynamoCounterStore,
    DynamoCustomerDirectory,
    DynamoDeliveryLog,
    DynamoTaskWindow,
    DynamoTombstones,
)
from socialcrm.customers import parse_customer

HOUR = "2026-11-20T09"
NOW = 1_795_338_000


# A post stored and counted once, a first answer counted once and a voice counted once a day are the write path's
# guarantees now (one conditional PutItem per post, counts and sightings per batch): they are shown on moto by
# tests/integration/test_write_path_on_moto.py and tests/integration/test_cost_budget_on_moto.py.


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
    asked = [("push-a", "https"), ("push-a", "connect-tasks"), ("push-b", "https")]
    assert log.delivered_among(asked) == frozenset()
    assert log.record([("push-a", "https")]) == frozenset()  # nothing left unrecorded
    assert log.delivered_among(asked) == {("push-a", "https")}  # each connector is recorded on its own
    clock[0] = NOW + 599
    assert log.delivered_among(asked) == {("push-a", "https")}
    clock[0] = NOW + 600
    assert log.delivered_among(asked) == frozenset()


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


@pytest.mark.parametrize("details", [None, "{}"])
def test_a_tombstone_kept_without_its_day_still_says_the_customer_was_erased(aws, details):
    aws.use("ErasureFunction")
    table, key = os.environ["CUSTOMERS_TABLE"], b"k" * 32
    digest = hmac.new(key, b"customer:c-1", hashlib.sha256).hexdigest()
    item = {"pk": {"S": f"TOMBSTONE#{digest}"}, "sk": {"S": "TOMBSTONE"}, "customer_id": {"S": ""}}
    aws.put_items(table, [item if details is None else {**item, "details": {"S": details}}])
    assert DynamoTombstones(table_name=table, key=key).erased_on("c-1") == "an earlier day"
