"""Reading the environment: the one place that touches os.environ (socialcrm.settings builds on it).

A missing or malformed variable raises ConfigurationError naming it, never a silent default: defaults live in
template.yaml's parameters. An `Environment` remembers the names it was asked for, so a test can hold each
function's settings to the variables its template.yaml resource declares.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from socialcrm.errors import ConfigurationError

_REGION = re.compile(r"^[A-Z]{2}$")


class Environment:
    """Typed reads of environment variables (os.environ unless a mapping is given), recorded by name."""

    def __init__(self, variables: Mapping[str, str] | None = None) -> None:
        self._variables: Mapping[str, str] = os.environ if variables is None else variables
        self.read: set[str] = set()

    def text(self, name: str) -> str:
        """The value, stripped; "" when unset (for settings whose template default is empty)."""
        self.read.add(name)
        return self._variables.get(name, "").strip()

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            raise ConfigurationError(f"environment variable {name} must be set")
        return value

    def override(self, name: str, default: str) -> str:
        """Only for endpoints the tests and the local stack point elsewhere; never declared in template.yaml."""
        return self.text(name) or default

    def positive_int(self, name: str) -> int:
        raw = self.required(name)
        try:
            value = int(raw)
        except ValueError:
            raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
        if value <= 0:
            raise ConfigurationError(f"{name} must be positive, got {value}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.required(name).lower()
        if value not in allowed:
            raise ConfigurationError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value

    def phone_region(self, name: str = "DEFAULT_PHONE_REGION") -> str:
        region = self.required(name).upper()
        if not _REGION.match(region):
            raise ConfigurationError(f"{name} must be a two-letter region code, got {region!r}")
        return region

    def csv(self, name: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.text(name).split(",") if part.strip())


# Each table role and the variable that names its table (socialcrm.settings.Tables has one field per role).
TABLE_VARIABLES = {"customers": "CUSTOMERS_TABLE", "posts": "POSTS_TABLE", "cards": "CARDS_TABLE",
                   "metrics": "METRICS_TABLE", "source_state": "SOURCE_STATE_TABLE",
                   "contact_state": "CONTACT_STATE_TABLE", "replies": "REPLIES_TABLE"}
