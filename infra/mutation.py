"""make mutation: mutmut over the trust-critical code (tests/mutation/scope.txt), scored per module.

mutmut 3 names a mutant after the module its file path spells, and the tests import the layer as `socialcrm`
(pytest's pythonpath holds layers/core). So mutmut runs in a workspace, .mutation/, where `socialcrm` is a
link to layers/core/socialcrm and everything else the tests read is a link to the repository's own; its
pyproject.toml is the repository's pytest and [tool.mutmut] settings with pythonpath ["."] and the scope's files.
mutmut copies that into .mutation/mutants/, runs the unit and integration tests once to learn which tests
call which function, then forks once per mutant and runs only the tests that call the mutated function.

The score of a module: killed / (mutants in scope - listed equivalents). A mutant no test calls counts as
surviving. Equivalent mutants are listed in tests/mutation/equivalent.txt as
    <mutant name> | <the mutated line, stripped> | <why it cannot change behaviour>
and an entry whose line no longer appears in the mutant is stale: it is reported and not excluded.

    python -m infra.mutation                          # the whole scope (make mutation)
    python -m infra.mutation --modules screen_pop lookup      # some modules, from a fresh workspace
    python -m infra.mutation --modules lookup --keep   # reuse the last run's map and results (code changed only)
    python -m infra.mutation --report-only            # score the last run again (after editing equivalent.txt)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "core" / "socialcrm"
WORKSPACE = ROOT / ".mutation"  # not under build/: the layering test skips build/
SCOPE = ROOT / "tests" / "mutation" / "scope.txt"
EQUIVALENT = ROOT / "tests" / "mutation" / "equivalent.txt"
REPORT = ROOT / "reports" / "mutation.txt"
GOAL = 0.90
# Not linked into the workspace: version control, virtualenvs, caches, and what the workspace makes itself.
LEFT_OUT = {".git", ".mutation", "build", "reports", "pyproject.toml", ".pytest_cache", ".ruff_cache", ".hypothesis",
            ".mypy_cache", ".aws-sam", ".local-stack", ".pytest_logs", "socialcrm.egg-info"}
KILLED = {"killed", "timeout", "segfault"}  # a crash or a hang is the tests noticing


@dataclass(frozen=True)
class Target:
    module: str  # socialcrm.platforms.meta
    path: str  # socialcrm/platforms/meta.py (in the workspace)
    functions: tuple[str, ...]  # () for every function; "Class.method" for a method

    def globs(self) -> list[str]:
        if not self.functions:
            return [f"{self.module}.*__mutmut_*"]
        return [f"{self.module}.{mangled(name)}__mutmut_*" for name in self.functions]

    def covers(self, mutant: str) -> bool:
        return any(fnmatch(mutant, glob) for glob in self.globs())

    def functions_glob(self) -> list[str]:
        """For `mutmut run`: these match the mutants and the functions' names in mutmut's map of which tests call
        which function (so only those tests run clean first); a longer name sharing the prefix is tested too."""
        if not self.functions:
            return [f"{self.module}.*"]
        return [f"{self.module}.{mangled(name)}*" for name in self.functions]


def mangled(name: str) -> str:
    """mutmut's name of a function (x_name) or a method (xǁClassǁname)."""
    owner, _, function = name.rpartition(".")
    return f"x\u01c1{owner}\u01c1{function}" if owner else f"x_{function}"


def read_scope(path: Path = SCOPE) -> list[Target]:
    targets = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        module_path, _, functions = line.partition(":")
        module_path = module_path.strip()
        if not (LAYER / module_path).is_file():
            raise SystemExit(f"{path.name}: no module {module_path} under {LAYER.relative_to(ROOT)}")
        dotted = "socialcrm." + module_path.removesuffix(".py").replace("/", ".")
        targets.append(Target(dotted, f"socialcrm/{module_path}", tuple(functions.split())))
    return targets


@dataclass(frozen=True)
class Equivalent:
    mutant: str
    line: str
    reason: str


def read_equivalents(path: Path = EQUIVALENT) -> dict[str, Equivalent]:
    entries = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [part.strip() for part in line.split(" | ")]
        if len(parts) != 3 or not all(parts):
            raise SystemExit(f"{path.name}:{number}: expected '<mutant> | <mutated line> | <reason>'")
        entries[parts[0]] = Equivalent(*parts)
    return entries


def still_equivalent(entry: Equivalent, diff: str) -> bool:
    """Whether the mutant still makes the change its entry lists (the `+` lines of its diff)."""
    added = {line[1:].strip() for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")}
    return entry.line in added


def prepare(targets: list[Target], keep: bool) -> None:
    """The workspace: links to the repository, and a pyproject.toml for mutmut and for pytest inside it."""
    if WORKSPACE.exists() and not keep:
        shutil.rmtree(WORKSPACE)
    WORKSPACE.mkdir(parents=True, exist_ok=True)
    linked = ["socialcrm"]
    if not (WORKSPACE / "socialcrm").exists():
        (WORKSPACE / "socialcrm").symlink_to(LAYER, target_is_directory=True)
    for entry in sorted(ROOT.iterdir()):
        if entry.name in LEFT_OUT or entry.name.startswith(".venv"):
            continue
        linked.append(entry.name)
        if not (WORKSPACE / entry.name).exists():
            (WORKSPACE / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    settings = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    # The trampolines slow every call of the scope: the 10,000-customer test needs more than make test's 300 s on a
    # busy machine. mutmut stops a hung mutant by its own limit, so this one only guards the clean runs.
    pytest_settings = dict(settings["pytest"]["ini_options"], pythonpath=["."], timeout=1200)
    mutmut_settings = dict(settings["mutmut"], only_mutate=sorted({target.path for target in targets}),
                           also_copy=[name for name in linked if name != "socialcrm"])
    text = "# Written by infra/mutation.py from the repository's pyproject.toml; do not edit.\n"
    for table, values in (("tool.pytest.ini_options", pytest_settings), ("tool.mutmut", mutmut_settings)):
        text += f"\n[{table}]\n" + "".join(f"{key} = {json.dumps(value)}\n" for key, value in values.items())
    (WORKSPACE / "pyproject.toml").write_text(text, encoding="utf-8")


def run_mutmut(targets: list[Target], children: int) -> float:
    globs = [glob for target in targets for glob in target.functions_glob()]
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "infra.mutmut_run", "run", "--max-children", str(children),  # noqa: S603
                           *globs], cwd=WORKSPACE, check=False)
    if done.returncode != 0:
        raise SystemExit(f"mutmut run failed (exit {done.returncode})")
    return time.monotonic() - started


@dataclass
class ModuleScore:
    module: str
    statuses: Counter[str] = field(default_factory=Counter)
    equivalent: int = 0
    survivors: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)  # counted as killed, listed to be looked at
    not_run: int = 0  # mutants an interrupted run did not reach: not scored

    @property
    def counted(self) -> int:
        return sum(self.statuses.values())

    @property
    def killed(self) -> int:
        return sum(count for status, count in self.statuses.items() if status in KILLED)

    @property
    def score(self) -> float:
        return self.killed / self.counted if self.counted else 1.0


def score(targets: list[Target], equivalents: dict[str, Equivalent]) -> tuple[list[ModuleScore], list[str]]:
    """Per module, from the results mutmut left in the workspace. Returns the scores and the stale entries."""
    os.chdir(WORKSPACE)  # mutmut reads its configuration and results relative to the working directory
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.stats import status_by_exit_code

    scores, stale, seen = [], [], set()
    for target in targets:
        if scores and scores[-1].module == target.module:
            module_score = scores[-1]
        else:
            module_score = ModuleScore(target.module)
            scores.append(module_score)
        meta = WORKSPACE / "mutants" / (target.path + ".meta")
        if not meta.exists():
            raise SystemExit(f"no results for {target.path}: run without --report-only first")
        results = json.loads(meta.read_text(encoding="utf-8"))
        exit_codes = results["exit_code_by_key"]
        for mutant, exit_code in sorted(exit_codes.items()):
            if not target.covers(mutant) or mutant in seen:
                continue
            seen.add(mutant)
            entry = equivalents.get(mutant)
            if entry is not None:  # not run (infra/mutmut_run.py) unless the entry is stale
                if still_equivalent(entry, get_diff_for_mutant(mutant, path=target.path)):
                    module_score.equivalent += 1
                    continue
                stale.append(f"{mutant}: the mutant no longer changes the line '{entry.line}'")
            status = status_by_exit_code[exit_code]
            if status == "not checked":
                module_score.not_run += 1
                continue
            module_score.statuses[status] += 1
            if status == "timeout":
                module_score.timeouts.append(mutant)
            if status not in KILLED:
                module_score.survivors.append(f"{mutant} ({status})\n{get_diff_for_mutant(mutant, path=target.path)}")
    modules = {target.module for target in targets}  # a run of some modules judges only their entries
    stale += [f"{name}: no such mutant in scope" for name in equivalents
              if name not in seen and name.rsplit(".", 1)[0] in modules]
    return scores, stale


def render(scores: list[ModuleScore], stale: list[str], seconds: float | None) -> str:
    width = max(len(s.module) for s in scores)
    lines = [f"{'module':<{width}}  mutants  equivalent  killed  survived   score"]
    for s in scores:
        lines.append(f"{s.module:<{width}}  {s.counted + s.equivalent:7}  {s.equivalent:10}  {s.killed:6}  "
                     f"{s.counted - s.killed:8}  {s.score:6.1%}"
                     f"{'' if s.score >= GOAL else '  < 90 %'}{f'  ({s.not_run} not run)' if s.not_run else ''}")
    counted, killed = sum(s.counted for s in scores), sum(s.killed for s in scores)
    equivalent = sum(s.equivalent for s in scores)
    lines.append(f"{'all':<{width}}  {counted + equivalent:7}  {equivalent:10}  {killed:6}  {counted - killed:8}  "
                 f"{killed / counted if counted else 1:6.1%}")
    if seconds is not None:
        lines.append(f"mutmut run: {seconds / 60:.1f} min (generation, test map unless reused, clean run, mutants)")
    if stale:
        lines += ["", "Stale entries in tests/mutation/equivalent.txt (not excluded):", *stale]
    timeouts = [mutant for s in scores for mutant in s.timeouts]
    if timeouts:
        lines += ["", f"Stopped after their time limit (counted as killed) ({len(timeouts)}):", *timeouts]
    survivors = [survivor for s in scores for survivor in s.survivors]
    lines += ["", f"Surviving mutants ({len(survivors)}):", *survivors]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", nargs="*", help="only these modules (e.g. screen_pop platforms.meta)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the workspace: reuse the last run's test map and results (new tests are not seen)")
    parser.add_argument("--report-only", action="store_true", help="score the last run again")
    parser.add_argument("--children", type=int, default=os.cpu_count() or 2, help="mutants tested at once")
    args = parser.parse_args(argv)
    targets = read_scope()
    if args.modules:
        wanted = {f"socialcrm.{name.removeprefix('socialcrm.')}" for name in args.modules}
        unknown = wanted - {target.module for target in targets}
        if unknown:
            raise SystemExit(f"not in {SCOPE.name}: {', '.join(sorted(unknown))}")
        targets = [target for target in targets if target.module in wanted]
    seconds = None
    if not args.report_only:
        # A kept workspace keeps mutmut's results too: a mutant that survived is not run again after new tests.
        prepare(read_scope(), keep=args.keep)
        seconds = run_mutmut(targets, args.children)
    scores, stale = score(targets, read_equivalents())
    report = render(scores, stale, seconds)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report, encoding="utf-8")
    print(report, end="")
    print(f"written to {REPORT.relative_to(ROOT)}")
    return 0 if all(s.score >= GOAL and not s.not_run for s in scores) else 1


if __name__ == "__main__":
    sys.exit(main())
