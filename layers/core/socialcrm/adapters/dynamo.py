"""DynamoDB adapters, modelled with PynamoDB.

Model classes are built on first use by cached factories, with the table names read from the
configuration at run time (never at import), so importing this module touches no AWS.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from functools import cache
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from socialcrm import config, identity
from socialcrm.model import HOLDER, AnalyzedPost, Customer, IdentityLink, SocialIdentity, segment_label

PROFILE = "PROFILE"
BASE_PARTITION = "BASE"  # MetricsTable: customers by segment, kept by customer sync and erasure
BASE_SHARDS = 8
MARKER_SHARDS = 16


def _meta(role: str) -> type:
    class Meta:
        table_name = config.table_name(role)
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        host = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL") or None
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3

    return Meta


@cache
def customer_models() -> tuple[type[Model], type[Model]]:
    class CustomerItem(Model):
        Meta = _meta("customers")
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
        Meta = _meta("customers")
        # IDENTITY#<identity key> | ERASED#<sha256 of a key> | REVIEW | CODE#<sha256 of a code> | CUSTOMER#<id>
        # | TOMBSTONE#<hmac of an erased customer id>
        pk = UnicodeAttribute(hash_key=True)
        # CUSTOMER#<id> (on the record) | LINK#<id> | REJECTED#<id> | HOLDER#<id> | MARKER | <post key> | CODE
        # | TOMBSTONE
        # | REVIEW#<post key> and CODE#<hash> (pointers in the customer's partition, for erasure)
        sk = UnicodeAttribute(range_key=True)
        customer_id = UnicodeAttribute()
        source = UnicodeAttribute(null=True)  # links: linked | confirmed | verified | rejected | holder:<key>
        details = UnicodeAttribute(null=True)  # review: JSON of the candidates and their evidence
        used_at = NumberAttribute(null=True)  # codes
        expires_at = NumberAttribute(null=True)  # TTL: erasure markers and codes

    return CustomerItem, IdentityItem


class ByAuthor(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-author"
        projection = KeysOnlyProjection()

    author_key = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByAuthorHandle(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-author-handle"
        projection = KeysOnlyProjection()

    author_handle_key = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class ByCustomer(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-customer"
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


@cache
def post_model() -> type[Model]:
    class PostItem(Model):
        Meta = _meta("posts")
        pk = UnicodeAttribute(hash_key=True)  # <platform>#<post id>
        platform = UnicodeAttribute()
        post_id = UnicodeAttribute()
        kind = UnicodeAttribute()
        source = UnicodeAttribute(null=True)
        author_key = UnicodeAttribute(null=True)
        author_handle_key = UnicodeAttribute(null=True)
        author_name = UnicodeAttribute(null=True)
        text = UnicodeAttribute(default="")
        created_at = UnicodeAttribute()
        url = UnicodeAttribute(null=True)
        reply_to = UnicodeAttribute(null=True)
        sentiment = UnicodeAttribute()
        sentiment_score = NumberAttribute()
        customer_id = UnicodeAttribute(null=True)
        match_key = UnicodeAttribute(null=True)
        match_status = UnicodeAttribute(null=True)  # linked | candidate | unmatched
        match_score = NumberAttribute(null=True)
        evidence = UnicodeAttribute(null=True)  # JSON list of signal kinds
        match_basis = UnicodeAttribute(null=True)  # the asserted kind the link rests on (docs/matching.md)
        status = UnicodeAttribute(default="stored")  # stored -> done once card and push are handled
        expires_at = NumberAttribute(null=True)
        author_role = UnicodeAttribute(null=True)  # company | employee | unofficial_brand | public
        answered_at = UnicodeAttribute(null=True)  # the first reply from an official account
        by_author = ByAuthor()
        by_author_handle = ByAuthorHandle()
        by_customer = ByCustomer()

    return PostItem


@cache
def card_model() -> type[Model]:
    class CardItem(Model):
        Meta = _meta("cards")
        pk = UnicodeAttribute(hash_key=True)  # PHONE#<e164> | CUSTOMER#<id>
        customer_id = UnicodeAttribute()
        card = UnicodeAttribute()  # JSON, read as is by the lookup
        updated_at = UnicodeAttribute()

    return CardItem


@cache
def metrics_models() -> tuple[type[Model], type[Model]]:
    class CounterItem(Model):
        Meta = _meta("metrics")
        pk = UnicodeAttribute(hash_key=True)  # COUNTER#<hour>
        sk = UnicodeAttribute(range_key=True)  # <counter name>#<shard>
        value = NumberAttribute(default=0)

    class RollupItem(Model):
        Meta = _meta("metrics")
        pk = UnicodeAttribute(hash_key=True)  # ROLLUP#<hour>
        sk = UnicodeAttribute(range_key=True)  # HOURLY | DAILY | <marker> (SEEN#<day>#<n>) | <post key>
        figures = UnicodeAttribute()  # JSON {name: value}; governance notes: {role, platform}
        expires_at = NumberAttribute(null=True)  # TTL: first-sighting markers, governance notes

    return CounterItem, RollupItem


@cache
def _connection() -> Connection:
    meta = _meta("posts")
    return Connection(region=meta.region, host=meta.host)


def _customer_from(item: Any) -> Customer:
    social = tuple(SocialIdentity(**entry) for entry in json.loads(item.social or "[]"))
    return Customer(
        customer_id=item.customer_id,
        name=item.name,
        phones=tuple(item.phones or ()),
        emails=tuple(item.emails or ()),
        social=social,
        segment=item.segment,
        country=item.country,
        city=item.city,
        identity_keys=tuple(item.identity_keys or ()),
        linked_keys=tuple(sorted(item.linked_keys or ())),
        phones_confirmed=tuple((phone, day) for phone, day in json.loads(item.phones_confirmed or "[]")),
    )


_LINK_PREFIXES = ("LINK#", "REJECTED#", "HOLDER#")


def _link_prefix(source: str) -> str:
    if source == "rejected":
        return "REJECTED#"
    return "HOLDER#" if source.startswith(HOLDER) else "LINK#"

MAX_LINKS_READ = 10  # more than two is already a conflict; the rest are not needed


def _adjust_base(transaction: TransactWrite, customer_id: str, segment: str, amount: int) -> None:
    counter_item, _ = metrics_models()
    shard = int(hashlib.sha256(customer_id.encode()).hexdigest()[:8], 16) % BASE_SHARDS
    transaction.update(counter_item(BASE_PARTITION, f"Customers|Segment={segment}#{shard}"),
                       actions=[counter_item.value.add(amount)])


def _link_of(item: Any) -> IdentityLink:
    return IdentityLink(item.customer_id, "crm" if item.sk.startswith("CUSTOMER#") else (item.source or "linked"))


class DynamoCustomerDirectory:
    def identity_links(self, identity_key: str, consistent: bool = False) -> list[IdentityLink]:
        _, identity_item = customer_models()
        return [_link_of(item) for item in identity_item.query(f"IDENTITY#{identity_key}", limit=MAX_LINKS_READ,
                                                               consistent_read=consistent)]

    def add_link(self, identity_key: str, customer_id: str, source: str) -> None:
        customer_item, identity_item = customer_models()
        try:  # the record first: a link to a customer that does not exist is never written
            customer_item(f"CUSTOMER#{customer_id}", PROFILE).update(
                actions=[customer_item.linked_keys.add({identity_key})], condition=customer_item.pk.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return
            raise
        identity_item(f"IDENTITY#{identity_key}", f"{_link_prefix(source)}{customer_id}",
                      customer_id=customer_id, source=source).save()

    def remove_link(self, identity_key: str, customer_id: str) -> None:
        _, identity_item = customer_models()
        with identity_item.batch_write() as batch:
            for prefix in _LINK_PREFIXES:
                batch.delete(identity_item(f"IDENTITY#{identity_key}", f"{prefix}{customer_id}"))

    def get(self, customer_id: str) -> Customer | None:
        customer_item, _ = customer_models()
        try:  # strongly consistent: a card rebuilt right after a sync must see the phones and emails it wrote
            return _customer_from(customer_item.get(f"CUSTOMER#{customer_id}", PROFILE, consistent_read=True))
        except DoesNotExist:
            return None

    def get_many(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        customer_item, _ = customer_models()
        wanted = [(f"CUSTOMER#{customer_id}", PROFILE) for customer_id in dict.fromkeys(customer_ids)]
        return {item.customer_id: _customer_from(item) for item in customer_item.batch_get(wanted)}

    def upsert(self, customer: Customer) -> tuple[str, ...]:
        customer_item, identity_item = customer_models()
        stored = self._item(customer.customer_id)
        old_keys = set(stored.identity_keys or ()) if stored else set()
        new_keys = set(customer.identity_keys)
        segment = segment_label(customer.segment)
        record = customer_item(
            f"CUSTOMER#{customer.customer_id}",
            PROFILE,
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
        with TransactWrite(connection=_connection(), client_request_token=str(uuid.uuid4())) as transaction:
            if stored is None:
                condition = customer_item.pk.does_not_exist()
            elif counted is None:
                condition = customer_item.counted_segment.does_not_exist()
            else:
                condition = customer_item.counted_segment == counted
            transaction.save(record, condition=condition)
            if counted != segment:
                _adjust_base(transaction, customer.customer_id, segment, +1)
                if counted is not None:
                    _adjust_base(transaction, customer.customer_id, counted, -1)
        with identity_item.batch_write() as batch:
            for key in sorted(new_keys - old_keys):
                batch.save(identity_item(f"IDENTITY#{key}", f"CUSTOMER#{customer.customer_id}",
                                         customer_id=customer.customer_id))
            for key in sorted(old_keys - new_keys):
                batch.delete(identity_item(f"IDENTITY#{key}", f"CUSTOMER#{customer.customer_id}"))
        return tuple(sorted(old_keys - new_keys))

    def _item(self, customer_id: str) -> Any:
        customer_item, _ = customer_models()
        try:
            return customer_item.get(f"CUSTOMER#{customer_id}", PROFILE, consistent_read=True)
        except DoesNotExist:
            return None

    def delete(self, customer_id: str) -> int:
        """Remove the customer's record, identity items and links of every source; returns the items removed."""
        customer_item, identity_item = customer_models()
        stored = self._item(customer_id)
        if stored is None:
            return 0
        identity_keys, linked = list(stored.identity_keys or ()), sorted(stored.linked_keys or ())
        with identity_item.batch_write() as batch:
            for key in identity_keys:
                batch.delete(identity_item(f"IDENTITY#{key}", f"CUSTOMER#{customer_id}"))
            for key in linked:
                for prefix in _LINK_PREFIXES:
                    batch.delete(identity_item(f"IDENTITY#{key}", f"{prefix}{customer_id}"))
        with TransactWrite(connection=_connection(), client_request_token=str(uuid.uuid4())) as transaction:
            transaction.delete(customer_item(f"CUSTOMER#{customer_id}", PROFILE))
            if stored.counted_segment:
                _adjust_base(transaction, customer_id, stored.counted_segment, -1)
        return 1 + len(identity_keys) + len(linked)

    def mark_erased(self, keys: Sequence[str], until: int) -> None:
        """Erasure markers (hashed, so they hold no personal data) that consumers check until `until`."""
        _, identity_item = customer_models()
        with identity_item.batch_write() as batch:
            for key in keys:
                batch.save(identity_item(f"ERASED#{erasure_hash(key)}", "MARKER", customer_id="", expires_at=until))

    def erased(self, keys: Sequence[str], now: int) -> bool:
        if not keys:
            return False
        _, identity_item = customer_models()
        wanted = [(f"ERASED#{erasure_hash(key)}", "MARKER") for key in keys]
        return any((item.expires_at or 0) > now for item in identity_item.batch_get(wanted))


class DynamoReviewList:
    """Held posts under one partition (REVIEW), with a pointer in each candidate's partition."""

    def hold(self, post_key: str, created_at: str, candidates: Sequence[dict]) -> None:
        _, identity_item = customer_models()
        with identity_item.batch_write() as batch:
            batch.save(identity_item("REVIEW", post_key, customer_id="", details=json.dumps(
                {"created_at": created_at, "candidates": list(candidates)})))
            for candidate in candidates:
                batch.save(identity_item(f"CUSTOMER#{candidate['customer_id']}", f"REVIEW#{post_key}",
                                         customer_id=candidate["customer_id"]))

    def release(self, post_key: str) -> None:
        _, identity_item = customer_models()
        try:
            held = identity_item.get("REVIEW", post_key, consistent_read=True)
        except DoesNotExist:
            return
        with identity_item.batch_write() as batch:
            for candidate in json.loads(held.details or "{}").get("candidates", []):
                batch.delete(identity_item(f"CUSTOMER#{candidate['customer_id']}", f"REVIEW#{post_key}"))
            batch.delete(held)

    def pending(self, limit: int) -> list[dict[str, Any]]:
        _, identity_item = customer_models()
        return [{"post_key": item.sk, **json.loads(item.details or "{}")}
                for item in identity_item.query("REVIEW", limit=limit)]

    def for_customer(self, customer_id: str) -> list[str]:
        _, identity_item = customer_models()
        query = identity_item.query(f"CUSTOMER#{customer_id}", identity_item.sk.startswith("REVIEW#"))
        return [item.sk.removeprefix("REVIEW#") for item in query]


class DynamoLinkCodes:
    def save(self, code_hash: str, customer_id: str, expires_at: int) -> None:
        _, identity_item = customer_models()
        with identity_item.batch_write() as batch:
            batch.save(identity_item(f"CODE#{code_hash}", "CODE", customer_id=customer_id, expires_at=expires_at))
            batch.save(identity_item(f"CUSTOMER#{customer_id}", f"CODE#{code_hash}", customer_id=customer_id,
                                     expires_at=expires_at))

    def redeem(self, code_hash: str, now: int) -> str | None:
        _, identity_item = customer_models()
        code = identity_item(f"CODE#{code_hash}", "CODE")
        try:
            code.update(actions=[identity_item.used_at.set(now)],
                        condition=identity_item.pk.exists() & identity_item.used_at.does_not_exist()
                        & (identity_item.expires_at > now))
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return code.customer_id

    def forget_customer(self, customer_id: str) -> int:
        _, identity_item = customer_models()
        pointers = list(identity_item.query(f"CUSTOMER#{customer_id}", identity_item.sk.startswith("CODE#")))
        with identity_item.batch_write() as batch:
            for pointer in pointers:
                batch.delete(identity_item(pointer.sk, "CODE"))
                batch.delete(pointer)
        return len(pointers)


class DynamoTombstones:
    """TOMBSTONE#<HMAC-SHA256 of the customer id> / TOMBSTONE, no TTL: the only thing kept of an erased customer.

    The key lives in Secrets Manager, so the table alone cannot tell whether a given customer id was erased."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _item(self, customer_id: str) -> Any:
        import hmac

        _, identity_item = customer_models()
        digest = hmac.new(self._key, f"customer:{customer_id}".encode(), hashlib.sha256).hexdigest()
        return identity_item(f"TOMBSTONE#{digest}", "TOMBSTONE", customer_id="")

    def erased_on(self, customer_id: str) -> str | None:
        wanted = self._item(customer_id)
        try:
            found = type(wanted).get(wanted.pk, wanted.sk, consistent_read=True)
        except DoesNotExist:
            return None
        return json.loads(found.details or "{}").get("erased_on") or "an earlier day"

    def bury(self, customer_id: str, day: str) -> None:
        item = self._item(customer_id)
        item.details = json.dumps({"erased_on": day})
        item.save()

    def lift(self, customer_id: str) -> None:
        self._item(customer_id).delete()


def erasure_hash(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


def _post_view(item: Any) -> dict[str, Any]:
    return {
        "post_key": item.pk,
        "platform": item.platform,
        "kind": item.kind,
        "text": item.text,
        "sentiment": item.sentiment,
        "created_at": item.created_at,
        "url": item.url,
        "customer_id": item.customer_id,
        "match_key": item.match_key,
        "status": item.status,
        "author_key": item.author_key,
        "author_handle_key": item.author_handle_key,
        "author_name": item.author_name,
        "match_status": item.match_status or ("linked" if item.customer_id else "unmatched"),
        "match_score": int(item.match_score or 0),
        "evidence": json.loads(item.evidence or "[]"),
        "match_basis": item.match_basis,
        "author_role": item.author_role or "public",
        "answered_at": item.answered_at,
    }


def _condition_failed(error: TransactWriteError) -> bool:
    """Whether the transaction was cancelled because its first item's condition failed."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return bool(reasons) and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"


def _epoch(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def _live(item: Any, now: float) -> bool:
    """DynamoDB deletes expired items within days, not at once: reads must ignore them meanwhile."""
    return item.expires_at is None or item.expires_at > now


class DynamoPostRepository:
    """Posts, kept `retention_days` after they were written (TTL `expires_at`); reads ignore expired ones."""

    def __init__(self, retention_days: int | None = None, clock=None) -> None:
        import time

        self.retention_seconds = retention_days * 86400 if retention_days else None
        self.clock = clock or time.time

    def store_new(self, analyzed: AnalyzedPost, counters: dict[str, int], hour: str, shard: int) -> bool:
        post_item = post_model()
        counter_item, _ = metrics_models()
        post = analyzed.post
        author = post.author
        item = post_item(
            post.key,
            platform=post.platform,
            post_id=post.post_id,
            kind=post.kind,
            source=post.source or None,
            author_key=identity.primary_author_key(author),
            author_handle_key=identity.indexed_handle_key(author),
            author_name=author.name,
            text=post.text,
            created_at=post.created_at,
            url=post.url,
            reply_to=post.reply_to,
            sentiment=analyzed.sentiment,
            sentiment_score=analyzed.sentiment_score,
            customer_id=analyzed.customer_id,
            match_key=analyzed.match_key,
            match_status="linked" if analyzed.customer_id else ("candidate" if analyzed.candidates else "unmatched"),
            match_score=analyzed.match_score,
            evidence=json.dumps(list(analyzed.evidence)),
            match_basis=analyzed.match_basis,
            author_role=analyzed.role,
            expires_at=_epoch(post.created_at) + self.retention_seconds if self.retention_seconds else None,
        )
        try:
            # The token makes the SDK's own retry of this request (say, after a lost response) succeed
            # instead of failing its condition: False then always means another call stored the post.
            with TransactWrite(connection=_connection(), client_request_token=str(uuid.uuid4())) as transaction:
                transaction.save(item, condition=post_item.pk.does_not_exist())
                for name, amount in sorted(counters.items()):
                    counter = counter_item(f"COUNTER#{hour}", f"{name}#{shard}")
                    transaction.update(counter, actions=[counter_item.value.add(amount)])
        except TransactWriteError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def mark_answered(self, post_key: str, answered_at: str, counters: dict[str, int], hour: str,
                      shard: int) -> bool:
        """The first official reply, recorded and counted in one transaction (a second one changes nothing)."""
        post_item = post_model()
        counter_item, _ = metrics_models()
        try:
            with TransactWrite(connection=_connection(), client_request_token=str(uuid.uuid4())) as transaction:
                transaction.update(post_item(post_key), actions=[post_item.answered_at.set(answered_at)],
                                   condition=post_item.pk.exists() & post_item.answered_at.does_not_exist())
                for name, amount in sorted(counters.items()):
                    transaction.update(counter_item(f"COUNTER#{hour}", f"{name}#{shard}"),
                                       actions=[counter_item.value.add(amount)])
        except TransactWriteError as error:
            if _condition_failed(error):
                return False
            raise
        return True

    def get_state(self, post_key: str) -> dict[str, Any] | None:
        try:
            item = post_model().get(post_key, consistent_read=True)
        except DoesNotExist:
            return None
        return _post_view(item) if _live(item, self.clock()) else None

    def update_text(self, post_key: str, text: str, sentiment: str, score: float) -> None:
        post_item = post_model()
        post_item(post_key).update(actions=[post_item.text.set(text), post_item.sentiment.set(sentiment),
                                            post_item.sentiment_score.set(score)])

    def delete(self, post_key: str) -> None:
        post_model()(post_key).delete()

    def mark_done(self, post_key: str) -> None:
        post_item = post_model()
        post_item(post_key).update(actions=[post_item.status.set("done")])

    def recent_for_customer(self, customer_id: str, limit: int) -> list[dict[str, Any]]:
        query = post_model().by_customer.query(customer_id, scan_index_forward=False, limit=limit)
        now = self.clock()
        return [_post_view(item) for item in query if _live(item, now)]

    def keys_for_customer(self, customer_id: str) -> list[str]:
        return [item.pk for item in post_model().by_customer.query(customer_id)]

    def keys_by_author(self, author_key: str) -> list[str]:
        post_item = post_model()
        index = post_item.by_author_handle if author_key.startswith("handle:") else post_item.by_author
        return [item.pk for item in index.query(author_key)]

    def link(self, post_key: str, customer_id: str | None, match_key: str | None, *, evidence: Sequence[str] = (),
             score: int = 0, status: str | None = None, basis: str | None = None) -> dict[str, Any] | None:
        post_item = post_model()
        before = self.get_state(post_key)
        if before is None:
            return None
        status = status or ("linked" if customer_id else "unmatched")
        actions = [post_item.match_status.set(status), post_item.match_score.set(score),
                   post_item.evidence.set(json.dumps(list(evidence)))]
        if customer_id is None:
            actions += [post_item.customer_id.remove(), post_item.match_key.remove(), post_item.match_basis.remove()]
        else:
            actions += [post_item.customer_id.set(customer_id), post_item.match_key.set(match_key or ""),
                        post_item.match_basis.set(basis or "")]
        post_item(post_key).update(actions=actions)
        return before


class DynamoCardStore:
    def put(self, lookup_keys: Sequence[str], card: dict[str, Any]) -> None:
        card_item = card_model()
        body = json.dumps(card, ensure_ascii=False, separators=(",", ":"))
        with card_item.batch_write() as batch:
            for key in lookup_keys:
                batch.save(card_item(key, customer_id=card.get("customer_id") or "", card=body,
                                     updated_at=card["updated_at"]))

    def delete(self, lookup_keys: Sequence[str]) -> None:
        card_item = card_model()
        with card_item.batch_write() as batch:
            for key in lookup_keys:
                batch.delete(card_item(key))


def _sum_shards(partition: str) -> dict[str, int]:
    """One Query of a counter partition: its size is bounded by counters x shards, not by posts."""
    counter_item, _ = metrics_models()
    totals: dict[str, int] = {}
    for item in counter_item.query(partition):
        name = item.sk.rsplit("#", 1)[0]
        totals[name] = totals.get(name, 0) + int(item.value)
    return totals


def _rollup_kind(period: str) -> str:
    return "HOURLY" if "T" in period else "DAILY"


class DynamoCounterStore:
    def read_hour(self, hour: str) -> dict[str, int]:
        return _sum_shards(f"COUNTER#{hour}")

    def read_base(self) -> dict[str, int]:
        return {name: value for name, value in _sum_shards(BASE_PARTITION).items() if value}

    def stored_rollup(self, period: str) -> dict[str, float] | None:
        _, rollup_item = metrics_models()
        try:
            return json.loads(rollup_item.get(f"ROLLUP#{period}", _rollup_kind(period), consistent_read=True).figures)
        except DoesNotExist:
            return None

    def save_rollup(self, period: str, figures: dict[str, float]) -> None:
        _, rollup_item = metrics_models()
        rollup_item(f"ROLLUP#{period}", _rollup_kind(period), figures=json.dumps(figures, sort_keys=True)).save()


class DynamoLedger:
    """First sightings (hashed markers with a TTL, sharded partitions) and governance notes, in MetricsTable."""

    def count_first(self, markers: Sequence[tuple[str, str]], hour: str, shard: int, expires_at: int) -> int:
        counter_item, rollup_item = metrics_models()
        counted = 0
        for marker, counter in markers:
            seen = rollup_item(f"SEEN#{hour[:10]}#{int(marker[:8], 16) % MARKER_SHARDS}", marker, figures="",
                               expires_at=expires_at)
            try:
                with TransactWrite(connection=_connection(), client_request_token=str(uuid.uuid4())) as transaction:
                    transaction.save(seen, condition=rollup_item.pk.does_not_exist())
                    transaction.update(counter_item(f"COUNTER#{hour}", f"{counter}#{shard}"),
                                       actions=[counter_item.value.add(1)])
            except TransactWriteError as error:
                if _condition_failed(error):
                    continue
                raise
            counted += 1
        return counted

    def note_for_review(self, day: str, post_key: str, role: str, platform: str, expires_at: int) -> None:
        _, rollup_item = metrics_models()
        rollup_item(f"GOVERNANCE#{day}", post_key, figures=json.dumps({"role": role, "platform": platform}),
                    expires_at=expires_at).save()


@cache
def source_state_model() -> type[Model]:
    class SourceStateItem(Model):
        Meta = _meta("sources")
        pk = UnicodeAttribute(hash_key=True)  # source id, e.g. reddit:search:acme
        state = UnicodeAttribute(default="{}")  # JSON: {"high": ..., "pending": ...}

    return SourceStateItem


class DynamoSourceStateStore:
    """Watermarks of polled sources: one item per source, read and written by key."""

    def load(self, source_id: str) -> dict[str, Any]:
        try:
            return json.loads(source_state_model().get(source_id).state)
        except DoesNotExist:
            return {}

    def save(self, source_id: str, state: dict[str, Any]) -> None:
        source_state_model()(pk=source_id, state=json.dumps(state, separators=(",", ":"))).save()


@cache
def contact_state_model() -> type[Model]:
    class ContactStateItem(Model):
        Meta = _meta("contact_state")
        pk = UnicodeAttribute(hash_key=True)  # TASK#<customer id>
        push_id = UnicodeAttribute()
        expires_at = NumberAttribute()  # epoch seconds; also the table's TTL attribute

    return ContactStateItem


class DynamoTaskWindow:
    """One open task per customer per window, claimed with a conditional write (no read first)."""

    def claim(self, customer_id: str, push_id: str, until: int, now: int) -> bool:
        from pynamodb.exceptions import PutError

        model = contact_state_model()
        item = model(pk=f"TASK#{customer_id}", push_id=push_id, expires_at=until)
        try:
            item.save(condition=model.pk.does_not_exist() | (model.expires_at < now) | (model.push_id == push_id))
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True


class DynamoDeliveryLog:
    """Which connector took which push: PUSHED#<push id>#<connector>, kept as long as the push queue
    keeps a message (14 days), so no copy of a delivered push is sent again."""

    def __init__(self, keep_seconds: int = 14 * 86400, clock=None) -> None:
        import time

        self.keep_seconds = keep_seconds
        self.clock = clock or time.time

    def delivered(self, push_id: str, connector: str) -> bool:
        try:
            item = contact_state_model().get(f"PUSHED#{push_id}#{connector}", consistent_read=True)
        except DoesNotExist:
            return False
        return item.expires_at > self.clock()

    def record(self, push_id: str, connector: str) -> bool:
        item = contact_state_model()(pk=f"PUSHED#{push_id}#{connector}", push_id=push_id,
                                     expires_at=int(self.clock()) + self.keep_seconds)
        try:
            item.save()
        except PynamoDBException:  # the push went through: failing now would only send it again
            return False
        return True


class DynamoContactState:
    def forget(self, customer_id: str) -> int:
        try:
            contact_state_model().get(f"TASK#{customer_id}").delete()
        except DoesNotExist:
            return 0
        return 1
