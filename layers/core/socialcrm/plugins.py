"""Registries filled by discovery: every module of a package that defines a given attribute registers it."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from typing import Protocol, TypeVar

from socialcrm.errors import ConfigurationError


class Named(Protocol):
    @property
    def name(self) -> str: ...


KindT = TypeVar("KindT", bound=Named)


def discover(package: str, search_path: Iterable[str], attribute: str, kind: type[KindT]) -> dict[str, KindT]:
    """`attribute` of every module of `package` that has one of type `kind`, by its name, sorted."""
    found: dict[str, KindT] = {}
    for module in pkgutil.iter_modules(search_path):
        value = getattr(importlib.import_module(f"{package}.{module.name}"), attribute, None)
        if isinstance(value, kind):
            if value.name in found:
                raise ConfigurationError(f"two modules of {package} register {value.name!r}")
            found[value.name] = value
    return dict(sorted(found.items()))
