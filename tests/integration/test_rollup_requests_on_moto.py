"""The daily rollup makes the same DynamoDB and CloudWatch requests for 1,000 and 10,000 posts in the day."""

from __future__ import annotations

import threading
from collections import Counter

import botocore.client
import pytest

from socialcrm.metric_counters import counters_for, distinct_markers, shard_of
from socialcrm.model import AnalyzedPost, Author, CanonicalPost

DAY = "2026-11-20"
PLATFORMS = ("facebook", "instagram", "x", "whatsapp")
SENTIMENTS = ("positive", "neutral", "negative")
SEGMENTS = ("gold", "silver", "bronze")
TOPICS = ("#refund", "delivery")


def write_day(put_items, posts: int) -> None:
    """The table a day of `posts` posts leaves behind: every post, its counters (what the processor ADDs,
    summed per hour, name and shard) and its first-sighting markers, written straight into the tables (moto
    copies every table on each TransactWriteItems, which makes 10,000 transactions far too slow for a test).
    Every combination of platform, sentiment, segment and topic occurs within the first 1,000 posts."""
    import os

    counters: Counter = Counter()
    markers: dict[tuple[str, str], tuple[str, str]] = {}
    post_items = []
    for n in range(posts):
        platform, sentiment = PLATFORMS[n % 4], SENTIMENTS[n // 4 % 3]
        customer = f"c{n % 700}" if n % 5 else None
        segment = SEGMENTS[n % 3] if customer else None
        hour = f"{DAY}T{n % 24:02d}:00:00Z"
        post = CanonicalPost(platform, f"p{n}", "comment", Author(platform, f"u{n % 900}"), "text",
                             f"{DAY}T{n % 24:02d}:{n % 60:02d}:00Z")
        analyzed = AnalyzedPost(post, sentiment, 0.0, customer, f"id:{platform}:u{n}" if customer else None)
        topics = [TOPICS[n % 2]]
        for name, amount in counters_for(analyzed, segment, sentiment == "negative", False, topics).items():
            counters[(hour, name, shard_of(post.key))] += amount
        for marker, counter in distinct_markers(post, customer, segment, topics, DAY):
            if (DAY, marker) not in markers:
                markers[(DAY, marker)] = (hour, counter)
                counters[(hour, counter, shard_of(post.key))] += 1
        post_items.append({"pk": {"S": post.key.text}, "platform": {"S": platform}, "post_id": {"S": post.post_id},
                           "kind": {"S": "comment"}, "created_at": {"S": post.created_at},
                           "sentiment": {"S": sentiment}, "sentiment_score": {"N": "0"}, "status": {"S": "done"}})
    metric_items = [{"pk": {"S": f"COUNTER#{hour}"}, "sk": {"S": f"{name}#{shard}"}, "value": {"N": str(value)}}
                    for (hour, name, shard), value in counters.items()]
    metric_items += [{"pk": {"S": f"SEEN#{day}#{int(marker[:8], 16) % 16}"}, "sk": {"S": marker},
                      "figures": {"S": ""}} for day, marker in markers]
    for table, items in ((os.environ["METRICS_TABLE"], metric_items), (os.environ["POSTS_TABLE"], post_items)):
        put_items(table, items)


def rollup_requests(monkeypatch) -> tuple[Counter, dict]:
    from socialcrm import wiring
    from socialcrm.rollup import roll_up_day

    calls: Counter = Counter()
    original = botocore.client.BaseClient._make_api_call
    this_thread = threading.get_ident()

    def counting(client, operation, params):
        if threading.get_ident() == this_thread:
            calls[(client.meta.service_model.service_name, operation)] += 1
        return original(client, operation, params)

    counters, publisher = wiring.rollup_deps()
    with monkeypatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
        result = roll_up_day(DAY, counters, wiring.call_figures(), publisher)
    return calls, result.figures


@pytest.mark.parametrize("posts", [1_000, 10_000])
def test_the_daily_rollup_costs_the_same_at_any_volume(aws, monkeypatch, posts):
    aws.use("ProcessorFunction")
    write_day(aws.put_items, posts)
    assert aws.client("dynamodb").describe_table(TableName=aws.resources.table_names["PostsTable"])["Table"][
        "ItemCount"] == posts
    aws.use("MetricsRollupFunction")
    calls, figures = rollup_requests(monkeypatch)

    assert sum(figures[f"Posts|Platform={p}|Kind=comment"] for p in PLATFORMS) == posts
    # 24 hour partitions and the customer base (one Query page each); each hour caught up on the way (its
    # stored rollup, its save, its PutMetricData); the day's stored rollup and its save; the calls (one
    # GetMetricData) and the derived figures (one PutMetricData)
    assert calls == Counter({("dynamodb", "Query"): 25, ("dynamodb", "GetItem"): 25, ("dynamodb", "PutItem"): 25,
                             ("cloudwatch", "GetMetricData"): 1, ("cloudwatch", "PutMetricData"): 25})
