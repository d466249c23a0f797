"""MetricsTable: sharded hour counters, the customer base, first-sighting markers, governance notes, rollups, and
what answering is worth (ASKED / CALLED facts, answer_worth.py)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from socialcrm import answer_worth
from socialcrm.adapters.dynamo import keys
from socialcrm.adapters.dynamo.tables import bind, condition_failed, connection
from socialcrm.model import PostKey


class CounterItem(Model):
    """COUNTER#<hour> / <counter>#<shard>, and BASE / Customers|Segment=<s>#<shard>."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    value = NumberAttribute(default=0)


class RollupItem(Model):
    """ROLLUP#<hour> / HOURLY, ROLLUP#<day> / DAILY: the figures published for the period."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    figures = UnicodeAttribute()  # JSON {name: value}


class SeenMarkerItem(Model):
    """SEEN#<day>#<n> / <sha256 marker>: a first sighting, counted once (TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute(null=True)


class GovernanceNoteItem(Model):
    """GOVERNANCE#<day> / <post key>: a reply from an employee or an account posing as the brand (TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    figures = UnicodeAttribute()  # JSON {role, platform} (the attribute name of the items written so far)
    expires_at = NumberAttribute(null=True)


class AskedItem(Model):
    """ASKED#<day>#<n> / <marker>: a customer of the day's cohort (answer_worth.py; TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    first_post_at = UnicodeAttribute(null=True)  # absent until the post is noted (an answer can come first)
    answered = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class CalledItem(Model):
    """CALLED#<day> / <marker>: the first and last call of the day of a customer who had just posted (TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    previous = UnicodeAttribute()
    first_call_at = UnicodeAttribute()
    last_call_at = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)


def add_counters(transaction: TransactWrite, table_name: str, hour: str, shard: int,
                 counters: dict[str, int]) -> None:
    """Add each counter of the hour, in one shard, as part of the transaction."""
    counter_item = bind(CounterItem, table_name)
    for name, amount in sorted(counters.items()):
        transaction.update(counter_item(keys.counter_partition(hour), keys.counter_sort_key(name, shard)),
                           actions=[counter_item.value.add(amount)])


def adjust_base(transaction: TransactWrite, table_name: str, customer_id: str, segment: str, amount: int) -> None:
    """Count the customer in (or out of) their segment of the customer base, as part of the transaction."""
    counter_item = bind(CounterItem, table_name)
    transaction.update(counter_item(keys.BASE_PARTITION, keys.base_sort_key(segment, customer_id)),
                       actions=[counter_item.value.add(amount)])


class DynamoCounterStore:
    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def _sum_shards(self, partition: str) -> dict[str, int]:
        """One Query of a counter partition: its size is bounded by counters x shards, not by posts."""
        totals: dict[str, int] = {}
        for item in bind(CounterItem, self.table_name).query(partition):
            name = keys.counter_name(item.sk)
            totals[name] = totals.get(name, 0) + int(item.value)
        return totals

    def read_hour(self, hour: str) -> dict[str, int]:
        return self._sum_shards(keys.counter_partition(hour))

    def read_base(self) -> dict[str, int]:
        return {name: value for name, value in self._sum_shards(keys.BASE_PARTITION).items() if value}

    def stored_rollup(self, period: str) -> dict[str, float] | None:
        rollup_item = bind(RollupItem, self.table_name)
        try:
            item = rollup_item.get(keys.rollup_partition(period), keys.rollup_kind(period), consistent_read=True)
        except DoesNotExist:
            return None
        figures: dict[str, float] = json.loads(item.figures)
        return figures

    def save_rollup(self, period: str, figures: dict[str, float]) -> None:
        rollup_item = bind(RollupItem, self.table_name)
        rollup_item(keys.rollup_partition(period), keys.rollup_kind(period),
                    figures=json.dumps(figures, sort_keys=True)).save()

    def read_cohort(self, day: str) -> answer_worth.CohortFacts:
        """One Query per ASKED partition of the day, one of CALLED for the day and for the next."""
        asked = tuple(answer_worth.Asked(item.sk, item.first_post_at, bool(item.answered))
                      for partition in keys.asked_partitions(day)
                      for item in bind(AskedItem, self.table_name).query(partition, consistent_read=True)
                      if item.first_post_at)
        return answer_worth.CohortFacts(asked, self._calls(day), self._calls(answer_worth.day_after(day)))

    def _calls(self, day: str) -> tuple[answer_worth.Called, ...]:
        return tuple(answer_worth.Called(item.sk, item.previous, item.first_call_at, item.last_call_at)
                     for item in bind(CalledItem, self.table_name).query(keys.called_partition(day),
                                                                         consistent_read=True))


class DynamoLedger:
    """First sightings (hashed markers with a TTL, sharded partitions) and governance notes, in MetricsTable."""

    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def count_first(self, markers: Sequence[tuple[str, str]], hour: str, shard: int, expires_at: int) -> int:
        seen_item = bind(SeenMarkerItem, self.table_name)
        counted = 0
        for marker, counter in markers:
            seen = seen_item(keys.seen_partition(hour[:10], marker), marker, expires_at=expires_at)
            try:
                with TransactWrite(connection=connection(), client_request_token=str(uuid.uuid4())) as transaction:
                    transaction.save(seen, condition=seen_item.pk.does_not_exist())
                    add_counters(transaction, self.table_name, hour, shard, {counter: 1})
            except TransactWriteError as error:
                if condition_failed(error):
                    continue
                raise
            counted += 1
        return counted

    def note_for_review(self, day: str, post_key: PostKey, role: str, platform: str, expires_at: int) -> None:
        note_item = bind(GovernanceNoteItem, self.table_name)
        note = json.dumps({"role": role, "platform": platform})
        note_item(keys.governance_partition(day), post_key.text, figures=note, expires_at=expires_at).save()

    def note_asked(self, day: str, customer_id: str, posted_at: str, expires_at: int) -> None:
        asked_item = bind(AskedItem, self.table_name)
        marker = answer_worth.marker(day, customer_id)
        try:
            asked_item(keys.asked_partition(day, marker), marker).update(
                actions=[asked_item.first_post_at.set(posted_at), asked_item.expires_at.set(expires_at)],
                condition=asked_item.first_post_at.does_not_exist() | (asked_item.first_post_at > posted_at))
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise  # an earlier post of the day is kept

    def note_answered(self, day: str, customer_id: str, expires_at: int) -> None:
        asked_item = bind(AskedItem, self.table_name)
        marker = answer_worth.marker(day, customer_id)
        asked_item(keys.asked_partition(day, marker), marker).update(
            actions=[asked_item.answered.set(1), asked_item.expires_at.set(expires_at)])
