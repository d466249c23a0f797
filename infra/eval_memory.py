"""In-memory stores for make eval-matching: identity links, one-time codes, and the review list.

The evaluation runs the production linking path (socialcrm.linking.match_new_post) many thousand times a
second, so it keeps its links in dictionaries instead of DynamoDB. Only what that path calls is here
(infra imports nothing from tests/); `reads` counts the requests DynamoDB would have served. The unit tests'
FakeCustomers (tests/fakes.py) is this directory plus what other use cases call (deletion, erasure, the base).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from socialcrm.model import Customer, IdentityLink, PostKey


class MemoryDirectory:
    """The customers table's identity items: key -> {(customer id, source)} and the records themselves."""

    def __init__(self) -> None:
        self.records: dict[str, Customer] = {}
        self.links: dict[str, set[tuple[str, str]]] = defaultdict(set)
        self.linked_keys: dict[str, set[str]] = defaultdict(set)
        self.reads = 0

    def identity_links(self, identity_key: str, consistent: bool = False) -> list[IdentityLink]:
        self.reads += 1
        return [IdentityLink(customer_id, source) for customer_id, source in sorted(self.links.get(identity_key, ()))]

    def add_link(self, identity_key: str, customer_id: str, source: str) -> None:
        if customer_id in self.records:
            self.links[identity_key].add((customer_id, source))
            self.linked_keys[customer_id].add(identity_key)

    def remove_link(self, identity_key: str, customer_id: str) -> None:
        self.links[identity_key] = {link for link in self.links[identity_key]
                                    if link[0] != customer_id or link[1] == "crm"}

    def get(self, customer_id: str) -> Customer | None:
        record = self.records.get(customer_id)
        return replace(record, linked_keys=tuple(sorted(self.linked_keys[customer_id]))) if record else None

    def get_many(self, customer_ids: Sequence[str]) -> dict[str, Customer]:
        self.reads += 1
        return {c: self.records[c] for c in customer_ids if c in self.records}

    def upsert(self, customer: Customer) -> tuple[str, ...]:
        previous = self.records.get(customer.customer_id)
        old = set(previous.identity_keys) if previous else set()
        for key in old - set(customer.identity_keys):
            self.links[key].discard((customer.customer_id, "crm"))
        for key in customer.identity_keys:
            self.links[key].add((customer.customer_id, "crm"))
        self.records[customer.customer_id] = customer
        return tuple(sorted(old - set(customer.identity_keys)))

    def delete(self, customer_id: str) -> int:
        raise NotImplementedError("the evaluation never deletes a customer")

    def mark_erased(self, keys: Sequence[str], until: int) -> None:
        raise NotImplementedError("the evaluation never erases a customer")

    def erased(self, keys: Sequence[str], now: int) -> bool:
        return False


class MemoryCodes:
    def __init__(self) -> None:
        self.codes: dict[str, tuple[str, int, bool]] = {}  # hash -> (customer id, expires at, used)
        self.reads = 0

    def save(self, code_hash: str, customer_id: str, expires_at: int) -> None:
        self.codes[code_hash] = (customer_id, expires_at, False)

    def redeem(self, code_hash: str, now: int) -> str | None:
        self.reads += 1
        code = self.codes.get(code_hash)
        if code is None or code[2] or code[1] <= now:
            return None
        self.codes[code_hash] = (code[0], code[1], True)
        return code[0]

    def forget_customer(self, customer_id: str) -> int:
        mine = [h for h, code in self.codes.items() if code[0] == customer_id]
        for code_hash in mine:
            del self.codes[code_hash]
        return len(mine)


class MemoryReviews:
    def __init__(self) -> None:
        self.held: dict[PostKey, dict[str, Any]] = {}

    def hold(self, post_key: PostKey, created_at: str, candidates: Sequence[dict[str, Any]]) -> None:
        self.held[post_key] = {"created_at": created_at, "candidates": list(candidates)}

    def release(self, post_key: PostKey) -> None:
        self.held.pop(post_key, None)

    def pending(self, limit: int) -> list[dict[str, Any]]:
        return [{"post_key": key.text, **item} for key, item in list(self.held.items())[:limit]]

    def for_customer(self, customer_id: str) -> list[PostKey]:
        return [key for key, item in self.held.items()
                if any(c["customer_id"] == customer_id for c in item["candidates"])]


class Unused:
    """Stands for a store the linking path of a new post never calls (posts, cards)."""

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"the evaluation does not use {name}")
