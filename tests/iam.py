"""What template.yaml lets a function do in DynamoDB, and what a DynamoDB request needs (for the tests)."""

from __future__ import annotations

import re
from typing import Any

INDEX = "index"  # a grant on "<table>/index/*"

_TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                     "ConditionCheck": "ConditionCheckItem"}


def function_policies(template: dict[str, Any], function: str) -> list[dict]:
    """The function's policies with !If branches opened (both branches count)."""
    found = []
    for policy in template["Resources"][function]["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Fn::If" in policy:
            found += [branch for branch in policy["Fn::If"][1:] if isinstance(branch, dict) and "Ref" not in branch]
        else:
            found.append(policy)
    return found


def policy_templates(template: dict[str, Any], function: str) -> dict[str, list]:
    """SAM policy templates the function uses (name -> its arguments, once per use)."""
    used: dict[str, list] = {}
    for policy in function_policies(template, function):
        for name, argument in policy.items():
            if name != "Statement":
                used.setdefault(name, []).append(argument)
    return used


def resource_refs(template: dict[str, Any], argument: Any) -> set[str]:
    """The template's resources a policy argument names (by !Ref or !GetAtt)."""
    text = repr(argument)
    return {name for name in template["Resources"] if f"'{name}'" in text or f"'{name}." in text}


def _table_of(resource: Any) -> tuple[str, str | None] | None:
    """("CustomersTable", None) for !GetAtt CustomersTable.Arn; ("PostsTable", "index") for its index ARNs (all of
    them, or one by name)."""
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        name, attribute = resource["Fn::GetAtt"]
        return (name, None) if attribute == "Arn" else None
    if isinstance(resource, dict) and "Fn::Sub" in resource and isinstance(resource["Fn::Sub"], str):
        match = re.fullmatch(r"\$\{(\w+)\.Arn\}(/index/(?:\*|[\w.-]+))?", resource["Fn::Sub"])
        if match:
            return match.group(1), INDEX if match.group(2) else None
    return None


def dynamodb_grants(template: dict[str, Any], function: str) -> set[tuple[str, str, str | None]]:
    """{(action without the prefix, table logical id, None | "index")} from the function's Statements."""
    grants = set()
    for policy in function_policies(template, function):
        for statement in policy.get("Statement", []):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in actions:
                if not action.startswith("dynamodb:"):
                    continue
                for resource in resources:
                    table = _table_of(resource)
                    assert table is not None, (function, resource)
                    grants.add((action.removeprefix("dynamodb:"), *table))
    return grants


def dynamodb_needs(operation: str, params: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """The (action, table, None | "index") one DynamoDB request needs."""
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(operation, table, None) for table in params.get("RequestItems", {})]
    if operation == "TransactWriteItems":
        return [(_TRANSACT_ACTIONS[kind], body["TableName"], None)
                for item in params["TransactItems"] for kind, body in item.items()]
    if operation == "TransactGetItems":
        return [("GetItem", item["Get"]["TableName"], None) for item in params["TransactItems"]]
    if "TableName" in params:
        return [(operation, params["TableName"], INDEX if params.get("IndexName") else None)]
    return [(operation, "*", None)]
