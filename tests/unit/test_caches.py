"""One reset clears every cache a cold start builds, so tests need not list them (they used to miss some)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import socialcrm
from socialcrm import caches, lookup
from socialcrm.adapters.dynamo.cards import CardItem
from socialcrm.adapters.dynamo.tables import bind


def every_cached_function():
    for info in pkgutil.walk_packages(socialcrm.__path__, "socialcrm."):
        importlib.import_module(info.name)
    return [(name, value) for name, module in sys.modules.items() if name.startswith("socialcrm")
            for value in vars(module).values() if hasattr(value, "cache_info")
            and getattr(value, "__module__", None) == name]


def test_reset_for_tests_clears_every_cache_of_the_layer():
    bind(CardItem, "cards")
    lookup._KEY_CACHE["secret"] = object()
    found = every_cached_function()
    assert {"socialcrm.settings", "socialcrm.wiring", "socialcrm.adapters.dynamo.tables"} <= {n for n, _ in found}
    assert any(function.cache_info().currsize for _, function in found)
    assert caches.reset_for_tests() >= len(found)
    assert [name for name, function in found if function.cache_info().currsize] == []
    assert lookup._KEY_CACHE == {}
