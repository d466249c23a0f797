"""CardsTable: one copy of a customer's card (or a shared-key marker) per lookup key."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from socialcrm.adapters.dynamo.tables import bind, put_unless_refused


class CardItem(Model):
    pk = UnicodeAttribute(hash_key=True)  # PHONE#<e164> | CUSTOMER#<id> | EMAIL#<email> (socialcrm.cards)
    customer_id = UnicodeAttribute()
    card = UnicodeAttribute()  # JSON, read as is by the lookup
    updated_at = UnicodeAttribute()


class DynamoCardStore:
    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def put(self, lookup_keys: Sequence[str], card: dict[str, Any]) -> None:
        card_item = bind(CardItem, self.table_name)
        body = json.dumps(card, ensure_ascii=False, separators=(",", ":"))
        with card_item.batch_write() as batch:
            for key in lookup_keys:
                batch.save(card_item(key, customer_id=card.get("customer_id") or "", card=body,
                                     updated_at=card["updated_at"]))

    def put_in_place(self, customer_key: str, own_keys: Sequence[str], card: dict[str, Any]) -> bool:
        """One PutItem per key: the customer key as it is, each phone and email key on the condition that it holds
        this customer's card; a refused write returns what the key holds (nothing: it was never placed)."""
        card_item = bind(CardItem, self.table_name)
        customer_id = card["customer_id"]
        body = json.dumps(card, ensure_ascii=False, separators=(",", ":"))
        card_item(customer_key, customer_id=customer_id, card=body, updated_at=card["updated_at"]).save()
        placed = True
        for key in own_keys:
            item = card_item(key, customer_id=customer_id, card=body, updated_at=card["updated_at"])
            refused = put_unless_refused(item, card_item.customer_id == customer_id)
            if refused is not None:
                # shared, or another customer's: left to whoever changed its holders; nothing (or an endpoint
                # that does not say): placed from the holders
                placed = placed and refused.held is not None
        return placed

    def delete(self, lookup_keys: Sequence[str]) -> None:
        card_item = bind(CardItem, self.table_name)
        with card_item.batch_write() as batch:
            for key in lookup_keys:
                batch.delete(card_item(key))
