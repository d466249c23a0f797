"""What a cold start builds once and keeps: every module-level cache of the core layer, cleared in one call.

A cache is either a module-level function with `cache_clear` (functools.cache / lru_cache: clients, models,
deps, settings) or a module-level dict named `*_CACHE`. Tests call `reset_for_tests()` to start each case
as a new cold start, so a new cache needs no test change to be cleared.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

PACKAGE = "socialcrm"


def _clearers_of(module: ModuleType) -> list[Callable[[], None]]:
    found: list[Callable[[], None]] = []
    for name, value in vars(module).items():
        clear = getattr(value, "cache_clear", None)
        if callable(clear) and getattr(value, "__module__", None) == module.__name__:
            found.append(clear)
        elif isinstance(value, dict) and name.endswith("_CACHE"):
            found.append(value.clear)
    return found


def reset_for_tests() -> int:
    """Clear every cache of every loaded module of the package; the number of caches cleared."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == PACKAGE or name.startswith(PACKAGE + ".")):
            continue
        for clear in _clearers_of(module):
            clear()
            cleared += 1
    return cleared
