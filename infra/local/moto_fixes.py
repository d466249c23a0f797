"""Fixes to moto's cost model, applied inside the local stack's moto server process (and in the integration
tests' own process, tests/integration/conftest.py).

Measured under the load test (10,000 deliveries, about 8,000 posts stored, queues thousands deep):
- TransactWriteItems deep-copied every table it touched, to roll back on failure: each transaction
  cost O(table size), and a rollback overwrote whatever other requests had written to those tables.
- Query sorted every item of the table before picking the partition (or the index entries) it wanted,
  with DynamoType comparisons: about 20 ms on a table of a thousand customers, far more on the posts.
- Every request listed moto's package directory (about 150 stat calls) to route itself.
- SQS read the clock through datetime arithmetic (about 5 us) twice per queued message, and counted the
  queue three times over for every message sent or received: with a few thousand messages queued each
  call took 0.1 to 1 s.
- DynamoDB's answers went through moto's generic serializer, every member of every AttributeValue of every
  item looked up under several names: about half of moto's DynamoDB time in the write path's integration tests.
Answers are unchanged (tests/e2e/test_local_aws.py); only the work done to produce them is.

One fix is about correctness, not cost: DynamoDB applies each write and each transaction atomically, moto
server (a thread per request) did not. Two writes to one item could interleave their read-modify-write,
and a transaction refused on one condition applied its other updates, then put back the items it had
saved before, erasing whatever a concurrent request had added to them meanwhile: under the load test a
redelivered post's refused transaction took back a counter increment of another post (7,899 posts counted
for 7,900 stored). Writes are now serialized in moto's process, as DynamoDB serializes them per item.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from typing import Any


def back_up_items_not_tables() -> None:
    """A transaction backs up only the items it names, and a failed one restores just those."""
    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    class KeepTables:  # stands in for the `copy` module inside moto.dynamodb.models
        @staticmethod
        def deepcopy(value: Any, memo: dict | None = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def item_key(table: Table, operation: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
        key = operation.get("Key") or operation["Item"]
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        return DynamoType(key[table.hash_key_attr]), range_value

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = []
        for entry in transact_items:
            operation = next(iter(entry.values()), None) if isinstance(entry, dict) else None
            table = self.tables.get(operation.get("TableName")) if isinstance(operation, dict) else None
            try:
                hash_value, range_value = item_key(table, operation)
            except (AttributeError, KeyError, TypeError):
                continue  # moto refuses such a transaction before it writes anything
            saved.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                where = table.items if range_value is None else table.items[hash_value]
                slot = hash_value if range_value is None else range_value
                if item is None:
                    where.pop(slot, None)
                else:
                    where[slot] = item
            raise

    original = models.DynamoDBBackend.transact_write_items
    models.copy = KeepTables
    models.DynamoDBBackend.transact_write_items = transact_write_items


def serialize_dynamodb_writes() -> None:
    """Each item write and each transaction runs alone (reads still run beside them): a transaction's
    conditions, its writes and its rollback become one step, as in DynamoDB."""
    from moto.dynamodb.models import DynamoDBBackend

    writing = threading.RLock()  # re-entrant: a transaction calls put_item, update_item and delete_item

    def serialized(method: Callable[..., Any]) -> Callable[..., Any]:
        def alone(*args: Any, **kwargs: Any) -> Any:
            with writing:
                return method(*args, **kwargs)

        return alone

    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        setattr(DynamoDBBackend, name, serialized(getattr(DynamoDBBackend, name)))


def query_without_sorting_the_table() -> None:
    """Query takes the items unsorted (it sorts its matches itself), and a query on the table's own key
    only the items of that partition. Scan keeps the sorted order: its pagination depends on it."""
    from moto.dynamodb.models.table import Table

    querying = threading.local()
    sorted_items, query = Table.all_items, Table.query

    def items_of(table: Table, partitions: list[Any]) -> list[Any]:
        if table.range_key_attr:  # a partition is {range key: item}
            return [item for partition in partitions for item in list(partition.values())]
        return partitions

    def all_items(self: Table) -> list[Any]:
        if not getattr(querying, "active", False):
            return sorted_items(self)
        key = querying.partition
        if key is None:  # list() copies at once: other requests keep writing meanwhile
            return items_of(self, list(self.items.values()))
        return items_of(self, [self.items[key]] if key in self.items else [])

    def unsorted_query(self: Table, *args: Any, **kwargs: Any) -> Any:
        hash_key = args[0] if args else kwargs.get("hash_key")  # moto passes them by position
        index_name = args[7] if len(args) > 7 else kwargs.get("index_name")
        querying.active, querying.partition = True, None if index_name else hash_key
        try:
            return query(self, *args, **kwargs)
        finally:
            querying.active = False

    Table.all_items = all_items
    Table.query = unsorted_query


def route_without_listing_the_package() -> None:
    """The listing of moto's package directory never changes while the server runs."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def sqs_without_rescanning_the_queue() -> None:
    """The same answers with fewer passes over the queue: one clock read per call instead of two per
    message; no message counts computed for a send (it reads one flag of the attributes); retention read
    as one attribute rather than all of them; a delete that stops at its message."""
    from moto.core import utils
    from moto.sqs import models

    def unix_time(moment: Any = None) -> float:
        return time.time() if moment is None else utils.unix_time(moment)

    def unix_time_millis(moment: Any = None) -> float:
        return time.time() * 1000.0 if moment is None else utils.unix_time_millis(moment)

    sending = threading.local()  # a send reads the queue's attributes for one flag, never its counts
    send_message = models.SQSBackend.send_message

    def messages(queue: Any) -> list[Any]:
        now = unix_time_millis()
        return [m for m in queue._messages if now > m.visible_at and not now < m.delayed_until]

    def count(queue: Any, counted: Callable[[Any, float], bool]) -> int:
        if getattr(sending, "active", False):
            return 0
        now = unix_time_millis()
        return sum(1 for m in queue._messages if counted(m, now))

    def send_without_counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        sending.active = True
        try:
            return send_message(self, *args, **kwargs)
        finally:
            sending.active = False

    def retained(self: Any, queue_name: str, message: Any) -> bool:  # read one attribute, not all of them
        return self.get_queue(queue_name).message_retention_period + message.sent_timestamp / 1000 > time.time()

    def delete_message(queue: Any, receipt_handle: str) -> None:  # stops at the message, which is near the front
        if receipt_handle in queue.deleted_messages:
            return
        with queue._messages_lock:  # the lock sends take, so none is lost while the list is replaced
            for index, message in enumerate(queue._messages):
                if message.had_receipt_handle(receipt_handle):
                    queue.pending_messages.discard(message)
                    queue.deleted_messages.update(message.all_receipt_handles)
                    queue._messages = queue._messages[:index] + queue._messages[index + 1:]
                    return
        raise models.ReceiptHandleIsInvalid()

    models.unix_time = unix_time
    models.unix_time_millis = unix_time_millis
    models.Queue.delete_message = delete_message
    models.SQSBackend.is_message_valid_based_on_retention_period = retained
    models.Queue.messages = property(messages)
    models.Queue.approximate_number_of_messages = property(
        lambda queue: count(queue, lambda m, now: now > m.visible_at and not now < m.delayed_until))
    models.Queue.approximate_number_of_messages_delayed = property(
        lambda queue: count(queue, lambda m, now: now < m.delayed_until))
    models.Queue.approximate_number_of_messages_not_visible = property(
        lambda queue: count(queue, lambda m, now: not now > m.visible_at))
    models.SQSBackend.send_message = send_without_counting


def serialize_without_re_deriving_keys() -> None:
    """An answer's serializer looks each member up under the names its alias rules give (6 rules, each
    member of each AttributeValue of each item); for a dict those names follow from the shape and the
    member alone, so they are worked out once per shape and member and remembered."""
    from moto.core import serialize

    derive = serialize.XFormedAttributePicker.get_possible_keys
    remembered: dict[tuple[Any, Any, str], tuple[str, ...]] = {}

    def get_possible_keys(self: Any, context: Any) -> Any:
        if type(context.obj) is not dict or self.alias_providers is not serialize.DEFAULT_ALIAS_PROVIDERS:
            return derive(self, context)  # an object's own class, or its Meta, may name other keys
        shape = context.shape
        key = (shape, getattr(shape, "parent", None), context.key)
        if key not in remembered:
            remembered[key] = tuple(derive(self, context))
        return remembered[key]

    serialize.XFormedAttributePicker.get_possible_keys = get_possible_keys


class _NotPlain(Exception):
    """An attribute value the generic serializer must handle (binary, or not in DynamoDB's own form)."""


def _plain_attribute_value(value: Any) -> dict[str, Any]:
    """A DynamoDB AttributeValue as moto stores it, already in its wire form: a copy of it."""
    if type(value) is not dict or len(value) != 1:
        raise _NotPlain
    ((kind, inner),) = value.items()
    if kind in ("S", "N") and type(inner) is str:
        return {kind: inner}
    if kind in ("BOOL", "NULL") and type(inner) is bool:
        return {kind: inner}
    if kind in ("SS", "NS") and type(inner) is list and all(type(member) is str for member in inner):
        return {kind: list(inner)}
    if kind == "M" and type(inner) is dict:
        return {"M": {name: _plain_attribute_value(member) for name, member in inner.items()}}
    if kind == "L" and type(inner) is list:
        return {"L": [_plain_attribute_value(member) for member in inner]}
    raise _NotPlain


def serialize_attribute_values_as_stored() -> None:
    """DynamoDB's answers hold items as AttributeValues, which moto keeps in their wire form already; the
    generic serializer walked each one member by member (ten members, each looked up under several names).
    A value in that plain form is copied as it is; anything else (binary, sets of binary) takes the generic way."""
    from moto.core import serialize

    generic = serialize.BaseJSONSerializer._serialize_type_structure

    def structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and self.operation_model.service_model.service_name == "dynamodb":
            try:
                serialized[self.get_serialized_name(shape, key)] = _plain_attribute_value(value)
                return
            except _NotPlain:
                pass
        generic(self, serialized, value, shape, key)

    serialize.BaseJSONSerializer._serialize_type_structure = structure


def apply() -> None:
    back_up_items_not_tables()
    serialize_dynamodb_writes()  # after the transaction's own fix: it wraps the final method
    query_without_sorting_the_table()
    route_without_listing_the_package()
    sqs_without_rescanning_the_queue()
    serialize_without_re_deriving_keys()
    serialize_attribute_values_as_stored()
