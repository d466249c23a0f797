"""make mutation's own set-up (infra/mutation.py, infra/mutation_pytest.py)."""

from __future__ import annotations

import ast
import gc

import pytest

from infra import mutation_pytest
from infra.mutation import LAYER, Equivalent, read_scope, still_equivalent
from infra.mutation_pytest import cheapest_first


def test_a_mutants_unit_tests_run_before_its_integration_tests_each_fastest_first():
    durations = {"tests/integration/test_a.py::fast": 0.01, "tests/unit/test_b.py::slow": 2.0,
                 "tests/unit/test_c.py::fast": 0.1, "tests/integration/test_d.py::slow": 5.0}
    assert cheapest_first(list(durations), durations) == [
        "tests/unit/test_c.py::fast", "tests/unit/test_b.py::slow",
        "tests/integration/test_a.py::fast", "tests/integration/test_d.py::slow"]


def test_every_function_the_scope_names_exists_in_its_module():
    for target in read_scope():
        tree = ast.parse((LAYER.parent / target.path).read_text(encoding="utf-8"))
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        defined |= {f"{node.name}.{item.name}" for node in tree.body if isinstance(node, ast.ClassDef)
                    for item in node.body if isinstance(item, ast.FunctionDef)}
        missing = set(target.functions) - defined
        assert not missing, f"{target.path}: {sorted(missing)}"


@pytest.mark.parametrize(("mutant_under_test", "frozen"), [("socialcrm.lookup.x_clean_text__mutmut_3", True),
                                                           ("stats", False), ("", False)])
def test_a_mutants_run_freezes_the_heap_it_was_forked_with_and_no_other_run_does(monkeypatch, mutant_under_test,
                                                                                  frozen):
    monkeypatch.setenv("MUTANT_UNDER_TEST", mutant_under_test)
    gc.unfreeze()
    try:
        mutation_pytest.pytest_configure(None)
        assert (gc.get_freeze_count() > 0) is frozen
    finally:
        gc.unfreeze()


def test_an_equivalent_entry_holds_only_while_the_mutant_still_makes_the_listed_change():
    entry = Equivalent("socialcrm.x.x_f__mutmut_1", 'return text.split(":")[0]', "the same first part")
    diff = ('--- socialcrm/x.py\n+++ socialcrm/x.py\n@@ -1,2 +1,2 @@\n def f(text):\n'
            '-    return text.split(":", 1)[0]\n+    return text.split(":")[0]\n')
    assert still_equivalent(entry, diff)
    assert not still_equivalent(entry, diff.replace('split(":")', 'split(";")'))
    assert not still_equivalent(Equivalent(entry.mutant, "socialcrm/x.py", "a header"), diff)
