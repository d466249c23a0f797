"""The bulk import of a CRM export: the per-record sync's guarantees, with its writes batched (docs/operations.md).

Per batch of records:
1. each record is validated as the sync validates it (a bad one is rejected alone, unusable entries dropped);
2. tombstones of all of them in batched reads: an erased customer is refused unless "returning";
3. their stored records in batched reads: a new one is created with everything it needs in a transaction shared
   with about ten others (record, identity items, count in the base, cards; the phone and email cards only where
   no card is stored yet); a stored one that is the same is left as it is;
4. posts already captured from their accounts are found through the author indexes and matched again.
What would need the careful path (a changed record, a returning one, a customer id twice in the batch, a phone or
email card already stored, which may be someone else's) goes through the per-record sync, record by record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from socialcrm.card_refresh import contact_keys, refresh_cards
from socialcrm.cards import build_card, customer_lookup_key, shared_marker
from socialcrm.customers import (
    Dropped,
    Rejected,
    SyncDeps,
    SyncResult,
    _author_key,
    _refuse_the_erased,
    _returning,
    apply_customer,
    parse_customer,
)
from socialcrm.errors import InvalidRecord
from socialcrm.linking import rematch
from socialcrm.model import Customer, PostKey, utc_iso
from socialcrm.ports import NewRecord

MAX_RECORDS_PER_IMPORT = 500  # per invocation: a few seconds of work, well inside the function's timeout
AUTHOR_LOOKUPS_IN_PARALLEL = 8


@dataclass(frozen=True)
class ImportResult(SyncResult):
    created: int = 0  # new records written in the shared transactions
    unchanged: int = 0  # stored records that were already the same
    careful: int = 0  # records that went through the per-record sync


@dataclass(frozen=True)
class _Parsed:
    index: int
    customer: Customer
    returning: bool
    dropped: tuple[Dropped, ...]


def same_record(stored: Customer, customer: Customer) -> bool:
    """Whether the stored record already says what the CRM sends (links learned beyond the record aside)."""
    return replace(stored, linked_keys=(), identity_keys=tuple(sorted(stored.identity_keys))) == replace(
        customer, linked_keys=(), identity_keys=tuple(sorted(customer.identity_keys)))


def import_customers(records: Any, deps: SyncDeps) -> ImportResult:
    """Upsert each usable record of the batch as sync_customers would, with a handful of requests per batch."""
    if deps.bulk is None:
        raise ValueError("the bulk import needs SyncDeps.bulk")
    if not isinstance(records, list):
        raise InvalidRecord("customers", "must be a list of customer records")
    if len(records) > MAX_RECORDS_PER_IMPORT:
        raise InvalidRecord("customers", f"has {len(records)} records, more than {MAX_RECORDS_PER_IMPORT} per call")
    rejected: list[Rejected] = []
    parsed: list[_Parsed] = []
    for index, record in enumerate(records):
        dropped: list[InvalidRecord] = []
        try:
            customer = parse_customer(record, deps.default_region, dropped)
            returning = _returning(record)
        except InvalidRecord as error:
            rejected.append(Rejected(index, error.message))
            continue
        parsed.append(_Parsed(index, customer, returning, tuple(
            Dropped(index, problem.field, f"{problem.problem}; dropped") for problem in dropped)))

    erased = deps.tombstones.erased_on_many([p.customer.customer_id for p in parsed]) if deps.tombstones else {}
    times = Counter(p.customer.customer_id for p in parsed)
    batched: list[_Parsed] = []
    careful: list[_Parsed] = []  # through the per-record sync
    for item in parsed:
        customer_id = item.customer.customer_id
        (careful if customer_id in erased or times[customer_id] > 1 else batched).append(item)

    stored = deps.bulk.records([item.customer.customer_id for item in batched])
    new: list[_Parsed] = []
    unchanged: list[_Parsed] = []
    for item in batched:
        previous = stored.get(item.customer.customer_id)
        if previous is None:
            new.append(item)
        elif same_record(previous, item.customer):
            unchanged.append(item)
        else:
            careful.append(item)

    now = deps.clock()
    refused = _create(new, deps, utc_iso(now))
    created = [item for item in new if item.customer.customer_id not in refused]
    careful += [item for item in new if item.customer.customer_id in refused]

    _link_earlier_posts([item.customer for item in (*created, *unchanged)], deps)
    applied: list[_Parsed] = []
    for item in sorted(careful, key=lambda p: p.index):  # as sync_customers does it, record by record
        try:
            if item.customer.customer_id in erased:
                _refuse_the_erased(item.customer.customer_id, item.returning, deps)  # refuses, or lifts it
        except InvalidRecord as error:
            rejected.append(Rejected(item.index, error.message))
            continue
        apply_customer(item.customer, deps)
        applied.append(item)

    upserted = [*created, *unchanged, *applied]
    warnings = sorted((d for item in upserted for d in item.dropped), key=lambda d: d.index)
    return ImportResult(len(upserted), tuple(sorted(rejected, key=lambda r: r.index or 0)), tuple(warnings),
                        created=len(created), unchanged=len(unchanged), careful=len(applied))


def _create(new: Sequence[_Parsed], deps: SyncDeps, updated_at: str) -> frozenset[str]:
    """Create the new records; the ids of those left for the careful path."""
    assert deps.bulk is not None  # noqa: S101 (checked by import_customers)
    holders = Counter(card_key for item in new for card_key, _ in contact_keys(item.customer))
    shared_here = sorted(card_key for card_key, count in holders.items() if count > 1)
    entries = [NewRecord(item.customer, build_card(item.customer, [], updated_at),
                         (customer_lookup_key(item.customer.customer_id),),
                         tuple(card_key for card_key, _ in contact_keys(item.customer) if holders[card_key] == 1))
               for item in new]
    refused = deps.bulk.create(entries)
    if shared_here:  # a phone or email on two records of the batch shows nobody, whoever else has it
        deps.cards.put(shared_here, shared_marker(updated_at))
    return refused


def _link_earlier_posts(customers: Sequence[Customer], deps: SyncDeps) -> None:
    """Posts already captured from the customers' accounts, found through the author indexes, matched again;
    the cards of the customers they now belong to are rebuilt."""
    wanted = [(customer.customer_id, key) for customer in customers for key in customer.identity_keys
              if _author_key(key)]
    if not wanted:
        return
    first = deps.posts.keys_by_author(wanted[0][1])  # alone: the SDK client is built on first use, once
    with ThreadPoolExecutor(max_workers=AUTHOR_LOOKUPS_IN_PARALLEL, thread_name_prefix="authors") as pool:
        found = [first, *pool.map(lambda pair: deps.posts.keys_by_author(pair[1]), wanted[1:])]
    post_keys: list[PostKey] = []
    owners: set[str] = set()
    for (customer_id, _), keys in zip(wanted, found, strict=True):
        if keys:
            post_keys += keys
            owners.add(customer_id)
    if post_keys:
        refresh_cards(rematch(list(dict.fromkeys(post_keys)), deps.linking), deps.posts, deps.customers, deps.cards,
                      deps.clock(), also=sorted(owners))
