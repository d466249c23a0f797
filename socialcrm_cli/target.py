"""Which stack the command works on: the local stack (`make local`) or a deployed one, by its stack name.

Resources are known by their logical IDs in template.yaml (CustomerSyncFunction, PushDeadLetterQueue,
MetricsTable...). On a deployed stack DescribeStacks and ListStackResources give their physical names; on the
local stack the physical name is the logical ID, as infra/local/cfn.py creates them.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from socialcrm_cli.errors import CliError

ROOT = Path(__file__).resolve().parents[1]
LOCAL_AWS = "http://127.0.0.1:5000"
LOCAL_LAMBDA = "http://127.0.0.1:3001"
LOCAL_REGION = "us-east-1"  # the local stack's region (infra/local/cfn.py)
FAKE_KEY = "testing"  # the local stack takes any key
SAM_TYPES = {"AWS::Serverless::Function": "AWS::Lambda::Function"}


class FunctionFailed(CliError):
    """The function raised, timed out or crashed (Lambda's FunctionError)."""


@dataclass(frozen=True)
class Options:
    stack: str | None = None
    local: bool = False
    endpoint_url: str | None = None
    lambda_endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None


@dataclass
class Target:
    session: boto3.Session
    description: str
    resources: dict[str, tuple[str, str]]  # logical ID -> (resource type, physical ID)
    aws_endpoint: str | None = None
    lambda_endpoint: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def local(self) -> bool:
        return self.aws_endpoint is not None

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                endpoint = self.lambda_endpoint if service == "lambda" else self.aws_endpoint
                # Throttles (TooManyRequestsException) and 5xx are retried with backoff by the SDK.
                config = Config(retries={"mode": "adaptive", "max_attempts": 10}, max_pool_connections=64,
                                read_timeout=900 if service == "lambda" else 60, connect_timeout=10)
                session: Any = self.session  # the service is chosen at run time, not one of the stubs' literals
                self._clients[service] = session.client(service, endpoint_url=endpoint, config=config)
            return self._clients[service]

    def physical(self, logical_id: str, kind: str) -> str:
        found = self.resources.get(logical_id)
        if found is None or found[0] != kind:
            raise CliError(f"{self.description} has no {kind} named {logical_id}")
        return found[1]

    def of_type(self, kind: str) -> dict[str, str]:
        return {logical: physical for logical, (found, physical) in self.resources.items() if found == kind}

    def function(self, logical_id: str) -> str:
        return self.physical(logical_id, "AWS::Lambda::Function")

    def table(self, logical_id: str) -> str:
        return self.physical(logical_id, "AWS::DynamoDB::Table")

    def queue_url(self, logical_id: str) -> str:
        physical = self.physical(logical_id, "AWS::SQS::Queue")
        if physical.startswith(("http://", "https://")):
            return physical
        return str(self.client("sqs").get_queue_url(QueueName=physical)["QueueUrl"])

    def invoke(self, logical_id: str, event: Any) -> Any:
        """The function's answer; FunctionFailed when it raised, timed out or crashed."""
        answer = self.client("lambda").invoke(FunctionName=self.function(logical_id),
                                              Payload=json.dumps(event).encode())
        payload = answer["Payload"].read()
        try:
            result = json.loads(payload) if payload else None
        except ValueError as error:
            raise FunctionFailed(f"{logical_id} answered something that is not JSON") from error
        if answer.get("FunctionError"):
            message = result.get("errorMessage") if isinstance(result, dict) else None
            kind = result.get("errorType") if isinstance(result, dict) else None
            raise FunctionFailed(f"{logical_id} failed: {kind or 'error'}: {message or 'no message'}")
        return result

    def reserved_concurrency(self, logical_id: str) -> int | None:
        """The function's reserved concurrency, if it has one (deployed stacks only)."""
        if self.local:
            return None
        answer = self.client("lambda").get_function_concurrency(FunctionName=self.function(logical_id))
        reserved = answer.get("ReservedConcurrentExecutions")
        return int(reserved) if reserved is not None else None


def local_resources(template_path: Path = ROOT / "template.yaml") -> dict[str, tuple[str, str]]:
    from infra.local.cfn import load_template

    template = load_template(template_path)
    return {logical: (SAM_TYPES.get(body.get("Type", ""), body.get("Type", "")), logical)
            for logical, body in template.get("Resources", {}).items()}


def stack_resources(cloudformation: Any, stack: str) -> dict[str, tuple[str, str]]:
    try:
        cloudformation.describe_stacks(StackName=stack)
    except botocore.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") == "ValidationError":
            region = cloudformation.meta.region_name
            raise CliError(f"no stack named {stack!r} in {region} (check --stack and --region)") from error
        raise
    resources: dict[str, tuple[str, str]] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        for summary in page.get("StackResourceSummaries", []):
            if summary.get("PhysicalResourceId"):
                resources[summary["LogicalResourceId"]] = (summary["ResourceType"], summary["PhysicalResourceId"])
    return resources


def connect(options: Options) -> Target:
    """The target the options name; CliError when they name none, or it cannot be reached."""
    if options.stack and (options.local or options.endpoint_url):
        raise CliError("give either --stack (a deployed stack) or --local / --endpoint-url, not both", code=2)
    if options.local or options.endpoint_url:
        aws = options.endpoint_url or LOCAL_AWS
        lambda_endpoint = options.lambda_endpoint_url or (LOCAL_LAMBDA if options.local else aws)
        session = boto3.Session(profile_name=options.profile, region_name=options.region or LOCAL_REGION)
        if session.get_credentials() is None:  # the local stack takes any key
            session = boto3.Session(aws_access_key_id=FAKE_KEY, aws_secret_access_key=FAKE_KEY,
                                    region_name=options.region or LOCAL_REGION)
        return Target(session, f"the local stack at {aws}", local_resources(), aws, lambda_endpoint)
    if not options.stack:
        raise CliError("which stack? --stack NAME (a deployed stack) or --local (make local); "
                       "or set SOCIALCRM_STACK", code=2)
    with aws_errors():
        try:
            session = boto3.Session(profile_name=options.profile, region_name=options.region)
        except botocore.exceptions.ProfileNotFound as error:
            raise CliError(f"no AWS profile named {options.profile!r}") from error
        if session.region_name is None:
            raise CliError("no AWS region: pass --region or set AWS_REGION", code=2)
        resources = stack_resources(session.client("cloudformation"), options.stack)
    return Target(session, f"stack {options.stack}", resources)


@contextlib.contextmanager
def aws_errors() -> Iterator[None]:
    """AWS and connection failures as one line the operator can act on."""
    try:
        yield
    except (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError) as error:
        raise CliError("no AWS credentials: run `aws configure` or `aws sso login`, or set AWS_PROFILE") from error
    except botocore.exceptions.NoRegionError as error:
        raise CliError("no AWS region: pass --region or set AWS_REGION", code=2) from error
    except botocore.exceptions.EndpointConnectionError as error:
        endpoint = str(error.kwargs.get("endpoint_url", "AWS"))
        hint = " (is `make local` running?)" if "127.0.0.1" in endpoint or "localhost" in endpoint else ""
        raise CliError(f"cannot reach {endpoint}{hint}") from error
    except botocore.exceptions.ClientError as error:
        details = error.response.get("Error", {})
        code, message = details.get("Code", "Error"), details.get("Message", "")
        if code in ("ExpiredToken", "ExpiredTokenException", "UnrecognizedClientException",
                    "InvalidClientTokenId", "InvalidSignatureException"):
            raise CliError(f"AWS did not accept your credentials ({code}): sign in again") from error
        raise CliError(f"AWS refused {error.operation_name}: {code}: {message}".rstrip(": ")) from error
    except botocore.exceptions.BotoCoreError as error:
        raise CliError(f"AWS call failed: {error}") from error
