"""A pytest plugin for make mutation (infra/mutation.py).

Test ids: mutmut passes back the test ids it recorded, and pytest cannot find again an id whose parameter part holds
a backslash (ids made with ascii(), e.g. "['\\xb2']"). Such an id is replaced by its test function (every parameter
of it runs: a few more tests, never fewer).

Order: a mutant's run stops at its first failing test, so the cheapest tests should come first. mutmut's fork server
hands the ids over unordered, and the durations it recorded are of the test call alone, without the moto setup an
integration test pays (a second or more). So a mutant's tests run unit tests first, then integration tests, each
fastest first by mutmut's recorded durations.

Garbage collection: each mutant's run is forked from mutmut's fork server after it has imported and collected the
whole suite, and that heap is never garbage. Frozen at the start of the run, collections (pytest's own five at the
end of a session included) no longer walk it: about 0.4 s a mutant less (infra/mutation.py, docs/testing.md).
"""

from __future__ import annotations

import gc
import json
import os
from pathlib import Path
from typing import Any

STATS = Path("mutmut-stats.json")  # mutmut runs the tests from its mutants/ directory


def under_mutant() -> bool:
    return "__mutmut_" in os.environ.get("MUTANT_UNDER_TEST", "")


def pytest_configure(config: Any) -> None:
    if under_mutant():
        gc.freeze()


def pytest_load_initial_conftests(early_config: Any, parser: Any, args: list[str]) -> None:
    seen: set[str] = set()
    rewritten = []
    for arg in args:
        name, bracket, _ = arg.partition("[")
        if bracket and "::" in name and "\\" in arg:
            arg = name
        if "::" not in arg or arg not in seen:
            seen.add(arg)
            rewritten.append(arg)
    args[:] = rewritten


def cheapest_first(nodeids: list[str], durations: dict[str, float]) -> list[str]:
    def cost(nodeid: str) -> tuple[bool, float]:
        return nodeid.startswith("tests/integration/"), durations.get(nodeid, 0.0)
    return sorted(nodeids, key=cost)


def pytest_collection_modifyitems(session: Any, config: Any, items: list[Any]) -> None:
    if not under_mutant() or not STATS.is_file():
        return
    durations = json.loads(STATS.read_text(encoding="utf-8")).get("duration_by_test", {})
    by_id = {item.nodeid: item for item in items}
    items[:] = [by_id[nodeid] for nodeid in cheapest_first(list(by_id), durations)]
