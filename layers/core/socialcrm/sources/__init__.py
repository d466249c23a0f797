"""Polled sources (no webhooks): each gives Listings for socialcrm.polling.

The registry: every module of this package that defines `SOURCE` (a SourceKind) is a source, found on first use
and chosen by the POLLED_SOURCES setting (a comma-separated list); adding one is one module here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from socialcrm.errors import ConfigurationError
from socialcrm.plugins import discover

if TYPE_CHECKING:
    from socialcrm.config import Environment
    from socialcrm.polling import Listing

SettingsT = TypeVar("SettingsT")
Credentials = Callable[[str], Mapping[str, str]]  # the PollingSecret's object for a source ("reddit", "youtube")


@dataclass(frozen=True)
class SourceKind(Generic[SettingsT]):
    name: str  # as written in POLLED_SOURCES
    read_settings: Callable[[Environment], SettingsT]  # reads every variable it uses, polled or not
    check: Callable[[SettingsT], None]  # ConfigurationError naming the variable, when the source is polled
    listings: Callable[[SettingsT, Credentials], Sequence[Listing]]


@dataclass(frozen=True)
class ChosenSource(Generic[SettingsT]):
    kind: SourceKind[SettingsT]
    settings: SettingsT

    @property
    def name(self) -> str:
        return self.kind.name

    def listings(self, credentials: Credentials) -> Sequence[Listing]:
        return self.kind.listings(self.settings, credentials)


@cache
def registry() -> dict[str, SourceKind[Any]]:
    """Every polled source of this package, by name."""
    return discover(__name__, __path__, "SOURCE", SourceKind)


def choose(env: Environment) -> tuple[ChosenSource[Any], ...]:
    """The sources POLLED_SOURCES names (none: poll nothing), their settings read and checked."""
    kinds = registry()
    enabled = env.csv("POLLED_SOURCES")
    unknown = set(enabled) - set(kinds)
    if unknown:
        raise ConfigurationError(f"POLLED_SOURCES names unknown sources {sorted(unknown)}")
    read = {name: kind.read_settings(env) for name, kind in kinds.items()}  # every variable read
    chosen: list[ChosenSource[Any]] = []
    for name in dict.fromkeys(enabled):
        kinds[name].check(read[name])
        chosen.append(ChosenSource(kinds[name], read[name]))
    return tuple(chosen)
