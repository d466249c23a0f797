"""`mutmut run` without the mutants tests/mutation/equivalent.txt lists (make mutation, infra/mutation.py).

An equivalent mutant survives by definition, so mutmut would run every test that calls its function, the dearest
run a mutant can have. A listed mutant whose diff still makes the listed change is left out of the run and scored as
equivalent; a stale entry's mutant is run and scored like any other.
"""

from __future__ import annotations

import sys
from typing import Any

import mutmut.__main__ as mutmut_main
from mutmut.mutation.diff_apply import get_diff_for_mutant

from infra.mutation import read_equivalents, still_equivalent


def without_listed_equivalents(collect: Any) -> Any:
    equivalents = read_equivalents()

    def collect_mutants(*, mutant_names: Any) -> tuple[list[Any], dict[str, Any]]:
        mutants, by_path = collect(mutant_names=mutant_names)
        kept = []
        for data, name, result in mutants:
            entry = equivalents.get(name)
            if entry is None or not still_equivalent(entry, get_diff_for_mutant(name, path=str(data.path))):
                kept.append((data, name, result))
        print(f"    {len(mutants) - len(kept)} mutants listed as equivalent are not run")
        return kept, by_path

    return collect_mutants


def main() -> None:
    mutmut_main.collect_source_file_mutation_data = without_listed_equivalents(
        mutmut_main.collect_source_file_mutation_data)
    mutmut_main.cli(sys.argv[1:])


if __name__ == "__main__":
    main()
