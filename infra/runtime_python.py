"""Which Python builds the virtualenv: the one template.yaml names as the Lambda runtime, where this machine has it.

Prints the interpreter's path on stdout and one line on stderr saying which was chosen and why. Stdlib only: it
runs before the virtualenv exists. `--venv-matches PATH` exits 0 when the virtualenv at PATH was made by the chosen
interpreter's minor version (else 1: the Makefile rebuilds it).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_RUNTIME = re.compile(r"^\s+Runtime:\s*python(\d+\.\d+)\s*$", re.MULTILINE)


def runtime_version(template: Path = ROOT / "template.yaml") -> str:
    """The minor version of the Globals runtime, e.g. "3.13"."""
    found = _RUNTIME.search(template.read_text(encoding="utf-8"))
    if not found:
        raise SystemExit(f"no 'Runtime: pythonX.Y' in {template}")
    return found.group(1)


def version_of(interpreter: str) -> str | None:
    """The interpreter's "X.Y", or None when it does not run (a pyenv shim of a version not selected fails)."""
    try:
        done = subprocess.run(  # noqa: S603 - a local interpreter path, no shell
            [interpreter, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=20, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def candidates(version: str) -> list[str]:
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = [str(path) for path in sorted(pyenv_root.glob(f"versions/{version}*/bin/python{version}"), reverse=True)]
    on_path = shutil.which(f"python{version}")
    if on_path:
        found.append(on_path)
    return found


def choose(version: str, fallback: str) -> tuple[str, str]:
    """(interpreter, message)."""
    for interpreter in candidates(version):
        if version_of(interpreter) == version:
            return interpreter, f"virtualenv Python: {interpreter} (python{version}, the runtime template.yaml names)"
    fallback_version = version_of(fallback) or "unknown"
    return fallback, (
        f"virtualenv Python: {fallback} (python{fallback_version}) -- python{version}, the runtime template.yaml "
        f"names, was not found (pyenv install {version}, or put python{version} on PATH, then make clean install)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fallback", default="python3")
    parser.add_argument("--venv-matches", metavar="PATH", help="exit 0 when this virtualenv has the chosen Python")
    args = parser.parse_args(argv)
    interpreter, message = choose(runtime_version(), args.fallback)
    if args.venv_matches:
        venv_python = Path(args.venv_matches) / "bin" / "python"
        return 0 if venv_python.exists() and version_of(str(venv_python)) == version_of(interpreter) else 1
    print(message, file=sys.stderr)
    print(interpreter)
    return 0


if __name__ == "__main__":
    sys.exit(main())
