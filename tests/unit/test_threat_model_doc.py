"""docs/threat-model.md names the test behind each row: every file and test it names exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "threat-model.md").read_text(encoding="utf-8")
REFERENCE = re.compile(r"`((?:unit|integration|e2e)/[\w/]+\.py)((?:::\w+)?)`")
SIBLING = re.compile(r"`::(\w+)`")


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}


def references() -> list[tuple[str, str]]:
    """(test file, test name or "") for each reference; `::name` refers to the file named before it in the row."""
    found = []
    for row in DOC.splitlines():
        last = ""
        for match in re.finditer(rf"{REFERENCE.pattern}|{SIBLING.pattern}", row):
            if match.group(1):
                last = match.group(1)
                found.append((last, match.group(2).removeprefix("::")))
            else:
                assert last, f"a bare ::{match.group(3)} with no file before it: {row[:80]}"
                found.append((last, match.group(3)))
    return found


def test_the_threat_model_names_tests_that_exist():
    refs = references()
    assert len(refs) > 40
    missing = [f"{file}::{name}" if name else file for file, name in refs
               if not (ROOT / "tests" / file).is_file() or (name and name not in defined_tests(ROOT / "tests" / file))]
    assert missing == []
