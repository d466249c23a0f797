"""The dashboard and alarms in template.yaml watch metrics that exist, with the dimensions really emitted."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra.local.cfn import LocalResources, load_template
from socialcrm.metric_catalogue import CATALOGUE, Metric
from tests.emf import emf_documents, emf_problems

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES = TEMPLATE["Resources"]
ALARMS = {name: body["Properties"] for name, body in RESOURCES.items() if body["Type"] == "AWS::CloudWatch::Alarm"}
QUEUES = {name for name, body in RESOURCES.items() if body["Type"] == "AWS::SQS::Queue"}
CONTRACT_DIMENSIONS = {"Platform", "Kind", "Sentiment", "Segment", "Topic", "Window", "By"}
SQS_METRICS = {"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"}
_EMITS = re.compile(r"(?:add_metric|single_metric)\(\s*name=\"(\w+)\"")
_SEARCH = re.compile(r"SEARCH\('\{([^}]*)\}\s+MetricName=\"(\w+)\"")


def local_resources() -> LocalResources:
    resources = LocalResources({}, TEMPLATE)
    resources.queue_arns = {name: f"arn:aws:sqs:us-east-1:123456789012:{name}" for name in QUEUES}
    return resources


NAMESPACE = local_resources().resolve({"Ref": "MetricsNamespace"})
GLOBAL_ENV = local_resources().resolve(TEMPLATE["Globals"]["Function"]["Environment"]["Variables"])


def emitted_by_code() -> set[str]:
    sources = [*ROOT.glob("functions/*/app.py"), *ROOT.glob("layers/core/socialcrm/**/*.py")]
    return {name for path in sources for name in _EMITS.findall(path.read_text(encoding="utf-8"))}


def dashboard() -> dict:
    body = RESOURCES["SocialDashboard"]["Properties"]["DashboardBody"]
    return json.loads(local_resources().resolve(body))


def dashboard_metrics() -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of every metric and SEARCH expression of every widget."""
    found = []
    for widget in dashboard()["widgets"]:
        for entry in widget["properties"].get("metrics", []):
            if isinstance(entry[0], dict):
                namespace, *dimensions = _SEARCH.search(entry[0]["expression"]).group(1).split(",")
                found.append((namespace, _SEARCH.search(entry[0]["expression"]).group(2),
                              dict.fromkeys(dimensions, "*")))
                continue
            plain = [part for part in entry if isinstance(part, str)]
            found.append((plain[0], plain[1], dict(zip(plain[2::2], plain[3::2], strict=True))))
    return found


FIGURES = {metric.name for metric in CATALOGUE}


def test_every_metric_family_is_declared_once():
    assert len(CATALOGUE) == len(FIGURES)


def lines_of(metric: Metric) -> set[tuple[str, str, tuple[tuple[str, str], ...], str | None]]:
    """(widget title, metric, dimensions, label) of each line the catalogue says the dashboard draws for `metric`."""
    shown = metric.shown
    if shown is None:
        return set()
    if shown.lines:
        return {(shown.widget, metric.name, ((metric.dimensions[0], value),), label) for value, label in shown.lines}
    return {(shown.widget, metric.name, tuple((name, "*") for name in metric.published_dimensions), shown.label)}


def dashboard_lines() -> set[tuple[str, str, tuple[tuple[str, str], ...], str | None]]:
    """(widget title, metric, dimensions, label) of each line the template's dashboard draws from the catalogue."""
    found = set()
    for widget in dashboard()["widgets"]:
        for entry in widget["properties"].get("metrics", []):
            if isinstance(entry[0], dict):
                search = _SEARCH.search(entry[0]["expression"])
                namespace, *dimensions = search.group(1).split(",")
                metric, dims, label = search.group(2), tuple((name, "*") for name in dimensions), None
            else:
                plain = [part for part in entry if isinstance(part, str)]
                options = next((part for part in entry if isinstance(part, dict)), {})
                namespace, metric, label = plain[0], plain[1], options.get("label")
                dims = tuple(zip(plain[2::2], plain[3::2], strict=True))
            if namespace == NAMESPACE and metric in FIGURES:
                found.add((widget["properties"]["title"], metric, dims, label))
    return found


def test_the_dashboard_draws_exactly_the_lines_the_catalogue_declares():
    declared = set().union(*(lines_of(metric) for metric in CATALOGUE))
    assert declared
    assert dashboard_lines() == declared


def test_every_dashboard_metric_is_one_the_code_emits_or_a_figure():
    known = emitted_by_code() | FIGURES
    metrics = dashboard_metrics()
    assert metrics
    for namespace, metric, dimensions in metrics:
        if namespace == "AWS/SQS":
            assert metric in SQS_METRICS and dimensions["QueueName"] in QUEUES, (metric, dimensions)
            continue
        assert namespace == NAMESPACE, (namespace, metric)
        assert metric in known, metric
        if metric in FIGURES:
            assert set(dimensions) <= CONTRACT_DIMENSIONS, (metric, dimensions)


def test_the_dashboard_shows_the_social_and_the_operational_figures():
    shown = {metric for _, metric, _ in dashboard_metrics()}
    assert {"Posts", "MatchRate", "SentimentShare", "ResponseMedianMinutes", "ResponseP90Minutes",
            "AnsweredWithin1hShare", "AnsweredWithin24hShare", "Replies", "CallsPosted24hShare",
            "CallsPosted7dShare", "CallsWithSocialContextShare", "RepresentationIndex", "TopicWarnings",
            "ApproximateNumberOfMessagesVisible", "SignatureFailures", "LookupErrors"} <= shown
    replies = {dims["By"] for _, metric, dims in dashboard_metrics() if metric == "Replies"}
    assert replies == {"company", "employee", "peer", "unofficial_brand"}
    queues = {dims["QueueName"] for namespace, _, dims in dashboard_metrics() if namespace == "AWS/SQS"}
    assert queues == {"IngestDeadLetterQueue", "PushDeadLetterQueue"}


def test_the_alarm_widget_lists_every_alarm():
    widgets = [w for w in dashboard()["widgets"] if w["type"] == "alarm"]
    listed = {arn.rsplit(":", 1)[-1] for w in widgets for arn in w["properties"]["alarms"]}
    assert listed == set(ALARMS)


def test_every_alarm_watches_a_metric_that_exists():
    known = emitted_by_code() | FIGURES
    assert {"IngestDeadLetterAlarm", "PushDeadLetterAlarm", "SignatureFailureAlarm", "LookupErrorAlarm",
            "MatchRateAlarm", "HandshakeBurstAlarm"} <= set(ALARMS)
    for name, alarm in ALARMS.items():
        namespace = local_resources().resolve(alarm["Namespace"])
        dimensions = {d["Name"]: local_resources().resolve(d["Value"]) for d in alarm.get("Dimensions", [])}
        if namespace == "AWS/SQS":
            assert alarm["MetricName"] in SQS_METRICS and dimensions["QueueName"] in QUEUES, name
        else:
            assert namespace == NAMESPACE and alarm["MetricName"] in known, name
        assert alarm["TreatMissingData"] == "notBreaching", name


def test_the_match_rate_alarm_watches_the_daily_figure_below_the_parameter():
    alarm = ALARMS["MatchRateAlarm"]
    assert (alarm["MetricName"], alarm.get("Dimensions"), alarm["Period"]) == ("MatchRate", None, 86400)
    assert alarm["ComparisonOperator"] == "LessThanThreshold"
    assert alarm["Threshold"] == {"Ref": "MatchRateAlarmThreshold"}
    assert TEMPLATE["Parameters"]["MatchRateAlarmThreshold"]["Default"] == 0.5
    assert alarm["Period"] * alarm["EvaluationPeriods"] <= 7 * 86400  # CloudWatch's limit


_CONTEXT = """
class Context:
    function_name, function_version, memory_limit_in_mb = "f", "$LATEST", 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
"""
FORGED_WEBHOOK = _CONTEXT + """
import importlib.util, json
spec = importlib.util.spec_from_file_location("webhook_app", "functions/webhook/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
class Secrets:
    def platform_credentials(self, platform):
        return {"app_secret": "unit-test-secret", "verify_token": "unit-test-token"}
app.secrets = Secrets
app.ingest_queue = list  # never sent to: the signature is checked first
event = {"version": "2.0", "pathParameters": {"platform": "meta"}, "requestContext": {"http": {"method": "POST"}},
         "headers": {"x-hub-signature-256": "sha256=" + "0" * 64}, "body": "{}", "isBase64Encoded": False}
print(json.dumps({"answer": app.lambda_handler(event, Context())["statusCode"]}))
"""
ANSWERED_CRC = _CONTEXT + """
import importlib.util, json
spec = importlib.util.spec_from_file_location("webhook_app", "functions/webhook/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
class Secrets:
    def platform_credentials(self, platform):
        return {"consumer_secret": "unit-test-secret"}
app.secrets = Secrets
app.ingest_queue = list  # a handshake enqueues nothing
event = {"version": "2.0", "pathParameters": {"platform": "x"}, "requestContext": {"http": {"method": "GET"}},
         "queryStringParameters": {"crc_token": "M2RkODJkZmMtYjlkYi00NmQ4LTk0MGUtM2JjYzkwM2Q4MjQ0"},
         "body": "", "isBase64Encoded": False}
print(json.dumps({"answer": app.lambda_handler(event, Context())["statusCode"]}))
"""
FAILING_LOOKUP = _CONTEXT + """
import importlib.util, json
spec = importlib.util.spec_from_file_location("lookup_app", "functions/contact_lookup/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
event = {"Details": {"ContactData": {"CustomerEndpoint": {"Address": "+447911123456", "Type": "TELEPHONE_NUMBER"}}}}
print(json.dumps({"answer": app.lambda_handler(event, Context())["reason"]}))
"""


def run_as_deployed(script: str) -> tuple[object, list[dict]]:
    """Run a handler in a fresh process with the template's Globals environment; its answer and EMF lines."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("POWERTOOLS_")}
    env.pop("CARDS_TABLE", None)  # the lookup then fails inside its handler, as a broken deployment would
    env.update({key: str(value) for key, value in GLOBAL_ENV.items()})
    env.update(POWERTOOLS_TRACE_DISABLED="true", AWS_DEFAULT_REGION="us-east-1",
               PYTHONPATH=os.pathsep.join([str(ROOT / "layers" / "core"), str(ROOT)]))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=True)
    answers = [json.loads(line)["answer"] for line in done.stdout.splitlines() if line.startswith('{"answer"')]
    return answers[0], emf_documents(done.stdout)


def emitted_dimensions(documents: list[dict], metric: str) -> list[tuple[str, dict[str, str]]]:
    """(namespace, {dimension: value}) for each dimension set the EMF documents give `metric`."""
    found = []
    for document in documents:
        assert emf_problems(document) == []
        for directive in document["_aws"]["CloudWatchMetrics"]:
            if any(m["Name"] == metric for m in directive["Metrics"]):
                found += [(directive["Namespace"], {name: document[name] for name in dimension_set})
                          for dimension_set in directive["Dimensions"]]
    return found


@pytest.mark.parametrize(("alarm", "script", "answer"), [
    pytest.param("SignatureFailureAlarm", FORGED_WEBHOOK, 401, id="forged-webhook"),
    pytest.param("HandshakeBurstAlarm", ANSWERED_CRC, 200, id="answered-handshake"),
    pytest.param("LookupErrorAlarm", FAILING_LOOKUP, "internal_error", id="failing-lookup"),
])
def test_the_alarm_dimensions_are_exactly_those_the_function_emits(alarm, script, answer):
    properties = ALARMS[alarm]
    got, documents = run_as_deployed(script)
    assert got == answer
    alarmed = {d["Name"]: d["Value"] for d in properties["Dimensions"]}
    assert emitted_dimensions(documents, properties["MetricName"]) == [(NAMESPACE, alarmed)]
    assert alarmed["service"] == GLOBAL_ENV["POWERTOOLS_SERVICE_NAME"]
