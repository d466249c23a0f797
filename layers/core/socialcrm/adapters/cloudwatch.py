"""CloudWatch PutMetricData publisher for rollups, batched within the API's limits."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

import boto3

from socialcrm.metric_catalogue import CALL_METRICS, CALLS_SOURCE, UNITS
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
                "Unit": UNITS.get(metric, "Count"),
            })
        requests = 0
        for start in range(0, len(data), MAX_DATUMS_PER_REQUEST):
            client.put_metric_data(Namespace=self.namespace, MetricData=data[start:start + MAX_DATUMS_PER_REQUEST])
            requests += 1
        return requests


class CloudWatchCallFigures:
    """Calls and channel switching for a day, from the lookup's EMF metrics: one GetMetricData request."""

    def __init__(self, namespace: str, service: str, client=None) -> None:
        self.namespace, self.service, self._client = namespace, service, client

    def _query(self, query_id: str, metric: str, outcome: str) -> dict:
        dimensions = [{"Name": "outcome", "Value": outcome}, {"Name": "service", "Value": self.service}]
        return {"Id": query_id, "ReturnData": True, "MetricStat": {
            "Metric": {"Namespace": self.namespace, "MetricName": metric, "Dimensions": dimensions},
            "Period": 86400, "Stat": "Sum"}}

    def read_day(self, day: str) -> dict[str, float]:
        from socialcrm.lookup import LOOKUP_OUTCOMES

        client = self._client or _cloudwatch()
        start = datetime.fromisoformat(f"{day}T00:00:00+00:00")
        queries = [self._query(f"calls{n}", "Lookups", outcome) for n, outcome in enumerate(LOOKUP_OUTCOMES)]
        queries += [self._query(f"ch{n}", metric, "found") for n, metric in enumerate(CALL_METRICS)]
        answer = client.get_metric_data(MetricDataQueries=queries, StartTime=start,
                                        EndTime=start + timedelta(days=1))
        values = {result["Id"]: sum(result.get("Values") or []) for result in answer["MetricDataResults"]}
        figures = {CALLS_SOURCE: float(sum(v for k, v in values.items() if k.startswith("calls")))}
        figures.update({metric: float(values.get(f"ch{n}", 0)) for n, metric in enumerate(CALL_METRICS)})
        return figures
