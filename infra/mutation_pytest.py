"""A pytest plugin for make mutation (infra/mutation.py): mutmut passes back the test ids it recorded, and pytest
cannot find again an id whose parameter part holds a backslash (ids made with ascii(), e.g. "['\\xb2']"). Such an
id is replaced by its test function (every parameter of it runs: a few more tests, never fewer)."""

from __future__ import annotations

from typing import Any


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
