"""make cost's arithmetic (infra/cost_units.py), on small items whose sizes and units are worked out by hand."""

from __future__ import annotations

import pytest

from infra.cost_units import (
    Index,
    index_write_units,
    item_size,
    item_write_units,
    number_size,
    read_units,
    sqs_requests,
    storage_bytes,
    write_units,
)

TABLE_KEYS = ("pk",)
BY_AUTHOR = Index("by-author", ("author_key", "created_at"), "KEYS_ONLY")
BY_CUSTOMER = Index("by-customer", ("customer_id", "created_at"), "ALL")
WITH_TEXT = Index("with-text", ("customer_id",), "INCLUDE", ("text",))


def test_sizes_are_names_plus_values_as_dynamodb_counts_them():
    assert item_size({"pk": {"S": "abc"}}) == 2 + 3
    assert item_size({"pk": {"S": "é"}}) == 2 + 2  # UTF-8 bytes, not characters
    assert number_size("12345") == 3 + 1  # ceil(5 digits / 2) + 1
    assert number_size("-0.00100") == 1 + 1  # one significant digit
    assert number_size("1700000000") == 1 + 1  # trailing zeroes trimmed
    assert item_size({"n": {"N": "12345"}}) == 1 + 4
    assert item_size({"b": {"BOOL": True}, "z": {"NULL": True}}) == 2 + 2
    assert item_size({"m": {"M": {"a": {"S": "xy"}}}}) == 1 + (3 + 1 + 1 + 2)
    assert item_size({"l": {"L": [{"N": "1"}, {"BOOL": False}]}}) == 1 + 3 + (1 + 2) + (1 + 1)
    assert item_size({"s": {"SS": ["ab", "c"]}}) == 1 + 3
    assert item_size({"b": {"B": "AAEC"}}) == 1 + 3  # base64 of three bytes
    assert item_size(None) == 0


def test_write_units_round_each_started_kilobyte_up_and_transactions_double_them():
    assert [write_units(size) for size in (0, 1, 1024, 1025, 2048, 2049)] == [1, 1, 1, 2, 2, 3]
    item = {"pk": {"S": "x" * 1498}}  # 1,500 bytes
    assert item_write_units(None, item) == 2
    assert item_write_units(None, item, transactional=True) == 4
    small = {"pk": {"S": "x" * 98}}  # 100 bytes: the larger of before and after counts
    assert item_write_units(item, small) == 2
    assert item_write_units(item, None) == 2  # a delete: the item before
    assert item_write_units(None, None) == 1  # a delete of nothing, or a refused condition: at least 1
    assert item_write_units(None, None, requested=item) == 2  # a refused put: the item it would have written


def test_read_units_are_4_kb_blocks_halved_when_eventually_consistent():
    assert read_units(4096, consistent=True) == 1.0
    assert read_units(4097, consistent=True) == 2.0
    assert read_units(4097, consistent=False) == 1.0
    assert read_units(0, consistent=False) == 0.5  # an item that is not there still costs one block
    assert read_units(3 * 4096, consistent=False) == 1.5


def post(**attributes: str) -> dict:
    return {"pk": {"S": "facebook#1"}, **{name: {"S": value} for name, value in attributes.items()}}


def test_an_index_costs_its_own_units_only_when_its_entry_changes():
    new = post(author_key="id:facebook:6", created_at="2026-11-30T10:00:00Z", text="hello", status="stored")
    # a new entry: pk (2+10) + author_key (10+13) + created_at (10+20) = 65 bytes, 1 WRU
    assert index_write_units(BY_AUTHOR, TABLE_KEYS, None, new) == 1
    # the post's status changes: not projected by a KEYS_ONLY index
    done = {**new, "status": {"S": "done"}}
    assert index_write_units(BY_AUTHOR, TABLE_KEYS, new, done) == 0
    # an item without the index's key attribute is not in the index
    assert index_write_units(BY_CUSTOMER, TABLE_KEYS, new, done) == 0
    # the index key changes: the old entry removed and the new one put, 2 writes
    moved = {**new, "author_key": {"S": "id:facebook:7"}}
    assert index_write_units(BY_AUTHOR, TABLE_KEYS, new, moved) == 2
    # the entry removed: 1 write
    assert index_write_units(BY_AUTHOR, TABLE_KEYS, new, post(text="hello")) == 1


def test_an_index_projecting_all_pays_for_the_whole_item_on_every_change():
    linked = post(customer_id="c1", created_at="2026-11-30T10:00:00Z", text="x" * 1500, status="stored")
    done = {**linked, "status": {"S": "done"}}
    assert item_size(done) > 1024
    assert index_write_units(BY_CUSTOMER, TABLE_KEYS, linked, done) == write_units(item_size(done)) == 2
    # an INCLUDE index carries the keys and its included attributes only: status is not one
    assert index_write_units(WITH_TEXT, TABLE_KEYS, linked, done) == 0
    assert WITH_TEXT.entry(done, TABLE_KEYS) == {k: v for k, v in done.items() if k in ("pk", "customer_id", "text")}


def test_storage_adds_100_bytes_per_item_and_per_index_entry():
    item = post(customer_id="c1", created_at="t")
    entry = item_size(item)  # projects all
    assert storage_bytes(item, (BY_AUTHOR, BY_CUSTOMER), TABLE_KEYS) == item_size(item) + 100 + entry + 100


@pytest.mark.parametrize(("payload", "requests"), [(0, 1), (1, 1), (65536, 1), (65537, 2), (262144, 4)])
def test_sqs_bills_each_started_64_kb_chunk_as_a_request(payload, requests):
    assert sqs_requests(payload) == requests
