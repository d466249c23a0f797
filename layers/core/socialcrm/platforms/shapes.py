"""Reading platform payloads defensively: every helper names the field at fault in a BadRequest."""

from __future__ import annotations

from typing import Any, Literal, overload

from socialcrm.errors import BadRequest


@overload
def an_id(value: Any, where: str, *, required: Literal[True] = True) -> str: ...


@overload
def an_id(value: Any, where: str, *, required: bool) -> str | None: ...


def an_id(value: Any, where: str, *, required: bool = True) -> str | None:
    """Ids as exact strings: JSON integers arrive as Python ints (never floats, which would round 64-bit ids)."""
    if value is None or value == "":
        if required:
            raise BadRequest(f"{where} missing")
        return None
    if isinstance(value, (bool, float)):
        raise BadRequest(f"{where} is not an id")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise BadRequest(f"{where} is not an id")


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


def optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def an_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"{where} is not an object")
    return value


def object_or_empty(value: Any) -> dict[str, Any]:
    """A nested object that may be absent or of the wrong type: read it as an empty one."""
    return value if isinstance(value, dict) else {}


def a_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest(f"{where} is not a list")
    return value
