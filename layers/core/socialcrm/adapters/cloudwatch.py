"""CloudWatch PutMetricData publisher for rollups, batched within the API's limits."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

import boto3

from socialcrm.metric_catalogue import CALL_METRICS, CALLS_SOURCE, UNITS
from socialcrm.rollup import split_counter_name

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import (
        DimensionTypeDef,
        MetricDataQueryTypeDef,
        MetricDatumTypeDef,
        MetricStatTypeDef,
    )

MAX_DATUMS_PER_REQUEST = 1000  # PutMetricData limit per request (payload also stays far below 1 MB)


@cache
def _cloudwatch() -> CloudWatchClient:
    return boto3.client("cloudwatch")


class CloudWatchPublisher:
    def __init__(self, namespace: str, client: CloudWatchClient | None = None) -> None:
        self.namespace = namespace
        self._client = client

    def publish(self, hour_start: str, figures: dict[str, float]) -> int:
        client = self._client or _cloudwatch()
        timestamp = datetime.fromisoformat(hour_start.replace("Z", "+00:00"))
        data: list[MetricDatumTypeDef] = []
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
    """Calls and channel switching for a day, from the lookup's EMF metrics (`Lookups` of every call; the signals,
    written only by calls that found a card): one GetMetricData request."""

    def __init__(self, namespace: str, service: str, client: CloudWatchClient | None = None) -> None:
        self.namespace, self.service, self._client = namespace, service, client

    def _query(self, query_id: str, metric: str) -> MetricDataQueryTypeDef:
        dimensions: list[DimensionTypeDef] = [{"Name": "service", "Value": self.service}]
        metric_stat: MetricStatTypeDef = {
            "Metric": {"Namespace": self.namespace, "MetricName": metric, "Dimensions": dimensions},
            "Period": 86400, "Stat": "Sum"}
        return {"Id": query_id, "ReturnData": True, "MetricStat": metric_stat}

    def read_day(self, day: str) -> dict[str, float]:
        client = self._client or _cloudwatch()
        start = datetime.fromisoformat(f"{day}T00:00:00+00:00")
        queries = [self._query("calls", "Lookups")]
        queries += [self._query(f"ch{n}", metric) for n, metric in enumerate(CALL_METRICS)]
        answer = client.get_metric_data(MetricDataQueries=queries, StartTime=start,
                                        EndTime=start + timedelta(days=1))
        values = {result["Id"]: sum(result.get("Values") or []) for result in answer["MetricDataResults"]}
        figures = {CALLS_SOURCE: float(values.get("calls", 0))}
        figures.update({metric: float(values.get(f"ch{n}", 0)) for n, metric in enumerate(CALL_METRICS)})
        return figures
