"""Logs that expire, an access log without personal data, throttles and concurrency, read from template.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.local.cfn import load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
PARAMETERS = TEMPLATE["Parameters"]
FUNCTIONS = sorted(name for name, body in RESOURCES.items() if body["Type"] == "AWS::Serverless::Function")
CLOUDWATCH_RETENTIONS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                         2922, 3288, 3653}


def test_log_retention_is_a_parameter_of_30_days_by_default():
    parameter = PARAMETERS["LogRetentionDays"]
    assert parameter["Default"] == 30
    assert set(parameter["AllowedValues"]) == CLOUDWATCH_RETENTIONS


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_logs_to_a_log_group_that_expires(function):
    log_group_ref = RESOURCES[function]["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
    log_group = RESOURCES[log_group_ref]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert log_group["Properties"]["LogGroupName"]["Fn::Sub"].startswith("/aws/lambda/")


def test_every_log_group_has_the_retention():
    groups = [body for body in RESOURCES.values() if body["Type"] == "AWS::Logs::LogGroup"]
    assert len(groups) == len(FUNCTIONS) + 1  # and the HTTP API's access log
    assert all(group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for group in groups)


def test_the_http_api_access_log_holds_no_path_query_string_body_or_client():
    settings = RESOURCES["HttpApi"]["Properties"]["AccessLogSettings"]
    assert RESOURCES[settings["DestinationArn"]["Fn::GetAtt"][0]]["Type"] == "AWS::Logs::LogGroup"
    variables = set(re.findall(r"\$context\.[A-Za-z.]+", settings["Format"]))
    assert "$context.routeKey" in variables and "$context.status" in variables
    # /agent/phones/{phone} puts a phone in the path; links carry signatures in the query string
    for forbidden in ("path", "rawPath", "querystring", "queryString", "requestOverride", "identity", "body",
                      "authorizer"):
        assert not [v for v in variables if forbidden.lower() in v.lower()], forbidden


def test_every_route_is_throttled():
    settings = RESOURCES["HttpApi"]["Properties"]["DefaultRouteSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert "RouteSettings" not in RESOURCES["HttpApi"]["Properties"]  # no route opted out


def test_the_webhook_is_capped_and_the_lookup_has_its_own_concurrency():
    webhook = RESOURCES["WebhookFunction"]["Properties"]["ReservedConcurrentExecutions"]
    lookup = RESOURCES["ContactLookupFunction"]["Properties"]["ReservedConcurrentExecutions"]
    assert webhook == {"Ref": "WebhookConcurrencyLimit"} and lookup == {"Ref": "LookupReservedConcurrency"}
    reserved = (PARAMETERS["WebhookConcurrencyLimit"]["Default"] + PARAMETERS["LookupReservedConcurrency"]["Default"]
                + RESOURCES["PollerFunction"]["Properties"]["ReservedConcurrentExecutions"])
    assert reserved <= 1000 - 100  # the default account quota, less the 100 Lambda keeps unreserved


@pytest.mark.parametrize(("value", "allowed"), [
    ("'none'", True),
    ("https://acme.my.connect.aws", True),
    ("https://acme.my.connect.aws https://acme.awsapps.com", True),
    ("https://*.my.connect.aws", False),
    ("*", False),
    ("https:", False),
    ("http://acme.my.connect.aws", False),
    ("https://acme.my.connect.aws; script-src *", False),
    ("", False),
])
def test_frame_ancestors_name_origins_without_wildcards(value, allowed):
    parameter = PARAMETERS["AgentPageFrameAncestors"]
    assert parameter["Default"] == "'none'"
    assert bool(re.fullmatch(parameter["AllowedPattern"], value)) is allowed


def test_tracing_is_a_parameter_passthrough_by_default_and_no_function_overrides_it():
    parameter = PARAMETERS["FunctionTracing"]
    assert (parameter["Default"], sorted(parameter["AllowedValues"])) == ("PassThrough", ["Active", "PassThrough"])
    assert TEMPLATE["Globals"]["Function"]["Tracing"] == {"Ref": "FunctionTracing"}
    assert [name for name in FUNCTIONS if "Tracing" in RESOURCES[name]["Properties"]] == []


def test_the_stack_samples_5_percent_of_its_own_services_with_no_reservoir():
    rate = PARAMETERS["TraceSamplingRate"]
    assert (rate["Default"], rate["MinValue"], rate["MaxValue"]) == (0.05, 0, 1)
    [rule] = [body["Properties"]["SamplingRule"] for body in RESOURCES.values()
              if body["Type"] == "AWS::XRay::SamplingRule"]
    assert (rule["FixedRate"], rule["ReservoirSize"]) == ({"Ref": "TraceSamplingRate"}, 0)
    assert rule["Priority"] < 10000  # ahead of X-Ray's default rule (1 a second, then 5 %)
    assert rule["ServiceName"] == {"Fn::Sub": "${AWS::StackName}-*"}  # this stack's services, not the account's
    assert all(rule[key] == "*" for key in ("ServiceType", "Host", "HTTPMethod", "URLPath", "ResourceARN"))
    # "socialcrm-" and the first 8 hex digits of the stack id's UUID: unique per stack, within X-Ray's 32
    name = rule["RuleName"]["Fn::Join"]
    assert name[1][0] == "socialcrm" and len("socialcrm-") + 8 <= 32


def test_make_cost_reads_the_tracing_the_template_deploys():
    from infra.cost_probe import Deployment

    deployment = Deployment.of(TEMPLATE)
    assert deployment.traced == frozenset() and deployment.rule_rate == 0.05
    assert deployment.sampled("ProcessorFunction", 10.0) == 0.0
    # were it Active: Lambda's own 1 a second, then 5 % of the rest (0.39 posts a second is all of them)
    assert deployment.sampled("ProcessorFunction", 0.39, active=True) == 1.0
    assert deployment.sampled("ProcessorFunction", 21.0, active=True) == pytest.approx((1 + 0.05 * 20) / 21)
