"""The daily rollup makes the same DynamoDB and CloudWatch requests for 1,000 and 3,000 posts in the day. Three
times the posts shows a request per post, per batch or per page as well as 10,000 would (every partition stays one
Query page at either size, and at 10,000)."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime

import botocore.client
import pytest

from socialcrm import answer_worth
from socialcrm.metric_counters import counters_for, distinct_markers
from socialcrm.model import AnalyzedPost, Author, CanonicalPost

DAY = "2026-11-20"
CLOSED = datetime(2026, 11, 22, 0, 20, tzinfo=UTC)  # the daily schedule after the next day: the cohort is final
PLATFORMS = ("facebook", "instagram", "x", "whatsapp")
SENTIMENTS = ("positive", "neutral", "negative")
SEGMENTS = ("gold", "silver", "bronze")
TOPICS = ("#refund", "delivery")


def write_day(put_items, posts: int) -> None:
    """The table a day of `posts` posts leaves behind: every post, and what the processor writes for each batch of
    10 (its summed counts per hour, naming its posts, and the voices it saw), written straight into the tables.
    Every combination of platform, sentiment, segment and topic occurs within the first 1,000 posts. The cohort's
    facts (what answering is worth): every customer who posted, one in three answered, one in four called."""
    import json
    import os

    counts: dict[tuple[str, int], Counter] = defaultdict(Counter)
    named: dict[tuple[str, int], list[str]] = defaultdict(list)
    seen: dict[int, dict[str, dict[str, set[str]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    asked: dict[str, str] = {}
    asked_in: dict[int, dict[str, str]] = defaultdict(dict)  # each batch's customers of the day (its ASKED item)
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
        batch = n // 240 * 24 + n % 24  # ten posts of one hour
        if customer:
            asked[customer] = min(asked.get(customer, post.created_at), post.created_at)
            marker = answer_worth.marker(DAY, customer)
            asked_in[batch][marker] = min(asked_in[batch].get(marker, post.created_at), post.created_at)
        counts[(hour, batch)].update(counters_for(analyzed, segment, sentiment == "negative", False, topics))
        named[(hour, batch)].append(post.key.text)
        for marker, counter in distinct_markers(post, customer, segment, topics, DAY):
            seen[batch][hour][counter].add(marker)
        post_items.append({"pk": {"S": post.key.text}, "platform": {"S": platform}, "post_id": {"S": post.post_id},
                           "kind": {"S": "comment"}, "created_at": {"S": post.created_at},
                           "sentiment": {"S": sentiment}, "sentiment_score": {"N": "0"}, "batch": {"S": f"b{batch}"}})
    metric_items = [{"pk": {"S": f"COUNTER#{hour}"}, "sk": {"S": f"BATCH#b{batch}"},
                     "counts": {"S": json.dumps(dict(counted))}, "posts": {"S": json.dumps(named[(hour, batch)])}}
                    for (hour, batch), counted in counts.items()]
    metric_items += [{"pk": {"S": f"SEEN#{DAY}"}, "sk": {"S": f"BATCH#b{batch}"}, "seen": {"S": json.dumps(
        {hour: {counter: sorted(markers) for counter, markers in families.items()}
         for hour, families in by_hour.items()})}} for batch, by_hour in seen.items()]
    metric_items += [{"pk": {"S": answer_worth.asked_batch_partition(DAY, f"b{batch}")}, "sk": {"S": f"BATCH#b{batch}"},
                      "asked": {"S": json.dumps(noted)}} for batch, noted in asked_in.items()]
    for customer in asked:
        marker = answer_worth.marker(DAY, customer)
        if int(customer[1:]) % 3 == 0:
            metric_items.append({"pk": {"S": answer_worth.asked_partition(DAY, marker)}, "sk": {"S": marker},
                                 "answered": {"N": "1"}})
        if int(customer[1:]) % 4 == 0:
            metric_items.append({"pk": {"S": answer_worth.called_partition(DAY)}, "sk": {"S": marker},
                                 "previous": {"S": answer_worth.marker("2026-11-19", customer)},
                                 "first_call_at": {"S": f"{DAY}T23:59:00Z"}, "last_call_at": {"S": f"{DAY}T23:59:59Z"}})
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
        result = roll_up_day(DAY, counters, wiring.call_figures(), publisher, CLOSED)
    return calls, result.figures


@pytest.mark.parametrize("posts", [1_000, 3_000])
def test_the_daily_rollup_costs_the_same_at_any_volume(aws, monkeypatch, posts):
    aws.use("ProcessorFunction")
    write_day(aws.put_items, posts)
    assert aws.client("dynamodb").describe_table(TableName=aws.resources.table_names["PostsTable"])["Table"][
        "ItemCount"] == posts
    aws.use("MetricsRollupFunction")
    calls, figures = rollup_requests(monkeypatch)

    assert sum(figures[f"Posts|Platform={p}|Kind=comment"] for p in PLATFORMS) == posts
    assert figures["AnsweredCustomers"] + figures["UnansweredCustomers"] == 560  # c1..c699 but c0, c5, c10...
    assert figures["AnsweredCustomersCalled"] + figures["UnansweredCustomersCalled"] == 140
    # 24 hour partitions, each with the day's sightings, and the customer base (one Query page each); each hour
    # caught up on the way (its stored rollup, its save, its PutMetricData); the day's stored rollup and its
    # save; the calls (one GetMetricData), the derived figures (one PutMetricData); the cohort: 8 ASKED
    # partitions and the CALLED partitions of the day and the next (one Query page each), its two statistic sets
    # (one PutMetricData)
    assert calls == Counter({("dynamodb", "Query"): 59, ("dynamodb", "GetItem"): 25, ("dynamodb", "PutItem"): 25,
                             ("cloudwatch", "GetMetricData"): 1, ("cloudwatch", "PutMetricData"): 26})
