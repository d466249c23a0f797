"""DynamoDB adapters, one module per table, modelled with PynamoDB.

Each adapter is given its table name(s) by the composition root (socialcrm.wiring); its model classes are
bound to that name on first use (tables.bind), so importing these modules touches no AWS and reads no settings.
Item key strings: keys.py.
"""

from __future__ import annotations

from socialcrm.adapters.dynamo.cards import DynamoCardStore
from socialcrm.adapters.dynamo.contact_state import DynamoContactState, DynamoDeliveryLog, DynamoTaskWindow
from socialcrm.adapters.dynamo.customers import (
    DynamoCustomerDirectory,
    DynamoLinkCodes,
    DynamoReviewList,
    DynamoTombstones,
)
from socialcrm.adapters.dynamo.metrics import DynamoCounterStore, DynamoLedger
from socialcrm.adapters.dynamo.posts import DynamoPostRepository
from socialcrm.adapters.dynamo.replies import DynamoReplyStore
from socialcrm.adapters.dynamo.source_state import DynamoSourceStateStore

__all__ = [
    "DynamoCardStore", "DynamoContactState", "DynamoCounterStore", "DynamoCustomerDirectory", "DynamoDeliveryLog",
    "DynamoLedger", "DynamoLinkCodes", "DynamoPostRepository", "DynamoReplyStore", "DynamoReviewList",
    "DynamoSourceStateStore", "DynamoTaskWindow", "DynamoTombstones",
]
