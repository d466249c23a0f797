"""CloudWatch PutMetricData publisher for rollups, batched within the API's limits."""

from __future__ import annotations

from datetime import datetime
from functools import cache

import boto3

from socialcrm.rollup import split_counter_name

MAX_DATUMS_PER_REQUEST = 1000  # PutMetricData limit per request (payload also stays far below 1 MB)


@cache
def _cloudwatch():
    return boto3.client("cloudwatch")


class CloudWatchPublisher:
    def __init__(self, namespace: str, client=None) -> None:
        self.namespace = namespace
        self._client = client

    def publish(self, hour_start: str, figures: dict[str, float]) -> int:
        client = self._client or _cloudwatch()
        timestamp = datetime.fromisoformat(hour_start.replace("Z", "+00:00"))
        data = []
        for name, value in sorted(figures.items()):
            metric, dimensions = split_counter_name(name)
            data.append({
                "MetricName": metric,
                "Dimensions": [{"Name": key, "Value": val} for key, val in dimensions],
                "Timestamp": timestamp,
                "Value": value,
                "Unit": "Count",
            })
        requests = 0
        for start in range(0, len(data), MAX_DATUMS_PER_REQUEST):
            client.put_metric_data(Namespace=self.namespace, MetricData=data[start:start + MAX_DATUMS_PER_REQUEST])
            requests += 1
        return requests
