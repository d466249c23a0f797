"""CardsTable: one copy of a customer's card (or a shared-key marker) per lookup key."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from socialcrm.adapters.dynamo.tables import bind


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

    def delete(self, lookup_keys: Sequence[str]) -> None:
        card_item = bind(CardItem, self.table_name)
        with card_item.batch_write() as batch:
            for key in lookup_keys:
                batch.delete(card_item(key))
