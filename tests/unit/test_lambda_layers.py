"""The Lambda layers (template.yaml, layers/*/requirements.txt): each function loads only what it imports.

The layers install with --no-deps, so each requirements.txt must be the whole closure of what it holds, less the
python3.13 runtime's SDK; the local stack refuses, per function, what its layers lack (infra/local/layer_guard.py).
Sizes: infra/layer_sizes.py (make lint)."""

from __future__ import annotations

import ast
import copy
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from infra import layer_sizes
from infra.local import layer_guard
from infra.local.cfn import _resources_of, function_layers, load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
LAYER_DIRS = {name: ROOT / body["Properties"]["ContentUri"]
              for name, body in _resources_of(TEMPLATE, "AWS::Serverless::LayerVersion").items()}
FUNCTION_LAYERS = function_layers(TEMPLATE)
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][A-Za-z0-9.+-]*)$")
# The Lambda platform the layers are built for (layers/*/Makefile): markers are evaluated there, not here.
LAMBDA_MARKERS = {**default_environment(), "python_version": "3.13", "python_full_version": "3.13.0",
                  "sys_platform": "linux", "platform_system": "Linux", "platform_machine": "aarch64",
                  "implementation_name": "cpython", "platform_python_implementation": "CPython"}


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            match = PIN.match(requirement)
            assert match, f"{path.relative_to(ROOT)}: {requirement!r} is not pinned as name==version"
            found[layer_guard.canonical(match.group(1))] = match.group(2)
    return found


LAYER_PINS = {name: pins(directory / "requirements.txt") for name, directory in LAYER_DIRS.items()}
RUNTIME = {layer_guard.canonical(name) for name in layer_guard.RUNTIME_DISTRIBUTIONS}


def installed_name(distribution: str) -> str:
    return layer_guard.canonical(layer_guard.INSTALLED_AS.get(distribution, distribution))


def test_the_lookup_and_the_agent_page_load_the_core_layer_only():
    assert FUNCTION_LAYERS["ContactLookupFunction"] == ["CoreLayer"]
    assert FUNCTION_LAYERS["AgentPageFunction"] == ["CoreLayer"]  # its reply box publishes through ReplyFunction
    assert all(layers[0] == "CoreLayer" for layers in FUNCTION_LAYERS.values())


def test_cryptography_is_loaded_by_the_webhook_only():
    holding = {name for name, held in LAYER_PINS.items() if "cryptography" in held}
    assert {function for function, layers in FUNCTION_LAYERS.items() if holding & set(layers)} == {"WebhookFunction"}


def test_no_layer_holds_the_runtime_sdk():
    for name, held in LAYER_PINS.items():
        assert not {"boto3", "botocore", "s3transfer"} & set(held), name


@pytest.mark.parametrize("layer", sorted(LAYER_DIRS))
def test_each_layer_holds_the_whole_closure_of_its_libraries(layer):
    """What a layer's library requires is in the same layer, in a layer every function loading it also loads,
    or in the runtime; read from the metadata of the same libraries in the local virtualenv."""
    loaded_with = [set(layers) for layers in FUNCTION_LAYERS.values() if layer in layers]
    assert loaded_with, f"{layer} is loaded by no function"
    always_there = set.intersection(*loaded_with)
    available = RUNTIME.union(*(LAYER_PINS[name] for name in always_there))
    missing = []
    for distribution in LAYER_PINS[layer]:
        for text in metadata.requires(installed_name(distribution)) or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({**LAMBDA_MARKERS, "extra": ""}):
                continue
            if layer_guard.canonical(requirement.name) not in available:
                missing.append(f"{distribution} requires {requirement}")
    assert missing == []


def test_the_layers_pin_the_versions_the_local_virtualenv_is_built_with():
    """requirements.txt (the virtualenv: tests and the local stack) and the layers name the same versions."""
    local = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        requirement = line.split("#", 1)[0].strip()
        if requirement:
            parsed = Requirement(requirement)
            local[layer_guard.canonical(parsed.name)] = str(parsed.specifier).removeprefix("==")
    in_layers = {installed_name(name): version for held in LAYER_PINS.values() for name, version in held.items()}
    for name, version in local.items():
        if name not in RUNTIME:
            assert in_layers.get(name) == version, f"{name}: requirements.txt {version}, layers {in_layers.get(name)}"


def test_no_module_uses_the_phonenumbers_data_phonenumberslite_leaves_out():
    """phonenumberslite has no geocoder, carrier or timezone modules (nor their data)."""
    sources = [*ROOT.glob("functions/*/app.py"), *(ROOT / "layers/core/socialcrm").rglob("*.py")]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                     [f"{node.module}.{alias.name}" for alias in node.names]
                     if isinstance(node, ast.ImportFrom) and node.module else [])
            for name in names:
                assert not re.match(r"phonenumbers\.(geocoder|carrier|timezone)\b", name), f"{path}: {name}"


def guard_for(function: str) -> layer_guard.LayerGuard:
    code_dir = ROOT / _resources_of(TEMPLATE, "AWS::Serverless::Function")[function]["Properties"]["CodeUri"]
    layer_dirs = [LAYER_DIRS[name] for name in FUNCTION_LAYERS[function]]
    return layer_guard.LayerGuard(layer_guard.allowed_modules(code_dir, layer_dirs), function)


def test_the_local_stack_refuses_a_library_the_lookup_does_not_load():
    guard = guard_for("ContactLookupFunction")
    for name in ("pynamodb", "requests", "rapidfuzz", "jwt", "cryptography", "aws_xray_sdk", "yaml", "moto"):
        with pytest.raises(ModuleNotFoundError, match="ContactLookupFunction"):
            guard.find_spec(name)
    for name in ("app", "socialcrm", "aws_lambda_powertools", "phonenumbers", "boto3", "botocore", "json"):
        assert guard.find_spec(name) is None, name  # left to the usual finders


def test_the_local_stack_gives_the_webhook_its_three_layers():
    guard = guard_for("WebhookFunction")
    for name in ("jwt", "cryptography", "pynamodb", "requests", "defusedxml", "socialcrm"):
        assert guard.find_spec(name) is None, name
    with pytest.raises(ModuleNotFoundError):
        guard.find_spec("yaml")
    assert "jwt" not in guard_for("ProcessorFunction").allowed



# The modules on the light functions' paths, the lazily imported ones included (the calls themselves run in the
# end-to-end tests, under the same guard).
LIGHT_PATHS = {
    "ContactLookupFunction": ("socialcrm.lookup", "socialcrm.screen_pop", "socialcrm.model", "botocore.config",
                              "botocore.exceptions"),
    "AgentPageFunction": ("socialcrm.agent_page", "socialcrm.reply_page", "socialcrm.screen_pop", "socialcrm.lookup",
                          "socialcrm.cards", "socialcrm.phones", "socialcrm.adapters.secrets",
                          "socialcrm.adapters.reply_function", "aws_lambda_powertools.utilities.parameters",
                          "botocore.config", "botocore.exceptions"),
}


@pytest.mark.parametrize("function", sorted(LIGHT_PATHS))
def test_the_light_functions_import_only_what_the_core_layer_holds(function):
    code_dir = str(ROOT / _resources_of(TEMPLATE, "AWS::Serverless::Function")[function]["Properties"]["CodeUri"])
    core = str(LAYER_DIRS["CoreLayer"])
    code = (
        "import importlib, sys\nfrom pathlib import Path\nfrom infra.local import layer_guard\n"
        f"layer_guard.install(Path({code_dir!r}), [Path({core!r})], {function!r})\n"
        f"sys.path[:0] = [{code_dir!r}, {core!r}]\n"
        f"for name in ('app', *{LIGHT_PATHS[function]!r}):\n    importlib.import_module(name)\n"
        "assert not {'socialcrm.settings', 'socialcrm.wiring'} & set(sys.modules), 'every function settings loaded'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1",
                               "POWERTOOLS_TRACE_DISABLED": "true"})
    assert done.returncode == 0, done.stderr[-2000:]


# The agent page's GET and its form's POST, run under the layer guard with the CoreLayer alone: a card read and
# ReplyFunction are stand-ins, every import on the way is the page's own (lazy ones included).
AGENT_PAGE_RUN = """
import importlib, json, re, sys
from pathlib import Path
from urllib.parse import urlencode
from infra.local import layer_guard
layer_guard.install(Path(CODE_DIR), [Path(CORE)], "AgentPageFunction")
sys.path[:0] = [CODE_DIR, CORE]
importlib.import_module("app")
from socialcrm import light_wiring
from socialcrm.agent_page import respond
from socialcrm.screen_pop import customer_path, signature
key, now, path = b"k" * 32, 1_800_000_000, customer_path("cust-1")
card = {"customer_id": "cust-1", "customer_name": "Ada", "posts": [{"post_key": "instagram#c-1", "kind": "comment",
        "platform": "instagram", "text": "Where is my parcel?", "created_at": "2027-01-15T08:00:00Z"}]}
asked = []
def ask(request):
    asked.append(json.loads(json.dumps(request)))
    sent = {"status": "sent", "sender": "page:ada", "submitted_at": "2027-01-15T08:01:00Z", "platform_id": "ig-9"}
    return {"outlook": {"kind": "comment_reply", "refusal": None, "window": None, "template_outside": False,
                        "needs_approval": False}, "replies": [], "error": None,
            "result": sent if request["reply_box"] == "submit" else None}
query = {"exp": str(now + 600), "sig": signature(key, path, now + 600)}
get = {"pathParameters": {"customer_id": "cust-1"}, "queryStringParameters": query,
       "requestContext": {"http": {"method": "GET"}}}
page = respond(get, (key,), now, lambda _key: card, "GB", None, ask)
assert page.status == 200 and "<form " in page.html, page.html
assert not {"socialcrm.wiring", "socialcrm.settings"} & set(sys.modules), "every function's settings loaded"
fields = dict(re.findall(r'<input type="hidden" name="(\\w+)" value="([^"]*)"', page.html))
post = {**get, "requestContext": {"http": {"method": "POST"}}, "headers": {"host": "h", "origin": "null"},
        "body": urlencode({**fields, "agent": "ada", "text": "On its way"})}
page = respond(post, (key,), now, lambda _key: card, "GB", None, ask)
assert page.status == 200 and "Your reply: Sent" in page.html, page.html
assert [request["reply_box"] for request in asked] == ["show", "submit"]
for name in LIGHT_PATHS:
    importlib.import_module(name)
light_wiring.AgentPageDeps
loaded = {name for name in sys.modules if name.startswith("socialcrm.")}
assert not {"socialcrm.wiring", "socialcrm.settings"} & loaded, "every function's settings loaded"
assert not {name for name in loaded if name.startswith("socialcrm.replies")}, "the reply use case loaded"
"""


def test_the_agent_pages_get_and_post_run_on_the_core_layer_alone_without_the_reply_use_case():
    """Issue 16: the page's import closure holds nothing outside the CoreLayer, and neither `wiring` (every
    function's dependencies) nor the reply use case, on either of its paths: ReplyFunction publishes."""
    code_dir = str(ROOT / _resources_of(TEMPLATE, "AWS::Serverless::Function")["AgentPageFunction"]["Properties"][
        "CodeUri"])
    code = (f"CODE_DIR, CORE = {code_dir!r}, {str(LAYER_DIRS['CoreLayer'])!r}\n"
            f"LIGHT_PATHS = {LIGHT_PATHS['AgentPageFunction']!r}\n" + AGENT_PAGE_RUN)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": "us-east-1",
                               "POWERTOOLS_TRACE_DISABLED": "true"})
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_kept_sizes_are_those_of_the_layers_as_they_are():
    """layers/sizes.json comes from a sam build of these requirements and assignments (make layer-sizes rebuilds it
    when they change), and they are within the budgets."""
    figures = json.loads((ROOT / "layers/sizes.json").read_text(encoding="utf-8"))
    assert figures["key"] == layer_sizes.build_key(TEMPLATE)
    assert layer_sizes.check(figures, TEMPLATE)[1] == []


def test_the_size_check_fails_over_a_budget_or_with_botocore_in_a_layer():
    figures = json.loads((ROOT / "layers/sizes.json").read_text(encoding="utf-8"))
    heavier = copy.deepcopy(figures)
    light_total = (figures["layers"]["CoreLayer"]["library_bytes"] + layer_sizes.code_bytes(TEMPLATE)
                   + figures["function_code_bytes"]["ContactLookupFunction"])
    heavier["layers"]["CoreLayer"]["library_bytes"] += layer_sizes.LIGHT_BUDGET - light_total + 10_000  # just over
    heavier["layers"]["LibrariesLayer"]["packages"]["botocore"] = 1
    failures = layer_sizes.check(heavier, TEMPLATE)[1]
    assert sorted(failure.split()[0] for failure in failures) == ["AgentPageFunction", "ContactLookupFunction",
                                                                  "LibrariesLayer"]
    heavier["layers"]["LibrariesLayer"]["library_bytes"] += layer_sizes.OTHER_BUDGET
    loading = [name for name, layers in layer_sizes.function_layers(TEMPLATE).items() if "LibrariesLayer" in layers]
    assert len(loading) >= 8
    assert len(layer_sizes.check(heavier, TEMPLATE)[1]) == 3 + len(loading)  # and every function that loads it


def test_the_core_layer_ships_bytecode_for_every_socialcrm_module():
    """/opt is read-only: a module without bytecode in the layer is compiled on every cold start."""
    figures = json.loads((ROOT / "layers/sizes.json").read_text(encoding="utf-8"))
    assert figures["layers"]["CoreLayer"]["modules_without_bytecode"] == 0
    uncompiled = copy.deepcopy(figures)
    uncompiled["layers"]["CoreLayer"]["modules_without_bytecode"] = 3
    assert layer_sizes.check(uncompiled, TEMPLATE)[1] == [
        "CoreLayer ships 3 socialcrm modules without python3.13 bytecode"]
