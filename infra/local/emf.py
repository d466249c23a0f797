"""What CloudWatch Logs does with Embedded Metric Format lines, for the local stack: every EMF document a
function prints becomes PutMetricData on the embedded moto server, so dashboards' metrics and the daily
rollup's GetMetricData see what they would see in AWS."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
from botocore.config import Config


def metric_data(document: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(namespace, MetricData) per directive of an EMF document; [] when the line is not EMF."""
    meta = document.get("_aws") if isinstance(document, dict) else None
    if not isinstance(meta, dict):
        return []
    stamp = datetime.fromtimestamp(int(meta.get("Timestamp", 0)) / 1000, UTC)
    found = []
    for directive in meta.get("CloudWatchMetrics") or []:
        data = []
        for dimension_set in directive.get("Dimensions") or [[]]:
            dimensions = [{"Name": name, "Value": str(document[name])} for name in dimension_set if name in document]
            for metric in directive.get("Metrics") or []:
                values = document.get(metric["Name"])
                for value in values if isinstance(values, list) else [values]:
                    if isinstance(value, (int, float)):
                        data.append({"MetricName": metric["Name"], "Dimensions": dimensions, "Timestamp": stamp,
                                     "Value": float(value), "Unit": metric.get("Unit", "None")})
        if data:
            found.append((directive["Namespace"], data))
    return found


class EmfForwarder:
    """Collects EMF lines from every function and sends them in batches (thread-safe). Like CloudWatch
    Logs, delivery is asynchronous: `flush()` makes everything printed so far visible."""

    def __init__(self, endpoint: str, region: str, interval: float = 1.0) -> None:
        self.endpoint, self.region, self.interval = endpoint, region, interval
        self.lock = threading.Lock()
        self.pending: dict[str, list[dict[str, Any]]] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    @cache  # noqa: B019 (one client per forwarder, which lives as long as the stack)
    def _client(self) -> Any:
        return boto3.client("cloudwatch", endpoint_url=self.endpoint, region_name=self.region,
                            aws_access_key_id="testing", aws_secret_access_key="testing",  # noqa: S106
                            config=Config(disable_request_compression=True))  # see GZIP_NOTE in stack.py

    def collect(self, line: str) -> None:
        if '"_aws"' not in line:
            return
        try:
            document = json.loads(line)
        except ValueError:
            return
        with self.lock:
            for namespace, data in metric_data(document):
                self.pending.setdefault(namespace, []).extend(data)

    def flush(self) -> int:
        """Send what was collected; returns the number of PutMetricData requests."""
        with self.lock:
            pending, self.pending = self.pending, {}
            sent = 0
            for namespace, data in pending.items():
                for start in range(0, len(data), 1000):
                    self._client().put_metric_data(Namespace=namespace, MetricData=data[start:start + 1000])
                    sent += 1
            return sent

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.flush()
            except Exception:  # noqa: S112 (moto is stopping; the next flush or stop() retries)
                continue

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)
