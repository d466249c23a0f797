"""What each function loads, unpacked, from a `sam build` of template.yaml; fails when a budget is exceeded.

    python -m infra.layer_sizes [--sam .venv-sam/bin/sam] [--rebuild] [--kept-only]   (make layer-sizes, in make lint)

Budgets (issue 16): the contact lookup and the agent page load at most 10 MB (their code and every layer they
load); every other function's layers at most 40 MB; no layer holds boto3, botocore or s3transfer (the python3.13
runtime's are used). A build takes a minute or more, so its figures are kept in layers/sizes.json under a key: the
hash of the layers' requirements.txt and Makefiles and of the template's layer assignments. While the key matches,
the budgets are checked against the kept figures, with the size of the socialcrm code (and its bytecode, compiled
here as the build compiles it) measured now; a change to
any of those files rebuilds (and rewrites layers/sizes.json, to be committed with the change).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import marshal
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.local.cfn import _resources_of, function_layers, load_template

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "layers" / "sizes.json"
MB = 1_000_000
# Light: someone waits on their cold start. The agent page's reply box publishes through ReplyFunction.
LIGHT_FUNCTIONS = ("ContactLookupFunction", "AgentPageFunction")
LIGHT_BUDGET = 10 * MB  # code and layers together
OTHER_BUDGET = 40 * MB  # layers
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer")
NEEDS_BUILD = 3
CODE_PACKAGE = "socialcrm"  # the CoreLayer's own code, measured from the working tree on every run


def build_key(template: dict[str, Any]) -> str:
    """Hash of what decides the built layers' libraries and which function loads which layer."""
    digest = hashlib.sha256()
    layers = _resources_of(template, "AWS::Serverless::LayerVersion")
    for name in sorted(layers):
        digest.update(json.dumps([name, layers[name]], sort_keys=True).encode())
        layer_dir = ROOT / layers[name]["Properties"]["ContentUri"]
        for file_name in ("requirements.txt", "Makefile"):
            path = layer_dir / file_name
            digest.update(path.read_bytes() if path.is_file() else b"-")
    digest.update(json.dumps(function_layers(template), sort_keys=True).encode())
    return digest.hexdigest()


def tree_bytes(path: Path) -> int:
    """The files under `path` as built, bytecode included (the layers ship it: layers/*/Makefile)."""
    return sum(entry.stat().st_size for entry in path.rglob("*") if entry.is_file())


def bytecode_bytes(source: Path) -> int:
    """The size of a module's .pyc as compileall writes it for this interpreter (16-byte header, marshalled code)."""
    return 16 + len(marshal.dumps(compile(source.read_bytes(), str(source), "exec", dont_inherit=True)))


def _without_bytecode(package: Path) -> list[Path]:
    """The package's modules that ship no python3.13 bytecode (each would be compiled on every cold start)."""
    tag = "cpython-313"
    return [source for source in package.rglob("*.py")
            if not (source.parent / "__pycache__" / f"{source.stem}.{tag}.pyc").is_file()]


def measure_build(build_dir: Path, template: dict[str, Any]) -> dict[str, Any]:
    """Bytes per layer (libraries only for the CoreLayer's code package), per top-level package, per function code."""
    layers = {}
    for name in _resources_of(template, "AWS::Serverless::LayerVersion"):
        packages = {entry.name: (tree_bytes(entry) if entry.is_dir() else entry.stat().st_size)
                    for entry in sorted((build_dir / name / "python").iterdir())}
        packages.pop(CODE_PACKAGE, None)
        layers[name] = {"library_bytes": sum(packages.values()), "packages": packages,
                        "modules_without_bytecode": len(_without_bytecode(build_dir / name / "python" / CODE_PACKAGE))}
    code = {name: tree_bytes(build_dir / name) for name in _resources_of(template, "AWS::Serverless::Function")}
    return {"layers": layers, "function_code_bytes": code}


def sam_build(sam: str, template_path: Path) -> dict[str, Any]:
    template = load_template(template_path)
    with tempfile.TemporaryDirectory(prefix="layer-sizes-") as scratch:
        build_dir = Path(scratch) / "build"
        environment = {**os.environ, "SAM_CLI_TELEMETRY": "0", "PYTHON": sys.executable,
                       # sam's python3.13 workflow (the functions) wants python3.13 on PATH: this virtualenv's
                       "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", "")))}
        command = [sam, "build", "--template-file", str(template_path), "--build-dir", str(build_dir),
                   "--cache-dir", str(Path(scratch) / "cache")]
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            sys.exit(f"layer sizes: sam build failed\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
        return measure_build(build_dir, template)


def code_bytes(template: dict[str, Any]) -> int:
    core = _resources_of(template, "AWS::Serverless::LayerVersion")["CoreLayer"]["Properties"]["ContentUri"]
    files = [entry for entry in (ROOT / core / CODE_PACKAGE).rglob("*")
             if entry.is_file() and "__pycache__" not in entry.parts]  # a local run's bytecode is not what ships
    return sum(entry.stat().st_size + (bytecode_bytes(entry) if entry.suffix == ".py" else 0) for entry in files)


def check(figures: dict[str, Any], template: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(table lines, failures) for the kept or fresh figures."""
    layer_bytes = {name: layer["library_bytes"] for name, layer in figures["layers"].items()}
    layer_bytes["CoreLayer"] += code_bytes(template)
    lines = ["Layers (unpacked):"]
    failures = []
    for name, layer in figures["layers"].items():
        largest = sorted(((package, size) for package, size in layer["packages"].items()
                          if not package.endswith(".dist-info")), key=lambda item: -item[1])[:4]
        lines.append(f"  {name:16} {layer_bytes[name] / MB:6.1f} MB   largest: "
                     + ", ".join(f"{package} {size / MB:.1f}" for package, size in largest))
        if layer.get("modules_without_bytecode"):
            failures.append(f"{name} ships {layer['modules_without_bytecode']} {CODE_PACKAGE} modules without "
                            "python3.13 bytecode")
        for package in RUNTIME_PACKAGES:
            if package in layer["packages"]:
                failures.append(f"{name} holds {package}: the python3.13 runtime's must be used")
    lines.append("Functions (code + layers, unpacked):")
    for function, layers in function_layers(template).items():
        loaded = sum(layer_bytes[layer] for layer in layers)
        total = loaded + figures["function_code_bytes"].get(function, 0)
        light = function in LIGHT_FUNCTIONS
        budget, measured = (LIGHT_BUDGET, total) if light else (OTHER_BUDGET, loaded)
        lines.append(f"  {function:28} {total / MB:6.1f} MB  ({' + '.join(layers)}; "
                     f"budget {budget / MB:.0f} MB for {'code and layers' if light else 'layers'})")
        if measured > budget:
            failures.append(f"{function} loads {measured / MB:.1f} MB, over its {budget / MB:.0f} MB")
    return lines, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sam", default=str(ROOT / ".venv-sam" / "bin" / "sam"))
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--rebuild", action="store_true", help="sam build even when the kept figures match")
    parser.add_argument("--kept-only", action="store_true",
                        help=f"never build: exit {NEEDS_BUILD} when the kept figures do not match the layers")
    arguments = parser.parse_args()
    template = load_template(arguments.template)
    key = build_key(template)
    kept = json.loads(REPORT.read_text(encoding="utf-8")) if REPORT.is_file() else {}
    if arguments.rebuild or kept.get("key") != key:
        if arguments.kept_only:
            print("layer sizes: the layers' requirements or assignments changed, a sam build is needed")
            sys.exit(NEEDS_BUILD)
        if not shutil.which(arguments.sam):
            sys.exit(f"layer sizes: the layers changed and {arguments.sam} is missing (make layer-sizes installs it)")
        print("layer sizes: sam build (the layers' requirements or assignments changed)", flush=True)
        kept = {"key": key, **sam_build(arguments.sam, arguments.template)}
        REPORT.write_text(json.dumps(kept, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    lines, failures = check(kept, template)
    print("\n".join(lines))
    if failures:
        sys.exit("layer sizes over budget:\n  " + "\n  ".join(failures))


if __name__ == "__main__":
    main()
