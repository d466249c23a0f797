"""Who may import whom, read from every file's imports: the product and its tooling (layers/, functions/,
infra/) never import the tests, and no test layer (unit, integration, e2e) imports another's modules.
Helpers several layers share live outside the layers: tests/support/ and the modules directly in tests/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("layers", "functions", "infra")
TEST_LAYERS = ("unit", "integration", "e2e")


def python_files(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts and "build" not in p.parts)


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # from tests import unit
    return found


def test_the_check_sees_every_form_of_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import tests.fakes\nfrom tests import unit\nfrom tests.e2e.conftest import ROOT\n"
                      "def f():\n    from tests.integration import conftest\n", encoding="utf-8")
    assert {"tests.fakes", "tests.unit", "tests.e2e.conftest", "tests.integration"} <= imported_modules(sample)


@pytest.mark.parametrize("folder", PRODUCT)
def test_product_code_imports_nothing_from_the_tests(folder):
    files = python_files(folder)
    assert files, f"no Python files under {folder}/"
    offenders = {str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path)
                                                     if m == "tests" or m.startswith("tests."))
                 for path in files}
    assert {path: modules for path, modules in offenders.items() if modules} == {}


@pytest.mark.parametrize("layer", TEST_LAYERS)
def test_a_test_layer_imports_no_other_layers_modules(layer):
    others = [other for other in TEST_LAYERS if other != layer]
    files = python_files(f"tests/{layer}")
    assert files
    offenders = {str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) for other in others
                                                     if m == f"tests.{other}" or m.startswith(f"tests.{other}."))
                 for path in files}
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_shared_test_helpers_import_no_test_layer():
    shared = [p for p in python_files("tests") if p.parent.name not in TEST_LAYERS]
    assert ROOT / "tests" / "support" / "functions.py" in shared
    offenders = {str(path.relative_to(ROOT)): sorted(m for m in imported_modules(path) for layer in TEST_LAYERS
                                                     if m == f"tests.{layer}" or m.startswith(f"tests.{layer}."))
                 for path in shared}
    assert {path: modules for path, modules in offenders.items() if modules} == {}
