"""template.yaml -> local resources, so the local stack and the tests cannot drift from the template.

Usage (integration tests, inside moto's ``mock_aws()``; or against the moto server):

    template = load_template("template.yaml")
    session = boto3.Session(region_name="us-east-1")
    resources = create_resources(session, template, parameters, "infra/local/secrets.json")
    specs = function_specs(template, resources)   # code dir, handler, environment, events per function

Every table, queue and secret of the template is created with its logical ID as its name; every bucket with its
logical ID in lower case (bucket names cannot hold capitals).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REGION = "us-east-1"
ACCOUNT = "123456789012"
_SUB = re.compile(r"\$\{([^}]+)\}")


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML loader that turns CloudFormation short tags into their long form (!Ref x -> {"Ref": x}); libyaml's
    parser where PyYAML has it (the same documents, about 8 times faster than the pure-Python one)."""


def _short_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if tag_suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _short_tag)


def load_template(path: str | Path = "template.yaml") -> dict[str, Any]:
    with open(path, encoding="utf-8") as source:
        return yaml.load(source, Loader=_CfnLoader)  # noqa: S506 (a safe loader: SafeLoader or CSafeLoader)


@dataclass
class LocalResources:
    parameters: dict[str, str]
    template: dict[str, Any]
    table_names: dict[str, str] = field(default_factory=dict)
    queue_urls: dict[str, str] = field(default_factory=dict)
    queue_arns: dict[str, str] = field(default_factory=dict)
    secret_arns: dict[str, str] = field(default_factory=dict)
    bucket_names: dict[str, str] = field(default_factory=dict)

    def parameter(self, name: str) -> str:
        if name in self.parameters:
            return str(self.parameters[name])
        declared = self.template.get("Parameters", {}).get(name)
        if declared is None or "Default" not in declared:
            raise KeyError(f"template parameter {name} has no value (set it in the local parameters file)")
        return str(declared["Default"])

    def ref(self, name: str) -> str:
        pseudo = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com",
                  "AWS::StackName": "socialcrm-local", "AWS::Partition": "aws"}
        if name in pseudo:
            return pseudo[name]
        for physical in (self.table_names, self.queue_urls, self.secret_arns, self.bucket_names):
            if name in physical:
                return physical[name]
        if name in self.template.get("Parameters", {}):
            return self.parameter(name)
        if name in self.template.get("Resources", {}):
            return name
        raise KeyError(f"cannot resolve Ref {name}")

    def get_att(self, name: str, attribute: str) -> str:
        if name in self.queue_arns:
            if attribute == "Arn":
                return self.queue_arns[name]
            if attribute == "QueueName":
                return name
            if attribute == "QueueUrl":
                return self.queue_urls[name]
        if name in self.bucket_names and attribute == "Arn":
            return f"arn:aws:s3:::{self.bucket_names[name]}"
        if name in self.table_names and attribute == "Arn":
            return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
        if attribute == "Arn":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        raise KeyError(f"cannot resolve GetAtt {name}.{attribute}")

    def resolve(self, value: Any) -> Any:
        """Resolve Ref, GetAtt, Sub and Join in a template value."""
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                return self.get_att(*argument)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::Join":
                separator, parts = argument
                return separator.join(str(self.resolve(p)) for p in parts)
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return _SUB.sub(replace, text)


def _resources_of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template.get("Resources", {}).items() if body.get("Type") == kind}


def create_resources(session: Any, template: dict[str, Any], parameters: dict[str, Any],
                     secrets_file: str | Path | None = None) -> LocalResources:
    """Create the template's tables, queues (dead-letter queues first) and secrets through `session`."""
    resources = LocalResources({k: str(v) for k, v in parameters.items()}, template)
    _create_tables(session.client("dynamodb", region_name=REGION), template, resources)
    _create_queues(session.client("sqs", region_name=REGION), template, resources)
    _create_buckets(session.client("s3", region_name=REGION), template, resources)
    secrets = json.loads(Path(secrets_file).read_text(encoding="utf-8")) if secrets_file else {}
    _create_secrets(session.client("secretsmanager", region_name=REGION), template, resources, secrets)
    return resources


def _create_tables(dynamodb: Any, template: dict[str, Any], resources: LocalResources) -> None:
    for name, body in _resources_of(template, "AWS::DynamoDB::Table").items():
        properties = body["Properties"]
        arguments = {
            "TableName": name,
            "KeySchema": properties["KeySchema"],
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if properties.get("GlobalSecondaryIndexes"):
            arguments["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
        dynamodb.create_table(**arguments)
        ttl = properties.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification={
                "AttributeName": ttl["AttributeName"], "Enabled": True})
        resources.table_names[name] = name


def _create_queues(sqs: Any, template: dict[str, Any], resources: LocalResources) -> None:
    queues = _resources_of(template, "AWS::SQS::Queue")
    # Dead-letter queues (no redrive policy of their own) first, so their ARNs resolve.
    for name, body in sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1].get("Properties", {})):
        properties = body.get("Properties", {})
        attributes = {key: str(properties[key]) for key in ("VisibilityTimeout", "MessageRetentionPeriod",
                                                           "DelaySeconds", "ReceiveMessageWaitTimeSeconds")
                      if key in properties}
        if "RedrivePolicy" in properties:
            attributes["RedrivePolicy"] = json.dumps(resources.resolve(properties["RedrivePolicy"]))
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        resources.queue_urls[name] = url
        resources.queue_arns[name] = arn


def _create_buckets(s3: Any, template: dict[str, Any], resources: LocalResources) -> None:
    for name in _resources_of(template, "AWS::S3::Bucket"):
        bucket = name.lower()
        s3.create_bucket(Bucket=bucket)
        resources.bucket_names[name] = bucket


def _create_secrets(secretsmanager: Any, template: dict[str, Any], resources: LocalResources,
                    secrets: dict[str, Any]) -> None:
    for name, body in _resources_of(template, "AWS::SecretsManager::Secret").items():
        seed = body.get("Metadata", {}).get("LocalSeed", {})
        if "Key" in seed:
            value = secrets.get(seed["Key"], {})
        else:
            value = {k: v for k, v in secrets.items() if k not in seed.get("ExcludeKeys", [])}
        answer = secretsmanager.create_secret(Name=name, SecretString=json.dumps(value))
        resources.secret_arns[name] = answer["ARN"]


@dataclass(frozen=True)
class FunctionEvent:
    kind: str  # HttpApi | SQS | Schedule
    properties: dict[str, Any]


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    code_dir: str
    handler: str
    timeout: int
    memory: int
    environment: dict[str, str]
    layer_dirs: tuple[str, ...]
    events: tuple[FunctionEvent, ...]
    reserved_concurrency: int | None = None


def function_layers(template: dict[str, Any]) -> dict[str, list[str]]:
    """Each function's layers (logical IDs): Globals' first, then its own, as SAM appends lists to Globals."""
    defaults = template.get("Globals", {}).get("Function", {}).get("Layers", [])
    layers = _resources_of(template, "AWS::Serverless::LayerVersion")
    return {name: [ref["Ref"] for ref in [*defaults, *body["Properties"].get("Layers", [])]
                   if isinstance(ref, dict) and ref.get("Ref") in layers]
            for name, body in _resources_of(template, "AWS::Serverless::Function").items()}


def function_specs(template: dict[str, Any], resources: LocalResources) -> dict[str, FunctionSpec]:
    """Each AWS::Serverless::Function merged with Globals.Function, its values resolved locally."""
    defaults = template.get("Globals", {}).get("Function", {})
    layers = _resources_of(template, "AWS::Serverless::LayerVersion")
    specs = {}
    for name, body in _resources_of(template, "AWS::Serverless::Function").items():
        properties = body["Properties"]
        environment = {
            **defaults.get("Environment", {}).get("Variables", {}),
            **properties.get("Environment", {}).get("Variables", {}),
        }
        layer_dirs = tuple(layers[layer]["Properties"]["ContentUri"].rstrip("/")
                           for layer in function_layers(template)[name])
        events = []
        for event in properties.get("Events", {}).values():
            event_properties = resources.resolve(event.get("Properties", {}))
            events.append(FunctionEvent(event["Type"], event_properties))
        specs[name] = FunctionSpec(
            name=name,
            code_dir=properties["CodeUri"].rstrip("/"),
            handler=properties.get("Handler", defaults.get("Handler")),
            timeout=int(properties.get("Timeout", defaults.get("Timeout", 3))),
            memory=int(properties.get("MemorySize", defaults.get("MemorySize", 128))),
            environment={key: str(resources.resolve(value)) for key, value in environment.items()},
            layer_dirs=layer_dirs,
            events=tuple(events),
            reserved_concurrency=(int(resources.resolve(properties["ReservedConcurrentExecutions"]))
                                  if "ReservedConcurrentExecutions" in properties else None),
        )
    return specs


def queue_name_of_arn(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]
