"""The bulk import's writes (socialcrm.customer_import): new customer records many to a TransactWriteItems.

One transaction holds, for each of up to about ten records, the record (on condition that none exists), its
identity items, its cards (phone and email keys on condition that no card is stored there) and, for the whole
transaction, one ADD per segment to the customer base: a record is written with everything it needs or not at
all, and a retried transaction (same token) or a resumed import never counts a customer twice.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Iterator, Sequence

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from socialcrm.adapters.dynamo import keys
from socialcrm.adapters.dynamo.cards import CardItem
from socialcrm.adapters.dynamo.customers import CustomerItem, IdentityItem, _customer_from
from socialcrm.adapters.dynamo.metrics import CounterItem
from socialcrm.adapters.dynamo.tables import bind, connection
from socialcrm.model import Customer, segment_label
from socialcrm.ports import NewRecord

MAX_ACTIONS = 100  # TransactWriteItems: at most 100 items per transaction
CONFLICT_TRIES = 5  # another transaction on the same item at the same moment: tried again, then left out
CONFLICT_PAUSE_SECONDS = 0.05


def actions_of(record: NewRecord) -> int:
    """Items the record adds to a transaction (its count in the base is shared with the others)."""
    return 1 + len(record.customer.identity_keys) + len(record.card_keys) + len(record.claimed_keys)


def transaction_groups(new: Sequence[NewRecord]) -> Iterator[list[NewRecord]]:
    """Records in order, as many to a group as fit in one transaction with one base counter per segment."""
    group: list[NewRecord] = []
    used, segments = 0, set[str]()
    for record in new:
        segment = segment_label(record.customer.segment)
        needed = actions_of(record) + (segment not in segments)
        if group and used + needed > MAX_ACTIONS:
            yield group
            group, used, segments = [], 0, set()
            needed = actions_of(record) + 1
        group.append(record)
        used += needed
        segments.add(segment)
    if group:
        yield group


class DynamoBulkCustomers:
    def __init__(self, *, table_name: str, metrics_table_name: str, cards_table_name: str) -> None:
        self.table_name = table_name
        self.metrics_table_name = metrics_table_name
        self.cards_table_name = cards_table_name

    def records(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        wanted = [(keys.customer_partition(customer_id), keys.PROFILE) for customer_id in dict.fromkeys(customer_ids)]
        found = bind(CustomerItem, self.table_name).batch_get(wanted, consistent_read=True)
        return {item.customer_id: _customer_from(item) for item in found}

    def create(self, new: Sequence[NewRecord]) -> frozenset[str]:
        refused = {record.customer.customer_id for record in new if actions_of(record) + 1 > MAX_ACTIONS}
        for group in transaction_groups([record for record in new if record.customer.customer_id not in refused]):
            refused |= self._create_group(group)
        return frozenset(refused)

    def _create_group(self, group: list[NewRecord]) -> set[str]:
        refused: set[str] = set()
        for attempt in range(CONFLICT_TRIES):
            owners = self._owners(group)
            try:
                self._write(group, shard=random.randrange(keys.BASE_SHARDS))  # noqa: S311 (spreads load only)
                return refused
            except TransactWriteError as error:
                if error.cause_response_code != "TransactionCanceledException":
                    raise
                codes = [reason.code if reason is not None else None for reason in error.cancellation_reasons]
                failed = {owners[n] for n, code in enumerate(codes) if code == "ConditionalCheckFailed"
                          and n < len(owners)}
                if not failed and "TransactionConflict" not in codes:
                    raise
                refused |= failed
                group = [record for record in group if record.customer.customer_id not in failed]
                if not group:
                    return refused
                if not failed:  # a conflict with another transaction: a moment later, on another shard
                    time.sleep(CONFLICT_PAUSE_SECONDS * (attempt + 1) * (1 + random.random()))  # noqa: S311
        return refused | {record.customer.customer_id for record in group}

    @staticmethod
    def _owners(group: list[NewRecord]) -> list[str]:
        """The customer id of each put, in the order the transaction lists them (puts before updates)."""
        return [record.customer.customer_id for record in group for _ in range(actions_of(record))]

    def _write(self, group: list[NewRecord], shard: int) -> None:
        customer_item, identity_item = bind(CustomerItem, self.table_name), bind(IdentityItem, self.table_name)
        card_item, counter_item = bind(CardItem, self.cards_table_name), bind(CounterItem, self.metrics_table_name)
        counts: dict[str, int] = {}
        with TransactWrite(connection=connection(), client_request_token=str(uuid.uuid4())) as transaction:
            for record in group:  # exactly actions_of(record) puts each, in this order (see _owners)
                customer = record.customer
                segment = segment_label(customer.segment)
                counts[segment] = counts.get(segment, 0) + 1
                transaction.save(customer_item(
                    keys.customer_partition(customer.customer_id), keys.PROFILE,
                    customer_id=customer.customer_id, name=customer.name, phones=list(customer.phones),
                    emails=list(customer.emails), social=json.dumps([vars(s) for s in customer.social]),
                    segment=customer.segment, country=customer.country, city=customer.city,
                    identity_keys=sorted(customer.identity_keys), counted_segment=segment,
                    phones_confirmed=json.dumps(customer.phones_confirmed) if customer.phones_confirmed else None,
                ), condition=customer_item.pk.does_not_exist())
                for key in customer.identity_keys:
                    transaction.save(identity_item(keys.identity_partition(key), keys.record_link(customer.customer_id),
                                                   customer_id=customer.customer_id))
                body = json.dumps(record.card, ensure_ascii=False, separators=(",", ":"))
                for key in record.card_keys:
                    transaction.save(card_item(key, customer_id=customer.customer_id, card=body,
                                               updated_at=record.card["updated_at"]))
                for key in record.claimed_keys:
                    transaction.save(card_item(key, customer_id=customer.customer_id, card=body,
                                               updated_at=record.card["updated_at"]),
                                     condition=card_item.pk.does_not_exist())
            for segment, count in sorted(counts.items()):
                transaction.update(counter_item(keys.BASE_PARTITION, keys.base_shard_sort_key(segment, shard)),
                                   actions=[counter_item.value.add(count)])
