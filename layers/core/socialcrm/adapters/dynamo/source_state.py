"""SourceStateTable: the watermark and checkpoint of each polled listing, and the WebSub intents."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from socialcrm.adapters.dynamo.tables import bind


class SourceStateItem(Model):
    pk = UnicodeAttribute(hash_key=True)  # source id (reddit:search:acme) or websub:youtube:<channel>
    state = UnicodeAttribute(default="{}")  # JSON: {"high", "pending"} or {"mode", "expires_at"}


class DynamoSourceStateStore:
    """One item per source, read and written by key."""

    def __init__(self, *, table_name: str) -> None:
        self.table_name = table_name

    def load(self, source_id: str) -> dict[str, Any]:
        try:
            state: dict[str, Any] = json.loads(bind(SourceStateItem, self.table_name).get(source_id).state)
        except DoesNotExist:
            return {}
        return state

    def save(self, source_id: str, state: dict[str, Any]) -> None:
        bind(SourceStateItem, self.table_name)(pk=source_id, state=json.dumps(state, separators=(",", ":"))).save()
