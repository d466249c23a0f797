"""MetricsTable: the processor's per-batch counts and sightings, the customer base, governance notes, rollups, and
what answering is worth (ASKED / CALLED facts, answer_worth.py).

A processor batch writes one item per hour it counts in (`COUNTER#<hour>` / `BATCH#<token>`: the summed counts
and the posts they are for) and one per day it saw voices in (`SEEN#<day>` / `BATCH#<token>`: the hashed
voices of each distinct-count family), with, in the same request, its customers of the day's cohort
(`ASKED#<day>#<n>` / `BATCH#<token>`). Each is written whole with one PutItem and never changed, so writing it
again is harmless; the rollup sums the counts and counts the distinct voices (docs/architecture.md,
"Write path").
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Mapping, Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from socialcrm import answer_worth
from socialcrm.adapters.dynamo import keys
from socialcrm.adapters.dynamo.tables import bind
from socialcrm.metric_counters import first_sightings
from socialcrm.model import PostKey


class CounterItem(Model):
    """COUNTER#<hour> / <counter>#<shard> (hours counted before per-batch items), BASE / Customers|Segment=<s>#<shard>;
    read through it, a per-batch item (BatchCountsItem) shows its `counts`."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    value = NumberAttribute(default=0)
    counts = UnicodeAttribute(null=True)


class RollupItem(Model):
    """ROLLUP#<hour> / HOURLY, ROLLUP#<day> / DAILY: the figures published for the period."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    figures = UnicodeAttribute()  # JSON {name: value}


class BatchCountsItem(Model):
    """COUNTER#<hour> / BATCH#<token>: what one processor batch counted in the hour, and for which posts."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    counts = UnicodeAttribute()  # JSON {counter: amount}
    posts = UnicodeAttribute()  # JSON [keys.counted_post]: the ledger a redelivered post is checked against


class BatchSightingsItem(Model):
    """SEEN#<day> / BATCH#<token>: the voices one batch saw in the day, hashed, by hour and family (TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    seen = UnicodeAttribute()  # JSON {hour: {counter: [marker]}}
    expires_at = NumberAttribute(null=True)


class BatchNotesItem(Model):
    """What a batch writes before its counts, in one BatchWriteItem per day: its sightings (SEEN#<day> /
    BATCH#<token>) and its customers of the day's cohort (ASKED#<day>#<n> / BATCH#<token>, `asked`: {marker: first
    inbound post time in the batch}; TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    seen = UnicodeAttribute(null=True)
    asked = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)


class GovernanceNoteItem(Model):
    """GOVERNANCE#<day> / <post key>: a reply from an employee or an account posing as the brand (TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    figures = UnicodeAttribute()  # JSON {role, platform} (the attribute name of the items written so far)
    expires_at = NumberAttribute(null=True)


class AskedItem(Model):
    """ASKED#<day>#<n> / <marker>: a customer of the day's cohort whose post got an answer (answer_worth.py; TTL);
    under the same partitions, BATCH#<token>: a batch's customers of the day (`asked`, BatchNotesItem)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    first_post_at = UnicodeAttribute(null=True)  # one customer's, written by processors before the batch items
    answered = NumberAttribute(null=True)
    asked = UnicodeAttribute(null=True)  # a batch item's JSON {marker: first inbound post time}
    expires_at = NumberAttribute(null=True)


class CalledItem(Model):
    """CALLED#<day> / <marker>: the first and last call of the day of a customer who had just posted (TTL)."""

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    previous = UnicodeAttribute()
    first_call_at = UnicodeAttribute()
    last_call_at = UnicodeAttribute()
    expires_at = NumberAttribute(null=True)


def adjust_base(transaction: TransactWrite, table_name: str, customer_id: str, segment: str, amount: int) -> None:
    """Count the customer in (or out of) their segment of the customer base, as part of the transaction."""
    counter_item = bind(CounterItem, table_name)
    transaction.update(counter_item(keys.BASE_PARTITION, keys.base_sort_key(segment, customer_id)),
                       actions=[counter_item.value.add(amount)])


class DynamoCounterStore:
    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def _sum_shards(self, partition: str) -> dict[str, int]:
        """One Query of a counter partition: sharded counter items (the customer base, and hours counted before
        the per-batch items) and per-batch items alike."""
        totals: Counter[str] = Counter()
        for item in bind(CounterItem, self.table_name).query(partition):
            if keys.is_batch_sort_key(item.sk):
                totals.update(json.loads(item.counts or "{}"))
            else:
                totals[keys.counter_name(item.sk)] += int(item.value)
        return dict(totals)

    def read_hour(self, hour: str) -> dict[str, int]:
        totals = self._sum_shards(keys.counter_partition(hour))
        totals.update(first_sightings(self._sightings(hour[:10]), hour))
        return totals

    def _sightings(self, day: str) -> list[dict[str, dict[str, list[str]]]]:
        """Every batch's sightings of the day (one Query of SEEN#<day>)."""
        query = bind(BatchSightingsItem, self.table_name).query(keys.sightings_partition(day))
        return [json.loads(item.seen) for item in query]

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
        first: dict[str, str] = {}
        answered: set[str] = set()
        for partition in keys.asked_partitions(day):
            for item in bind(AskedItem, self.table_name).query(partition, consistent_read=True):
                noted = json.loads(item.asked or "{}") if keys.is_batch_sort_key(item.sk) else {}
                if item.first_post_at:  # one customer's item
                    noted[item.sk] = item.first_post_at
                if item.answered:
                    answered.add(item.sk)
                for marker, posted_at in noted.items():
                    first[marker] = min(posted_at, first.get(marker, posted_at))
        asked = tuple(answer_worth.Asked(marker, posted_at, marker in answered)
                      for marker, posted_at in sorted(first.items()))
        return answer_worth.CohortFacts(asked, self._calls(day), self._calls(answer_worth.day_after(day)))

    def _calls(self, day: str) -> tuple[answer_worth.Called, ...]:
        return tuple(answer_worth.Called(item.sk, item.previous, item.first_call_at, item.last_call_at)
                     for item in bind(CalledItem, self.table_name).query(keys.called_partition(day),
                                                                         consistent_read=True))


class DynamoLedger:
    """The processor's per-batch counts and sightings, and governance notes, in MetricsTable."""

    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def record_sightings(self, batch: str, day: str, seen: Mapping[str, Mapping[str, Collection[str]]],
                         expires_at: int, asked: Mapping[str, str] | None = None,
                         asked_expires_at: int | None = None) -> None:
        """One PutItem, or with cohort notes one BatchWriteItem of both items (PynamoDB resends what DynamoDB
        leaves unprocessed, and raises if some is still left)."""
        notes = bind(BatchNotesItem, self.table_name)
        body = json.dumps({hour: {counter: sorted(markers) for counter, markers in sorted(families.items())}
                           for hour, families in sorted(seen.items())}, separators=(",", ":"))
        sightings = notes(keys.sightings_partition(day), keys.batch_sort_key(batch), seen=body, expires_at=expires_at)
        if not asked:
            sightings.save()
            return
        cohort = {answer_worth.marker(day, customer_id): posted_at for customer_id, posted_at in asked.items()}
        with notes.batch_write() as both:
            both.save(sightings)
            both.save(notes(keys.asked_batch_partition(day, batch), keys.batch_sort_key(batch),
                            asked=json.dumps(dict(sorted(cohort.items())), separators=(",", ":")),
                            expires_at=asked_expires_at or expires_at))

    def record_counts(self, batch: str, hour: str, counts: Mapping[str, int], posts: Sequence[PostKey]) -> None:
        counts_item = bind(BatchCountsItem, self.table_name)
        counts_item(keys.counter_partition(hour), keys.batch_sort_key(batch),
                    counts=json.dumps(dict(sorted(counts.items())), separators=(",", ":")),
                    posts=json.dumps(sorted(keys.counted_post(p.text) for p in posts), separators=(",", ":"))).save()

    def counted(self, batch: str, hours: Sequence[str], post_key: PostKey) -> frozenset[str]:
        counts_item = bind(BatchCountsItem, self.table_name)
        wanted = [(keys.counter_partition(hour), keys.batch_sort_key(batch)) for hour in dict.fromkeys(hours)]
        return frozenset(keys.hour_of_counter_partition(item.pk)
                         for item in counts_item.batch_get(wanted, consistent_read=True)
                         if keys.counted_post(post_key.text) in json.loads(item.posts))

    def note_for_review(self, day: str, post_key: PostKey, role: str, platform: str, expires_at: int) -> None:
        note_item = bind(GovernanceNoteItem, self.table_name)
        note = json.dumps({"role": role, "platform": platform})
        note_item(keys.governance_partition(day), post_key.text, figures=note, expires_at=expires_at).save()

    def note_answered(self, day: str, customer_id: str, expires_at: int) -> None:
        asked_item = bind(AskedItem, self.table_name)
        marker = answer_worth.marker(day, customer_id)
        asked_item(keys.asked_partition(day, marker), marker).update(
            actions=[asked_item.answered.set(1), asked_item.expires_at.set(expires_at)])
