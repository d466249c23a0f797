"""A function imports, in the local stack, only what Lambda would give it: the runtime's and its layers' libraries.

The local stack runs every function on the one virtualenv, which holds every library. On Lambda a function has the
standard library, the AWS SDK the python3.13 runtime ships, and the layers template.yaml gives it (Globals first,
then its own). The worker puts `LayerGuard` in front of the import system: a top-level module that is neither in the
standard library, nor in the function's code or layer directories, nor a module of a distribution its layers'
requirements.txt list (or the runtime ships) is refused with ModuleNotFoundError, as it would be in AWS. So a
function that starts importing a library its layers lack fails here, in the end-to-end tests and `make demo`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

# boto3 and what it requires, which the python3.13 runtime ships beside the standard library (docs/decisions.md).
RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3")
# A layer's distribution that the local virtualenv holds under another name with the same modules.
INSTALLED_AS = {"phonenumberslite": "phonenumbers"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def layer_distributions(layer_dir: Path) -> set[str]:
    """The distributions a layer's requirements.txt installs (none for a layer without one)."""
    requirements = layer_dir / "requirements.txt"
    if not requirements.is_file():
        return set()
    names = set()
    for line in requirements.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            name = canonical(re.split(r"[\[=<>!~;\s]", requirement, maxsplit=1)[0])
            names.add(canonical(INSTALLED_AS.get(name, name)))
    return names


def top_level_modules(distribution: str) -> set[str]:
    """The top-level modules an installed distribution provides (empty when it is not installed here)."""
    try:
        found = metadata.distribution(distribution)
    except metadata.PackageNotFoundError:
        return set()
    listed = found.read_text("top_level.txt")
    if listed:
        return {name.strip() for name in listed.splitlines() if name.strip()}
    modules = set()
    for path in found.files or ():
        first = path.parts[0]
        if len(path.parts) > 1 and not first.endswith((".dist-info", ".data")) and first not in ("..", "__pycache__"):
            modules.add(first)
        elif len(path.parts) == 1 and path.suffix in (".py", ".so", ".pyd"):
            modules.add(path.name.split(".", 1)[0])
    return modules


def allowed_modules(code_dir: Path, layer_dirs: Sequence[Path]) -> frozenset[str]:
    distributions = {canonical(name) for name in RUNTIME_DISTRIBUTIONS}
    for layer_dir in layer_dirs:
        distributions |= layer_distributions(layer_dir)
    modules: set[str] = set()
    for distribution in distributions:
        modules |= top_level_modules(distribution)
    for directory in (code_dir, *layer_dirs):  # the function's own code, the CoreLayer's socialcrm package
        modules |= {entry.name.removesuffix(".py") for entry in directory.iterdir()
                    if entry.suffix == ".py" or (entry / "__init__.py").is_file()}
    return frozenset(modules)


class LayerGuard:
    """A meta path finder that refuses the top-level modules Lambda would not have for this function."""

    def __init__(self, allowed: Iterable[str], function_name: str) -> None:
        self.allowed = frozenset(allowed) | sys.stdlib_module_names
        self.function_name = function_name

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        top = fullname.partition(".")[0]
        if top in self.allowed:
            return None  # the usual finders decide
        raise ModuleNotFoundError(
            f"No module named {top!r} in {self.function_name}'s runtime and layers (template.yaml)", name=fullname)


def install(code_dir: Path, layer_dirs: Sequence[Path], function_name: str) -> LayerGuard:
    already_imported = {name.partition(".")[0] for name in sys.modules}  # the worker's own (standard library)
    guard = LayerGuard(allowed_modules(code_dir, layer_dirs) | already_imported, function_name)
    sys.meta_path.insert(0, guard)
    return guard
