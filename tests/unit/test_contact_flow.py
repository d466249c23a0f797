"""The Amazon Connect flows that ship with the stack, checked against the flow language
(docs.aws.amazon.com/connect/latest/APIReference/flow-language-actions.html and each action's page)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra.connect.render import render
from infra.local.cfn import load_template
from socialcrm.lookup import RESPONSE_KEYS

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_TEXT = (ROOT / "template.yaml").read_text(encoding="utf-8")
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
FLOW_FILES = {"SocialContextInboundFlow": "infra/connect/inbound-flow.json",
              "SocialContextWhisperFlow": "infra/connect/whisper-flow.json"}
# Each action's documented error types (its page's "Errors"); None: a terminal action, no transitions at all.
ERRORS = {
    "InvokeLambdaFunction": {"NoMatchingError"},
    "UpdateContactAttributes": {"NoMatchingError"},
    "UpdateContactEventHooks": {"NoMatchingError"},
    "UpdateContactTargetQueue": {"NoMatchingError"},
    "TransferContactToQueue": {"QueueAtCapacity", "NoMatchingError"},
    "MessageParticipant": {"NoMatchingError"},
    "Compare": {"NoMatchingCondition"},
    "DisconnectParticipant": None,
    "EndFlowExecution": None,
}
# Flow types an action may appear in (its page's "Restrictions"), where narrower than every flow.
ONLY_IN = {"TransferContactToQueue": {"CONTACT_FLOW"}, "UpdateContactTargetQueue": {"CONTACT_FLOW"},
           "EndFlowExecution": {"AGENT_WHISPER"}}
FORBIDDEN_IN_IDENTIFIER = re.compile(r"[%:(\\/)=$,;\[\]{}]")
PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def flow_file(name: str) -> dict:
    return json.loads((ROOT / FLOW_FILES[name]).read_text(encoding="utf-8"))


def content_of(name: str) -> tuple[str, dict]:
    """(the Content string in template.yaml, the Fn::Sub variables)."""
    text, variables = RESOURCES[name]["Properties"]["Content"]["Fn::Sub"]
    return text, variables


def actions(flow: dict) -> dict[str, dict]:
    return {action["Identifier"]: action for action in flow["Actions"]}


def targets(action: dict) -> list[str]:
    transitions = action["Transitions"]
    found = [transitions["NextAction"]] if "NextAction" in transitions else []
    found += [branch["NextAction"] for branch in transitions.get("Errors", [])]
    found += [branch["NextAction"] for branch in transitions.get("Conditions", [])]
    return found


@pytest.mark.parametrize("name", sorted(FLOW_FILES))
def test_the_template_holds_the_flow_file_as_it_is(name):
    text, _ = content_of(name)
    assert json.loads(text) == flow_file(name)
    assert render(TEMPLATE_TEXT) == TEMPLATE_TEXT, "run make connect-flows"


@pytest.mark.parametrize("name", sorted(FLOW_FILES))
def test_every_transition_lands_on_an_action_and_every_error_is_handled(name):
    flow = flow_file(name)
    flow_type = RESOURCES[name]["Properties"]["Type"]
    by_id = actions(flow)
    assert flow["Version"] == "2019-10-30"
    assert len(by_id) == len(flow["Actions"]), "identifiers must be unique"
    assert flow["StartAction"] in by_id
    for identifier, action in by_id.items():
        assert len(identifier) <= 50 and not FORBIDDEN_IN_IDENTIFIER.search(identifier), identifier
        kind = action["Type"]
        assert kind in ERRORS, f"{identifier}: {kind} is not an action this test knows"
        assert flow_type in ONLY_IN.get(kind, {flow_type}), f"{kind} is not allowed in a {flow_type} flow"
        if ERRORS[kind] is None:
            assert action["Transitions"] == {}, f"{identifier} is terminal"
            continue
        assert action["Transitions"].get("NextAction"), f"{identifier} has no NextAction"
        handled = {branch["ErrorType"] for branch in action["Transitions"].get("Errors", [])}
        assert handled == ERRORS[kind], f"{identifier} handles {handled}, the language has {ERRORS[kind]}"
        for target in targets(action):
            assert target in by_id, f"{identifier} goes to {target!r}, which is no action"


@pytest.mark.parametrize("name", sorted(FLOW_FILES))
def test_every_action_is_reachable_and_every_placeholder_resolves(name):
    flow = flow_file(name)
    by_id = actions(flow)
    seen, todo = set(), [flow["StartAction"]]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(targets(by_id[current]))
    assert seen == set(by_id)
    text, variables = content_of(name)
    for placeholder in PLACEHOLDER.findall(text):
        resource = placeholder.split(".", 1)[0]
        assert placeholder in variables or resource in RESOURCES, placeholder


def test_the_lookup_is_the_stacks_own_function_with_connects_limits():
    invoke = [a for a in flow_file("SocialContextInboundFlow")["Actions"] if a["Type"] == "InvokeLambdaFunction"]
    assert len(invoke) == 1
    parameters = invoke[0]["Parameters"]
    assert parameters["LambdaFunctionARN"] == "${ContactLookupFunction.Arn}"
    assert RESOURCES["ContactLookupFunction"]["Type"] == "AWS::Serverless::Function"
    assert parameters["ResponseValidation"] == {"ResponseType": "STRING_MAP"}
    seconds = int(parameters["InvocationTimeLimitSeconds"])
    function_timeout = RESOURCES["ContactLookupFunction"]["Properties"]["Timeout"]
    assert function_timeout <= seconds <= 8  # the function's own answer (found="false" at worst) comes first


def test_the_kept_attributes_are_answers_of_the_lookup():
    attributes = next(a for a in flow_file("SocialContextInboundFlow")["Actions"]
                      if a["Identifier"] == "Keep the answer")["Parameters"]["Attributes"]
    for name, path in attributes.items():
        assert path.startswith("$.External.") and path.removeprefix("$.External.") in RESPONSE_KEYS, path
        assert name == "social_" + path.removeprefix("$.External.")
    assert {"social_found", "social_spoken_summary", "social_screen_pop_url"} <= set(attributes)
    whisper = flow_file("SocialContextWhisperFlow")["Actions"][0]
    assert whisper["Parameters"]["Text"] == "$.Attributes.social_spoken_summary"


def test_the_connect_resources_exist_only_with_an_instance_and_use_the_lookups_arn():
    integration = RESOURCES["ContactLookupIntegration"]
    assert integration["Type"] == "AWS::Connect::IntegrationAssociation"
    assert integration["Condition"] == "HasConnectInstance"
    assert integration["Properties"]["IntegrationType"] == "LAMBDA_FUNCTION"
    assert integration["Properties"]["IntegrationArn"] == {"Fn::GetAtt": ["ContactLookupFunction", "Arn"]}
    assert RESOURCES["SocialContextInboundFlow"]["Properties"]["Type"] == "CONTACT_FLOW"
    assert RESOURCES["SocialContextWhisperFlow"]["Properties"]["Type"] == "AGENT_WHISPER"
    for name in FLOW_FILES:
        assert RESOURCES[name]["Condition"] == "HasConnectFlows"
    _, variables = content_of("SocialContextInboundFlow")
    assert variables["QueueArn"]["Fn::Sub"].endswith(":instance/${ConnectInstanceId}/queue/${ConnectQueueId}")


def run_inbound(lookup: dict[str, str] | None) -> list[str]:
    """The actions a call goes through when the lookup answers `lookup` (None: it errs or times out), every
    other action succeeding. Contact attributes are kept as UpdateContactAttributes sets them."""
    by_id = actions(flow_file("SocialContextInboundFlow"))
    attributes: dict[str, str] = {}
    path, current = [], by_id["Look up social context"]["Identifier"]
    assert current == flow_file("SocialContextInboundFlow")["StartAction"]
    while True:
        action = by_id[current]
        path.append(current)
        transitions = action["Transitions"]
        if not transitions:
            return path
        kind, parameters = action["Type"], action["Parameters"]
        if kind == "InvokeLambdaFunction" and lookup is None:
            current = next(e["NextAction"] for e in transitions["Errors"] if e["ErrorType"] == "NoMatchingError")
            continue
        if kind == "UpdateContactAttributes":
            for name, value in parameters["Attributes"].items():
                attributes[name] = (lookup or {}).get(value.removeprefix("$.External."), "") \
                    if value.startswith("$.External.") else value
        if kind == "Compare":
            value = attributes.get(parameters["ComparisonValue"].removeprefix("$.Attributes."), "")
            matched = [c["NextAction"] for c in transitions["Conditions"]
                       if c["Condition"]["Operator"] == "Equals" and value in c["Condition"]["Operands"]]
            current = matched[0] if matched else next(
                e["NextAction"] for e in transitions["Errors"] if e["ErrorType"] == "NoMatchingCondition")
            continue
        if kind == "TransferContactToQueue":
            return path  # queued: the flow ends here
        current = transitions["NextAction"]


def test_a_found_caller_is_whispered_and_queued():
    path = run_inbound({"found": "true", "spoken_summary": "Ada Lovelace, 2 posts this week", "customer_id": "c1"})
    assert "Whisper the summary" in path and path[-1] == "Transfer to the queue"


@pytest.mark.parametrize("lookup", [{"found": "false", "reason": "no_card"}, None], ids=["not-found", "lookup-error"])
def test_an_unknown_caller_or_a_failed_lookup_still_reaches_the_queue_without_a_whisper(lookup):
    path = run_inbound(lookup)
    assert "Whisper the summary" not in path and path[-1] == "Transfer to the queue"
