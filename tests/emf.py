"""A checker for CloudWatch Embedded Metric Format lines, after the published specification.

Root object with `_aws` {Timestamp (ms), CloudWatchMetrics: [{Namespace, Dimensions: [[names]],
Metrics: [{Name, Unit?}]}]}; every dimension name and metric name is a member of the root;
dimension values are strings; at most 30 dimensions in a set and 100 metrics in a directive.
"""

from __future__ import annotations

import json
from typing import Any

UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}


def emf_problems(document: dict[str, Any]) -> list[str]:
    problems = []
    meta = document.get("_aws")
    if not isinstance(meta, dict):
        return ["no _aws object"]
    if not isinstance(meta.get("Timestamp"), int):
        problems.append("_aws.Timestamp is not an integer of milliseconds")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return [*problems, "_aws.CloudWatchMetrics is not a non-empty list"]
    for directive in directives:
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255:
            problems.append("Namespace missing or not 1-255 characters")
        for dimension_set in directive.get("Dimensions", []):
            if not isinstance(dimension_set, list) or len(dimension_set) > 30:
                problems.append("a dimension set is not a list of at most 30 names")
                continue
            for name in dimension_set:
                if not isinstance(document.get(name), str):
                    problems.append(f"dimension {name!r} has no string value in the root")
        metrics = directive.get("Metrics")
        if not isinstance(metrics, list) or not 1 <= len(metrics) <= 100:
            problems.append("Metrics is not a list of 1-100 definitions")
            continue
        for metric in metrics:
            name = metric.get("Name")
            if not isinstance(name, str) or name not in document:
                problems.append(f"metric {name!r} has no value in the root")
                continue
            values = document[name] if isinstance(document[name], list) else [document[name]]
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
                problems.append(f"metric {name!r} value is not numeric")
            if "Unit" in metric and metric["Unit"] not in UNITS:
                problems.append(f"metric {name!r} has unknown unit {metric['Unit']!r}")
    return problems


def emf_documents(text: str) -> list[dict[str, Any]]:
    """The EMF documents among the JSON lines of a log stream."""
    documents = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "_aws" in value:
            documents.append(value)
    return documents
