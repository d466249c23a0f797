"""What every table adapter shares: models bound to a table name at run time, the transaction connection,
and the few helpers of conditional writes and TTL reads.

A model class is declared once, without a table; `bind(model, table_name)` gives the subclass for one table,
built on first use and cached by table name, so importing the adapters touches no AWS and reads no settings.
"""

from __future__ import annotations

import os
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple, TypeVar, cast

from botocore.exceptions import ClientError
from pynamodb.connection import Connection
from pynamodb.constants import ALL_OLD, ITEM, PUT_ITEM
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.models import Model

M = TypeVar("M", bound=Model)


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def _host() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL") or None


@cache
def _bound(model: type[Model], table_name: str) -> type[Model]:
    meta = type("Meta", (), {
        "table_name": table_name, "region": _region(), "host": _host(), "connect_timeout_seconds": 2,
        "read_timeout_seconds": 5, "max_retry_attempts": 3,
    })
    return type(model.__name__, (model,), {"Meta": meta, "__module__": model.__module__})


def bind(model: type[M], table_name: str) -> type[M]:
    """The model class for the named table (one per model and table name, built on first use)."""
    if not table_name:
        raise ValueError(f"{model.__name__} needs a table name")
    return cast(type[M], _bound(model, table_name))


@cache
def connection() -> Connection:
    """The connection transactions go through (TransactWrite spans tables)."""
    return Connection(region=_region(), host=_host())


def condition_failed(error: TransactWriteError) -> bool:
    """Whether the transaction was cancelled because its first item's condition failed."""
    reasons = getattr(error, "cancellation_reasons", None) or []
    return bool(reasons) and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed"


class Refused(NamedTuple):
    """A conditional PutItem the condition refused, with what the table holds (None: an endpoint that does not say)."""

    held: dict[str, Any] | None


def put_unless_refused(item: Model, condition: Condition) -> Refused | None:
    """One conditional PutItem that asks for the item it collided with (ReturnValuesOnConditionCheckFailure)."""
    args, kwargs = item._get_save_args(condition=condition)
    table = type(item)._get_connection()
    request = table.get_operation_kwargs(next(iter(args)), key=ITEM, attributes=kwargs.get("attributes"),
                                         condition=kwargs.get("condition"),
                                         return_values_on_condition_failure=ALL_OLD)
    try:
        table.connection.dispatch(PUT_ITEM, request)
    except ClientError as error:
        cause = error.__cause__ if isinstance(error.__cause__, ClientError) else error
        if cause.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        return Refused(cast(dict[str, Any], cause.response.get("Item")) or None)
    return None


def live(expires_at: float | None, now: float) -> bool:
    """DynamoDB deletes expired items within days, not at once: reads must ignore them meanwhile."""
    return expires_at is None or expires_at > now


def epoch(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())
