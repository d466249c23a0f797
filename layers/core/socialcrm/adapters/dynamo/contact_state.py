"""ContactStateTable: the open Connect task window of each customer, and which connector took which push."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, PynamoDBException, UpdateError
from pynamodb.models import Model

from socialcrm.adapters.dynamo import keys
from socialcrm.adapters.dynamo.tables import bind

Delivery = tuple[str, str]  # (push id, connector name), as socialcrm.push names it


class TaskWindowItem(Model):
    """TASK#<customer id>: the push that opened the customer's task window, until `expires_at` (TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    push_id = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds; also the table's TTL attribute
    contact_id = UnicodeAttribute(null=True)  # the task Connect started (closed when we answer its post)


class DeliveryItem(Model):
    """PUSHED#<push id>#<connector>: a connector accepted the push (TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    push_id = UnicodeAttribute()
    expires_at = NumberAttribute()


class DynamoTaskWindow:
    """One open task per customer per window, claimed with a conditional write (no read first)."""

    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def claim(self, customer_id: str, push_id: str, until: int, now: int) -> bool:
        model = bind(TaskWindowItem, self.table_name)
        item = model(pk=keys.task_window_key(customer_id), push_id=push_id, expires_at=until)
        try:
            item.save(condition=model.pk.does_not_exist() | (model.expires_at < now) | (model.push_id == push_id))
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def started(self, customer_id: str, push_id: str, contact_id: str) -> None:
        model = bind(TaskWindowItem, self.table_name)
        try:
            model(pk=keys.task_window_key(customer_id)).update(actions=[model.contact_id.set(contact_id)],
                                                               condition=model.push_id == push_id)
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise

    def task_of(self, customer_id: str, now: int) -> tuple[str, str] | None:
        try:
            item = bind(TaskWindowItem, self.table_name).get(keys.task_window_key(customer_id), consistent_read=True)
        except DoesNotExist:
            return None
        if item.expires_at <= now or not item.contact_id:
            return None
        return item.push_id, item.contact_id


class DynamoDeliveryLog:
    """Which connector took which push, kept as long as the push queue keeps a message (14 days), so no copy
    of a delivered push is sent again."""

    def __init__(self, *, table_name: str, keep_seconds: int = 14 * 86400,
                 clock: Callable[[], float] | None = None) -> None:
        self.table_name = table_name
        self.keep_seconds = keep_seconds
        self.clock = clock or time.time

    def delivered_among(self, deliveries: Collection[Delivery]) -> frozenset[Delivery]:
        """One strongly consistent BatchGetItem (PynamoDB splits it by 100 keys)."""
        by_key = {keys.delivery_key(push_id, connector): (push_id, connector) for push_id, connector in deliveries}
        if not by_key:
            return frozenset()
        now = self.clock()
        found = bind(DeliveryItem, self.table_name).batch_get(sorted(by_key), consistent_read=True)
        return frozenset(by_key[item.pk] for item in found if item.expires_at > now)

    def record(self, deliveries: Collection[Delivery]) -> frozenset[Delivery]:
        """One BatchWriteItem (PynamoDB splits it by 25 items and retries what DynamoDB left unprocessed)."""
        delivery_item = bind(DeliveryItem, self.table_name)
        until = int(self.clock()) + self.keep_seconds
        try:
            with delivery_item.batch_write() as batch:
                for push_id, connector in sorted(set(deliveries)):
                    batch.save(delivery_item(pk=keys.delivery_key(push_id, connector), push_id=push_id,
                                             expires_at=until))
        except PynamoDBException:  # the pushes went through: failing now would only send them again
            return frozenset(deliveries)
        return frozenset()


class DynamoContactState:
    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def forget(self, customer_id: str) -> int:
        try:
            bind(TaskWindowItem, self.table_name).get(keys.task_window_key(customer_id)).delete()
        except DoesNotExist:
            return 0
        return 1
