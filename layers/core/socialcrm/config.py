"""Configuration, read from the environment and validated once per cold start.

Each function asks only for the settings it needs; a missing or malformed one raises
ConfigurationError naming the variable, never a silent default.
"""

from __future__ import annotations

import os
import re
from functools import cache

from socialcrm.errors import ConfigurationError

_REGION = re.compile(r"^[A-Z]{2}$")


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} must be set")
    return value


def optional(name: str, default: str) -> str:
    """For settings with a documented default in template.yaml (never for resources or secrets)."""
    value = os.environ.get(name, "").strip()
    return value or default


def positive_int(name: str, default: int) -> int:
    raw = optional(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, got {value}")
    return value


def phone_region() -> str:
    region = required("DEFAULT_PHONE_REGION").upper()
    if not _REGION.match(region):
        raise ConfigurationError(f"DEFAULT_PHONE_REGION must be a two-letter region code, got {region!r}")
    return region


def choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = optional(name, default).lower()
    if value not in allowed:
        raise ConfigurationError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


@cache
def table_names() -> dict[str, str]:
    """Table names of the tables this function was given, by role."""
    roles = {"customers": "CUSTOMERS_TABLE", "posts": "POSTS_TABLE", "cards": "CARDS_TABLE", "metrics": "METRICS_TABLE",
             "sources": "SOURCE_STATE_TABLE", "contact_state": "CONTACT_STATE_TABLE"}
    return {role: os.environ[var] for role, var in roles.items() if os.environ.get(var)}


def table_name(role: str) -> str:
    names = table_names()
    if role not in names:
        raise ConfigurationError(f"environment variable {role.upper()}_TABLE must be set")
    return names[role]


@cache
def registry():
    """Official and employee accounts, brand names and topic keywords (docs/metrics.md)."""
    from socialcrm.engagement import Registry

    keywords = os.environ.get("TOPIC_KEYWORDS", "")
    if any(ch in keywords for ch in "|=#"):
        raise ConfigurationError("TOPIC_KEYWORDS: keywords must not contain '|', '=' or '#'")
    return Registry.from_settings(os.environ.get("OFFICIAL_ACCOUNTS", ""), os.environ.get("EMPLOYEE_ACCOUNTS", ""),
                                  os.environ.get("BRAND_NAMES", ""), keywords)


def csv_list(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())
