"""Contact-centre connectors: each delivers a ContactPush somewhere (port: ports.ContactConnector).

The registry: every module of this package that defines `KIND` (a ConnectorKind) is a connector, found on first
use. A kind reads and checks its own settings, builds its connector, and says whether it holds copies of posts
that erasure must remove. Connectors are chosen by the CONNECTORS setting (a comma-separated list); adding one is
one module here (template.yaml's Connectors pattern must list it: tests/unit/test_connector_selection.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from socialcrm.errors import ConfigurationError
from socialcrm.plugins import discover

if TYPE_CHECKING:
    from socialcrm.config import Environment
    from socialcrm.connectors.connect_tasks import TaskWindow
    from socialcrm.ports import ConnectorEraser, ContactConnector

SettingsT = TypeVar("SettingsT")


@dataclass(frozen=True)
class ConnectorContext:
    """What the composition root lends a connector as it is built."""

    credentials: Callable[[str], Mapping[str, str]]  # connector name -> its object in the ConnectorSecret
    task_window: Callable[[], TaskWindow]  # ContactStateTable's one-task-per-window guard


@dataclass(frozen=True)
class ConnectorKind(Generic[SettingsT]):
    name: str  # as written in CONNECTORS
    read_settings: Callable[[Environment], SettingsT]  # reads every variable it uses, chosen or not
    check: Callable[[SettingsT], None]  # ConfigurationError naming the variable, when the connector is chosen
    build: Callable[[SettingsT, ConnectorContext], ContactConnector]
    eraser: Callable[[SettingsT], ConnectorEraser] | None = None  # it keeps copies of posts: erasure removes them


@dataclass(frozen=True)
class ChosenConnector(Generic[SettingsT]):
    kind: ConnectorKind[SettingsT]
    settings: SettingsT

    @property
    def name(self) -> str:
        return self.kind.name

    def build(self, context: ConnectorContext) -> ContactConnector:
        return self.kind.build(self.settings, context)

    def eraser(self) -> ConnectorEraser | None:
        return self.kind.eraser(self.settings) if self.kind.eraser is not None else None


@cache
def registry() -> dict[str, ConnectorKind[Any]]:
    """Every connector kind of this package, by name."""
    return discover(__name__, __path__, "KIND", ConnectorKind)


def choose(env: Environment, erasing_only: bool = False) -> tuple[ChosenConnector[Any], ...]:
    """The connectors CONNECTORS names, their settings read and checked. `erasing_only`: the erasure function's
    view, only connectors that keep copies of posts (and only their variables are read)."""
    kinds = registry()
    chosen = [name.strip().lower() for name in env.text("CONNECTORS").split(",") if name.strip()]
    if not chosen:
        raise ConfigurationError("CONNECTORS must name at least one connector")
    unknown = [name for name in chosen if name not in kinds]
    if unknown:
        raise ConfigurationError(f"CONNECTORS names unknown connectors {unknown}; known: {sorted(kinds)}")
    read = {name: kind.read_settings(env) for name, kind in kinds.items()
            if not erasing_only or kind.eraser is not None}  # every variable read, so none goes unnoticed
    connectors: list[ChosenConnector[Any]] = []
    for name in dict.fromkeys(chosen):
        if name in read:
            kinds[name].check(read[name])
            connectors.append(ChosenConnector(kinds[name], read[name]))
    return tuple(connectors)


def build_connectors(chosen: tuple[ChosenConnector[Any], ...], context: ConnectorContext) -> list[ContactConnector]:
    return [connector.build(context) for connector in chosen]
