"""The bulk import's transactions (adapters/dynamo/customer_import.py): how records are grouped, and how a
refused transaction is read back to the records at fault."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from socialcrm.adapters.dynamo import customer_import
from socialcrm.adapters.dynamo.customer_import import MAX_ACTIONS, DynamoBulkCustomers, actions_of, transaction_groups
from socialcrm.cards import build_card
from socialcrm.customers import parse_customer
from socialcrm.ports import NewRecord


def a_record(n: int, segment: str = "gold", accounts: int = 1) -> NewRecord:
    customer = parse_customer({"customer_id": f"c-{n}", "segment": segment, "phones": [f"07911 {n:06d}"],
                               "social": [{"platform": "facebook", "user_id": str(1000 * n + a)}
                                          for a in range(accounts)]}, "GB")
    return NewRecord(customer, build_card(customer, [], "2026-11-30T12:00:00Z"), (f"CUSTOMER#c-{n}",),
                     (f"PHONE#{customer.phones[0]}",))


def test_groups_keep_the_order_and_never_pass_the_transaction_limit():
    records = [a_record(n, segment=("gold", "silver", "standard")[n % 3], accounts=1 + n % 7) for n in range(200)]
    groups = list(transaction_groups(records))
    assert [record for group in groups for record in group] == records
    for group in groups:
        segments = {record.customer.segment for record in group}
        assert sum(actions_of(record) for record in group) + len(segments) <= MAX_ACTIONS
    assert len(groups) < len(records) / 5  # many records to a transaction


def refused(codes: list[str | None]) -> TransactWriteError:
    reasons = [CancellationReason(code=code) if code else None for code in codes]
    cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}},
                               "TransactWriteItems", cancellation_reasons=reasons)
    return TransactWriteError("Failed to write transaction items", cause)


def test_a_failed_condition_leaves_out_the_record_it_belongs_to_and_a_conflict_is_tried_again(monkeypatch):
    records = [a_record(n) for n in range(3)]  # 5 puts each: the record, 2 identity items, 2 cards
    per_record = actions_of(records[0])
    tried: list[list[str]] = []
    answers = [refused([None] * per_record + [None] * (per_record - 1) + ["ConditionalCheckFailed"]
                       + [None] * per_record + [None]),
               refused([None, "TransactionConflict", None]), None]

    def write(self, group, shard):
        tried.append([record.customer.customer_id for record in group])
        answer = answers.pop(0)
        if answer is not None:
            raise answer

    monkeypatch.setattr(DynamoBulkCustomers, "_write", write)
    monkeypatch.setattr(customer_import, "CONFLICT_PAUSE_SECONDS", 0)
    store = DynamoBulkCustomers(table_name="c", metrics_table_name="m", cards_table_name="k")
    assert store.create(records) == frozenset({"c-1"})  # the last put of c-1: its phone card was taken
    assert tried == [["c-0", "c-1", "c-2"], ["c-0", "c-2"], ["c-0", "c-2"]]


def test_another_failure_is_raised_and_a_record_too_big_for_a_transaction_is_left_out(monkeypatch):
    def write(self, group, shard):
        raise refused(["ValidationError"])

    monkeypatch.setattr(DynamoBulkCustomers, "_write", write)
    store = DynamoBulkCustomers(table_name="c", metrics_table_name="m", cards_table_name="k")
    with pytest.raises(TransactWriteError):
        store.create([a_record(1)])
    many_keys = parse_customer({"customer_id": "big", "social": [{"platform": "x", "user_id": str(n),
                                                                    "handle": f"@h{n}"} for n in range(50)]}, "GB")
    big = NewRecord(many_keys, build_card(many_keys, [], "2026-11-30T12:00:00Z"), ("CUSTOMER#big",), ())
    assert actions_of(big) + 1 > MAX_ACTIONS
    assert store.create([big]) == frozenset({"big"})  # never sent: the per-record sync writes it
