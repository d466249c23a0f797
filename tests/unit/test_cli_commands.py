"""The operator command without a stack: help everywhere, and one-line errors instead of tracebacks."""

from __future__ import annotations

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber
from typer.testing import CliRunner

from socialcrm_cli.app import app
from socialcrm_cli.errors import CliError
from socialcrm_cli.target import Options, aws_errors, connect, local_resources, stack_resources

COMMANDS = [[], ["customers"], ["customers", "import"], ["customers", "generate"], ["review"], ["review", "list"],
            ["review", "show"], ["review", "confirm"], ["review", "reject"], ["review", "unlink"], ["link-code"],
            ["erase"], ["dlq"], ["dlq", "list"], ["dlq", "show"], ["dlq", "redrive"], ["lookup"], ["report"]]


@pytest.fixture
def runner(monkeypatch):
    for name in ("SOCIALCRM_STACK", "SOCIALCRM_ENDPOINT_URL", "SOCIALCRM_LAMBDA_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(runner, command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    if len(command) == 2 or command in (["link-code"], ["erase"], ["lookup"], ["report"]):
        assert "--json" in result.output


def test_no_stack_named_is_a_one_line_error(runner):
    result = runner.invoke(app, ["review", "list"])
    assert result.exit_code == 2
    assert "which stack? --stack NAME" in result.stderr and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_malformed_file_is_a_one_line_error_before_anything_is_sent(runner, tmp_path):
    export = tmp_path / "crm.csv"
    export.write_text("customer_id,telephone\ncust-1,07911 123456\n", encoding="utf-8")
    result = runner.invoke(app, ["--stack", "never-reached", "customers", "import", str(export)])
    assert result.exit_code == 1
    assert "unknown column(s) 'telephone'" in result.stderr
    assert isinstance(result.exception, SystemExit)  # typer.Exit: no traceback
    assert not (tmp_path / "crm.csv.state.json").exists()


def test_erasure_asks_for_yes_when_not_at_a_terminal(runner):
    result = runner.invoke(app, ["--local", "erase", "--customer", "cust-1"])
    assert result.exit_code == 2 and "add --yes" in result.stderr
    result = runner.invoke(app, ["--local", "erase", "--customer", "c", "--platform", "x"])
    assert result.exit_code == 2 and "give --customer ID, or --platform" in result.stderr


def test_stack_and_local_together_are_refused():
    with pytest.raises(CliError, match="not both"):
        connect(Options(stack="prod", local=True))


def test_a_wrong_stack_name_says_so():
    cloudformation = boto3.client("cloudformation", region_name="eu-west-2", aws_access_key_id="k",
                                  aws_secret_access_key="s")
    with Stubber(cloudformation) as stub:
        stub.add_client_error("describe_stacks", service_error_code="ValidationError",
                              service_message="Stack with id prod-typo does not exist", http_status_code=400)
        with pytest.raises(CliError, match="no stack named 'prod-typo' in eu-west-2"):
            stack_resources(cloudformation, "prod-typo")


def test_a_deployed_stacks_resources_are_found_by_logical_id():
    cloudformation = boto3.client("cloudformation", region_name="eu-west-2", aws_access_key_id="k",
                                  aws_secret_access_key="s")
    with Stubber(cloudformation) as stub:
        stub.add_response("describe_stacks", {"Stacks": []}, {"StackName": "prod"})
        summary = {"LastUpdatedTimestamp": "2026-11-30T00:00:00Z", "ResourceStatus": "CREATE_COMPLETE"}
        stub.add_response("list_stack_resources", {"StackResourceSummaries": [
            {**summary, "LogicalResourceId": "CustomerSyncFunction", "PhysicalResourceId": "prod-CustomerSync-AbC",
             "ResourceType": "AWS::Lambda::Function"},
            {**summary, "LogicalResourceId": "PushDeadLetterQueue", "ResourceType": "AWS::SQS::Queue",
             "PhysicalResourceId": "https://sqs.eu-west-2.amazonaws.com/1/prod-PushDLQ"}]}, {"StackName": "prod"})
        found = stack_resources(cloudformation, "prod")
    assert found == {"CustomerSyncFunction": ("AWS::Lambda::Function", "prod-CustomerSync-AbC"),
                     "PushDeadLetterQueue": ("AWS::SQS::Queue", "https://sqs.eu-west-2.amazonaws.com/1/prod-PushDLQ")}


def test_the_local_stack_names_resources_by_their_logical_ids():
    found = local_resources()
    assert found["CustomerSyncFunction"] == ("AWS::Lambda::Function", "CustomerSyncFunction")
    assert found["MetricsTable"] == ("AWS::DynamoDB::Table", "MetricsTable")


@pytest.mark.parametrize(("error", "message"), [
    (botocore.exceptions.NoCredentialsError(), "no AWS credentials"),
    (botocore.exceptions.NoRegionError(), "no AWS region"),
    (botocore.exceptions.EndpointConnectionError(endpoint_url="http://127.0.0.1:3001/x"), "make local"),
    (botocore.exceptions.ClientError({"Error": {"Code": "ExpiredTokenException", "Message": "expired"}}, "Invoke"),
     "did not accept your credentials"),
    (botocore.exceptions.ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "Invoke"),
     "AWS refused Invoke: AccessDeniedException: no"),
])
def test_aws_errors_become_one_line(error, message):
    with pytest.raises(CliError, match=message), aws_errors():
        raise error
