"""make report reads the template's MetricsTable by key: daily rollups, hourly ones, and nothing else."""

from __future__ import annotations

import json
from datetime import date

import botocore.client

from infra import report


def put_rollup(dynamodb, pk: str, sk: str, figures: dict) -> None:
    dynamodb.put_item(TableName="MetricsTable", Item={"pk": {"S": pk}, "sk": {"S": sk},
                                                      "figures": {"S": json.dumps(figures)}})


def test_the_report_reads_rollups_by_key_and_renders_them(aws, tmp_path, monkeypatch):
    dynamodb = aws.client("dynamodb")
    put_rollup(dynamodb, "ROLLUP#2026-11-20", "DAILY", {"Posts|Platform=x|Kind=post": 4, "MatchRate": 0.5})
    put_rollup(dynamodb, "ROLLUP#2026-11-21T09:00:00Z", "HOURLY", {"Posts|Platform=x|Kind=post": 2})
    put_rollup(dynamodb, "ROLLUP#2026-11-21T23:00:00Z", "HOURLY", {"Posts|Platform=x|Kind=post": 3})
    put_rollup(dynamodb, "ROLLUP#2026-11-18", "DAILY", {"Posts|Platform=x|Kind=post": 99})  # before the period
    put_rollup(dynamodb, "COUNTER#2026-11-21T09:00:00Z", "Posts|Platform=x|Kind=post#0", {})

    operations: list[str] = []
    real_call = botocore.client.BaseClient._make_api_call

    def recording(client, operation, params):
        operations.append(operation)
        return real_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    rollups = report.read_table(dynamodb, "MetricsTable", days=2, until=date(2026, 11, 21))
    assert set(operations) == {"BatchGetItem"}
    assert rollups.daily == {"2026-11-20": {"Posts|Platform=x|Kind=post": 4.0, "MatchRate": 0.5}}
    assert rollups.hourly == {"2026-11-21T09:00:00Z": {"Posts|Platform=x|Kind=post": 2.0},
                              "2026-11-21T23:00:00Z": {"Posts|Platform=x|Kind=post": 3.0}}

    summary = report.render(rollups, tmp_path)
    assert (summary.days, summary.from_hours, summary.totals["Posts"]) == (["2026-11-20", "2026-11-21"],
                                                                          ["2026-11-21"], 9.0)
    assert (tmp_path / "summary.html").is_file() and (tmp_path / "summary.png").is_file()
