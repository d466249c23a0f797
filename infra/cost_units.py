"""How AWS bills the requests `make cost` counts: DynamoDB item sizes and request units, SQS 64 KB chunks.

DynamoDB (developer guide, "Item sizes and formats", "Read/write capacity mode", "Managing capacity for
transactions", "Global secondary indexes: provisioned throughput considerations"):
- an item's size is the UTF-8 length of its attribute names plus the size of each value: a string its UTF-8
  bytes, a number 1 byte per two significant digits plus 1, binary its bytes, a boolean or null 1, a list or
  map 3 bytes plus 1 byte per element plus the elements (a map's keys count as names), a set its elements;
- a write costs 1 WRU per started KB of the larger of the item before and after it (a delete: the item
  before; at least 1 WRU, a refused conditional write too); inside TransactWriteItems every action costs
  twice that, a ConditionCheck included;
- a read costs 1 RRU per started 4 KB, half when eventually consistent (a GSI is always eventually
  consistent); a Query sums the sizes of the items it reads before rounding; TransactGetItems costs twice;
- every GSI whose entry an item write changes costs its own WRU from the size of the entry (table key, index
  key and projected attributes): a new or removed entry 1 write, a changed key 2 (remove and put), changed
  projected attributes 1, nothing when the entry is unchanged. Index writes are not doubled by a transaction.
- storage counts 100 bytes of overhead per item and per index entry.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

KB = 1024
READ_BLOCK = 4 * KB
SQS_CHUNK = 64 * KB
STORAGE_OVERHEAD = 100

AttributeValue = Mapping[str, Any]  # {"S": "..."}, {"N": "12"}, {"M": {...}}, ... (the low-level API's shape)
Item = Mapping[str, AttributeValue]


def number_size(text: str) -> int:
    """Bytes of a DynamoDB number: 1 byte per two significant digits, plus 1."""
    mantissa = text.strip().lstrip("+-").lower().split("e")[0].replace(".", "")
    digits = mantissa.lstrip("0").rstrip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: AttributeValue) -> int:
    (kind, content), = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        return number_size(content)
    if kind == "B":
        return len(content if isinstance(content, bytes) else base64.b64decode(content))
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(text.encode()) for text in content)
    if kind == "NS":
        return sum(number_size(text) for text in content)
    if kind == "BS":
        return sum(value_size({"B": blob}) for blob in content)
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in content)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(element) for name, element in content.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: Item | None) -> int:
    """Bytes DynamoDB bills for an item (0 for no item)."""
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def write_units(size: int) -> int:
    """WRU of one standard write of an item of `size` bytes (at least 1)."""
    return max(1, math.ceil(size / KB))


def read_units(size: int, consistent: bool) -> float:
    """RRU of reading `size` bytes in one request (at least one block)."""
    blocks = max(1, math.ceil(size / READ_BLOCK))
    return float(blocks) if consistent else blocks / 2


@dataclass(frozen=True)
class Index:
    """A GSI: its key attributes and what it projects (ALL, KEYS_ONLY or INCLUDE with `included`)."""

    name: str
    keys: tuple[str, ...]
    projection: str
    included: tuple[str, ...] = ()

    def entry(self, item: Item | None, table_keys: tuple[str, ...]) -> dict[str, AttributeValue] | None:
        """The index entry of `item`, or None when the item is not in the index (a key attribute is missing)."""
        if not item or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        kept = {*table_keys, *self.keys, *(self.included if self.projection == "INCLUDE" else ())}
        return {name: value for name, value in item.items() if name in kept}


def index_write_units(index: Index, table_keys: tuple[str, ...], before: Item | None, after: Item | None) -> int:
    """WRU an item write costs one GSI."""
    old, new = index.entry(before, table_keys), index.entry(after, table_keys)
    if old is None and new is None:
        return 0
    if old is None or new is None:
        return write_units(item_size(old if new is None else new))
    if any(old[key] != new[key] for key in index.keys):
        return write_units(item_size(old)) + write_units(item_size(new))
    return write_units(item_size(new)) if old != new else 0


def item_write_units(before: Item | None, after: Item | None, transactional: bool = False,
                     requested: Item | None = None) -> int:
    """WRU of the table write itself (`requested`: a put's item, which counts even when its condition fails)."""
    units = write_units(max(item_size(before), item_size(after), item_size(requested)))
    return units * 2 if transactional else units


def storage_bytes(item: Item, indexes: tuple[Index, ...], table_keys: tuple[str, ...]) -> int:
    """Bytes an item occupies with its index entries, overheads included."""
    total = item_size(item) + STORAGE_OVERHEAD
    for index in indexes:
        entry = index.entry(item, table_keys)
        if entry is not None:
            total += item_size(entry) + STORAGE_OVERHEAD
    return total


def sqs_requests(payload_bytes: int) -> int:
    """Billed SQS requests for one API call carrying `payload_bytes` (each started 64 KB chunk is one)."""
    return max(1, math.ceil(payload_bytes / SQS_CHUNK))
