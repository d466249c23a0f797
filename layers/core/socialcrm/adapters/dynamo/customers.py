"""CustomersTable: customer records and identity links, posts held for review, one-time link codes, erasure
markers and tombstones. One model class per kind of item; all share the table's `pk`/`sk` key."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from socialcrm.adapters.dynamo import keys
from socialcrm.adapters.dynamo.metrics import adjust_base
from socialcrm.adapters.dynamo.tables import bind, connection
from socialcrm.model import Customer, IdentityLink, PostKey, SocialIdentity, segment_label

MAX_LINKS_READ = 10  # more than two is already a conflict; the rest are not needed


class CustomerItem(Model):
    """CUSTOMER#<id> / PROFILE: the CRM record."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    phones = ListAttribute(of=UnicodeAttribute, default=list)
    emails = ListAttribute(of=UnicodeAttribute, default=list)
    social = UnicodeAttribute(default="[]")  # JSON list of {platform, user_id, handle}
    segment = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    identity_keys = ListAttribute(of=UnicodeAttribute, default=list)
    linked_keys = UnicodeSetAttribute(null=True)  # keys of links not on the record (for erasure)
    counted_segment = UnicodeAttribute(null=True)  # the segment this record counts in (BASE counters)
    phones_confirmed = UnicodeAttribute(null=True)  # JSON [[E.164, YYYY-MM-DD]]: a number last confirmed then


class IdentityItem(Model):
    """IDENTITY#<key> / CUSTOMER#<id> (on the record) | LINK#<id> | REJECTED#<id> | HOLDER#<id>."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute()
    source = UnicodeAttribute(null=True)  # links: linked… | confirmed | verified | rejected | holder:<key>


class HeldPostItem(Model):
    """REVIEW / <post key>: a post held for review, with its candidates."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute(default="")
    details = UnicodeAttribute(null=True)  # JSON {created_at, candidates}


class PointerItem(Model):
    """CUSTOMER#<id> / REVIEW#<post key> | CODE#<hash>: what erasure must find in the customer's partition."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)


class LinkCodeItem(Model):
    """CODE#<sha256 of the code> / CODE: a one-time link code (TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute()
    used_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class ErasureMarkerItem(Model):
    """ERASED#<sha256 of a key> / MARKER: consumers drop what is queued for an erased key until it expires."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute(default="")
    expires_at = NumberAttribute(null=True)


class TombstoneItem(Model):
    """TOMBSTONE#<hmac of the customer id> / TOMBSTONE: an erased customer, for good (no TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    customer_id = UnicodeAttribute(default="")
    details = UnicodeAttribute(null=True)  # JSON {erased_on}


def _texts(values: Iterable[object] | None) -> list[str]:
    """A list attribute of strings (PynamoDB types its elements as the attribute class given in `of`)."""
    return [str(value) for value in values or ()]


def _customer_from(item: CustomerItem) -> Customer:
    social = tuple(SocialIdentity(**entry) for entry in json.loads(item.social or "[]"))
    return Customer(
        customer_id=item.customer_id,
        name=item.name,
        phones=tuple(_texts(item.phones)),
        emails=tuple(_texts(item.emails)),
        social=social,
        segment=item.segment,
        country=item.country,
        city=item.city,
        identity_keys=tuple(_texts(item.identity_keys)),
        linked_keys=tuple(sorted(item.linked_keys or ())),
        phones_confirmed=tuple((phone, day) for phone, day in json.loads(item.phones_confirmed or "[]")),
    )


def _link_of(item: IdentityItem) -> IdentityLink:
    return IdentityLink(item.customer_id, "crm" if keys.is_record_link(item.sk) else (item.source or "linked"))


class DynamoCustomerDirectory:
    """Customer records and identity links; a record's change of segment moves it in the customer base
    (MetricsTable) in the same transaction."""

    def __init__(self, *, table_name: str, metrics_table_name: str | None = None) -> None:
        self.table_name = table_name
        self.metrics_table_name = metrics_table_name  # None: this directory does not change records

    def _base_table(self) -> str:
        if self.metrics_table_name is None:
            raise ValueError("this customer directory was built without the metrics table: it cannot change records")
        return self.metrics_table_name

    def identity_links(self, identity_key: str, consistent: bool = False) -> list[IdentityLink]:
        query = bind(IdentityItem, self.table_name).query(keys.identity_partition(identity_key),
                                                           limit=MAX_LINKS_READ, consistent_read=consistent)
        return [_link_of(item) for item in query]

    def add_link(self, identity_key: str, customer_id: str, source: str) -> None:
        customer_item, identity_item = bind(CustomerItem, self.table_name), bind(IdentityItem, self.table_name)
        try:  # the record first: a link to a customer that does not exist is never written
            customer_item(keys.customer_partition(customer_id), keys.PROFILE).update(
                actions=[customer_item.linked_keys.add({identity_key})], condition=customer_item.pk.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return
            raise
        identity_item(keys.identity_partition(identity_key), keys.link_sort_key(source, customer_id),
                      customer_id=customer_id, source=source).save()

    def remove_link(self, identity_key: str, customer_id: str) -> None:
        identity_item = bind(IdentityItem, self.table_name)
        with identity_item.batch_write() as batch:
            for sort_key in keys.every_link_sort_key(customer_id):
                batch.delete(identity_item(keys.identity_partition(identity_key), sort_key))

    def get(self, customer_id: str) -> Customer | None:
        # strongly consistent: a card rebuilt right after a sync must see the phones and emails it wrote
        stored = self._item(customer_id)
        return _customer_from(stored) if stored is not None else None

    def get_many(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        # strongly consistent, like get: the processor reads a matched customer's record here only (once a post)
        wanted = [(keys.customer_partition(customer_id), keys.PROFILE) for customer_id in dict.fromkeys(customer_ids)]
        return {item.customer_id: _customer_from(item)
                for item in bind(CustomerItem, self.table_name).batch_get(wanted, consistent_read=True)}

    def upsert(self, customer: Customer) -> tuple[str, ...]:
        customer_item, identity_item = bind(CustomerItem, self.table_name), bind(IdentityItem, self.table_name)
        stored = self._item(customer.customer_id)
        old_keys = set(_texts(stored.identity_keys)) if stored else set()
        new_keys = set(customer.identity_keys)
        segment = segment_label(customer.segment)
        record = customer_item(
            keys.customer_partition(customer.customer_id),
            keys.PROFILE,
            customer_id=customer.customer_id,
            name=customer.name,
            phones=list(customer.phones),
            emails=list(customer.emails),
            social=json.dumps([vars(s) for s in customer.social]),
            segment=customer.segment,
            country=customer.country,
            city=customer.city,
            identity_keys=sorted(new_keys),
            linked_keys=(stored.linked_keys if stored else None) or None,
            counted_segment=segment,
            phones_confirmed=json.dumps(customer.phones_confirmed) if customer.phones_confirmed else None,
        )
        counted = stored.counted_segment if stored else None
        # The record and the customer-base counters change together, or not at all (a retry is exact).
        with TransactWrite(connection=connection(), client_request_token=str(uuid.uuid4())) as transaction:
            condition: Condition
            if stored is None:
                condition = customer_item.pk.does_not_exist()
            elif counted is None:
                condition = customer_item.counted_segment.does_not_exist()
            else:
                condition = customer_item.counted_segment == counted
            transaction.save(record, condition=condition)
            if counted != segment:
                adjust_base(transaction, self._base_table(), customer.customer_id, segment, +1)
                if counted is not None:
                    adjust_base(transaction, self._base_table(), customer.customer_id, counted, -1)
        with identity_item.batch_write() as batch:
            for key in sorted(new_keys - old_keys):
                batch.save(identity_item(keys.identity_partition(key), keys.record_link(customer.customer_id),
                                         customer_id=customer.customer_id))
            for key in sorted(old_keys - new_keys):
                batch.delete(identity_item(keys.identity_partition(key), keys.record_link(customer.customer_id)))
        return tuple(sorted(old_keys - new_keys))

    def _item(self, customer_id: str) -> CustomerItem | None:
        try:
            return bind(CustomerItem, self.table_name).get(keys.customer_partition(customer_id), keys.PROFILE,
                                                           consistent_read=True)
        except DoesNotExist:
            return None

    def delete(self, customer_id: str) -> int:
        """Remove the customer's record, identity items and links of every source; returns the items removed."""
        customer_item, identity_item = bind(CustomerItem, self.table_name), bind(IdentityItem, self.table_name)
        stored = self._item(customer_id)
        if stored is None:
            return 0
        identity_keys, linked = _texts(stored.identity_keys), sorted(stored.linked_keys or ())
        with identity_item.batch_write() as batch:
            for key in identity_keys:
                batch.delete(identity_item(keys.identity_partition(key), keys.record_link(customer_id)))
            for key in linked:
                for sort_key in keys.every_link_sort_key(customer_id):
                    batch.delete(identity_item(keys.identity_partition(key), sort_key))
        with TransactWrite(connection=connection(), client_request_token=str(uuid.uuid4())) as transaction:
            transaction.delete(customer_item(keys.customer_partition(customer_id), keys.PROFILE))
            if stored.counted_segment:
                adjust_base(transaction, self._base_table(), customer_id, stored.counted_segment, -1)
        return 1 + len(identity_keys) + len(linked)

    def mark_erased(self, keys_erased: Sequence[str], until: int) -> None:
        """Erasure markers (hashed, so they hold no personal data) that consumers check until `until`."""
        marker_item = bind(ErasureMarkerItem, self.table_name)
        with marker_item.batch_write() as batch:
            for key in keys_erased:
                batch.save(marker_item(keys.erased_partition(key), keys.MARKER, customer_id="", expires_at=until))

    def erased(self, keys_to_check: Sequence[str], now: int) -> bool:
        return bool(self.erased_among(keys_to_check, now))

    def erased_among(self, keys_to_check: Sequence[str], now: int) -> frozenset[str]:
        by_partition = {keys.erased_partition(key): key for key in keys_to_check}
        if not by_partition:
            return frozenset()
        wanted = [(partition, keys.MARKER) for partition in by_partition]
        return frozenset(by_partition[item.pk] for item in bind(ErasureMarkerItem, self.table_name).batch_get(wanted)
                         if (item.expires_at or 0) > now)


class DynamoReviewList:
    """Held posts under one partition (REVIEW), with a pointer in each candidate's partition."""

    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def hold(self, post_key: PostKey, created_at: str, candidates: Sequence[dict[str, Any]]) -> None:
        held_item, pointer_item = bind(HeldPostItem, self.table_name), bind(PointerItem, self.table_name)
        with pointer_item.batch_write() as pointers:  # pointers first: erasure finds whatever names a customer
            for candidate in candidates:
                pointers.save(pointer_item(keys.customer_partition(candidate["customer_id"]),
                                           keys.review_pointer(post_key.text), customer_id=candidate["customer_id"]))
        with held_item.batch_write() as batch:
            batch.save(held_item(keys.REVIEW, post_key.text, customer_id="", details=json.dumps(
                {"created_at": created_at, "candidates": list(candidates)})))

    def release(self, post_key: PostKey) -> None:
        held_item, pointer_item = bind(HeldPostItem, self.table_name), bind(PointerItem, self.table_name)
        try:
            held = held_item.get(keys.REVIEW, post_key.text, consistent_read=True)
        except DoesNotExist:
            return
        with pointer_item.batch_write() as pointers:
            for candidate in json.loads(held.details or "{}").get("candidates", []):
                pointers.delete(pointer_item(keys.customer_partition(candidate["customer_id"]),
                                             keys.review_pointer(post_key.text)))
        with held_item.batch_write() as batch:
            batch.delete(held)

    def pending(self, limit: int) -> list[dict[str, Any]]:
        return [{"post_key": item.sk, **json.loads(item.details or "{}")}
                for item in bind(HeldPostItem, self.table_name).query(keys.REVIEW, limit=limit)]

    def for_customer(self, customer_id: str) -> list[PostKey]:
        pointer_item = bind(PointerItem, self.table_name)
        query = pointer_item.query(keys.customer_partition(customer_id),
                                   pointer_item.sk.startswith(keys.REVIEW_POINTER_PREFIX))
        return [PostKey.parse(keys.post_key_of_review_pointer(item.sk)) for item in query]


class DynamoLinkCodes:
    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def save(self, code_hash: str, customer_id: str, expires_at: int) -> None:
        code_item, pointer_item = bind(LinkCodeItem, self.table_name), bind(PointerItem, self.table_name)
        with pointer_item.batch_write() as pointers:  # the pointer first: erasure finds every code
            pointers.save(pointer_item(keys.customer_partition(customer_id), keys.code_partition(code_hash),
                                       customer_id=customer_id, expires_at=expires_at))
        with code_item.batch_write() as codes:
            codes.save(code_item(keys.code_partition(code_hash), keys.CODE, customer_id=customer_id,
                                 expires_at=expires_at))

    def redeem(self, code_hash: str, now: int) -> str | None:
        code_item = bind(LinkCodeItem, self.table_name)
        code = code_item(keys.code_partition(code_hash), keys.CODE)
        try:
            code.update(actions=[code_item.used_at.set(now)],
                        condition=code_item.pk.exists() & code_item.used_at.does_not_exist()
                        & (code_item.expires_at > now))
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return code.customer_id

    def forget_customer(self, customer_id: str) -> int:
        code_item, pointer_item = bind(LinkCodeItem, self.table_name), bind(PointerItem, self.table_name)
        pointers = list(pointer_item.query(keys.customer_partition(customer_id),
                                           pointer_item.sk.startswith(keys.CODE_PREFIX)))
        with code_item.batch_write() as codes:
            for pointer in pointers:
                codes.delete(code_item(pointer.sk, keys.CODE))
        with pointer_item.batch_write() as batch:
            for pointer in pointers:
                batch.delete(pointer)
        return len(pointers)


class DynamoTombstones:
    """TOMBSTONE#<HMAC-SHA256 of the customer id> / TOMBSTONE, no TTL: the only thing kept of an erased customer.

    The key lives in Secrets Manager, so the table alone cannot tell whether a given customer id was erased."""

    def __init__(self, *, table_name: str, key: bytes) -> None:
        self.table_name = table_name
        self._key = key

    def _partition(self, customer_id: str) -> str:
        digest = hmac.new(self._key, f"customer:{customer_id}".encode(), hashlib.sha256).hexdigest()
        return keys.tombstone_partition(digest)

    def erased_on(self, customer_id: str) -> str | None:
        try:
            found = bind(TombstoneItem, self.table_name).get(self._partition(customer_id), keys.TOMBSTONE,
                                                             consistent_read=True)
        except DoesNotExist:
            return None
        day: str = json.loads(found.details or "{}").get("erased_on") or "an earlier day"
        return day

    def erased_on_many(self, customer_ids: Sequence[str]) -> dict[str, str]:
        by_partition = {self._partition(customer_id): customer_id for customer_id in dict.fromkeys(customer_ids)}
        wanted = [(partition, keys.TOMBSTONE) for partition in by_partition]
        found = bind(TombstoneItem, self.table_name).batch_get(wanted, consistent_read=True)
        return {by_partition[item.pk]: json.loads(item.details or "{}").get("erased_on") or "an earlier day"
                for item in found}

    def bury(self, customer_id: str, day: str) -> None:
        bind(TombstoneItem, self.table_name)(self._partition(customer_id), keys.TOMBSTONE, customer_id="",
                                             details=json.dumps({"erased_on": day})).save()

    def lift(self, customer_id: str) -> None:
        bind(TombstoneItem, self.table_name)(self._partition(customer_id), keys.TOMBSTONE).delete()
