"""What answering is worth on moto: the processor and the lookup write their facts under the template's policies,
the rollup reads them by key and sends one statistic set per group once the windows have closed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import botocore.client
import pytest

from socialcrm.model import Author, CanonicalPost
from tests.integration.test_pipeline_on_moto import contact_event, sqs_event
from tests.support.functions import LambdaContext, load_handler

PAGE = "1234567890"  # OfficialAccounts in infra/local/parameters.json
CUSTOMERS = [{"customer_id": f"aw-{n}", "name": f"Customer {n}", "phones": [f"+4479001{n:05d}"],
              "social": [{"platform": "facebook", "user_id": f"61044200{n:02d}"}]} for n in (1, 2)]


def message(post_id: str, user_id: str, when: datetime, reply_to: str | None = None) -> str:
    post = CanonicalPost(platform="facebook", post_id=post_id, kind="comment", author=Author("facebook", user_id),
                         text="Where is my refund" if reply_to is None else "We are on it",
                         created_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"), source="meta", reply_to=reply_to)
    return json.dumps(post.to_message())


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def items(aws, prefix: str) -> list[dict]:
    """The test's own look at the facts (a Scan of moto's table, never a function's request)."""
    table = aws.resources.table_names["MetricsTable"]
    return [item for item in aws.client("dynamodb").scan(TableName=table)["Items"]
            if item["pk"]["S"].startswith(prefix)]


def test_a_customer_answered_who_called_and_one_unanswered_who_did_not(aws):
    now = datetime.now(UTC).replace(microsecond=0)
    posted = now - timedelta(hours=2)
    day = posted.strftime("%Y-%m-%d")
    aws.use("CustomerSyncFunction")
    assert load_handler("customer_sync").lambda_handler({"customers": CUSTOMERS}, LambdaContext())["upserted"] == 2

    aws.use("ProcessorFunction")
    processor = load_handler("processor")
    first = [message("aw-q1", "6104420001", posted), message("aw-q2", "6104420002", posted + timedelta(minutes=5))]
    assert processor.lambda_handler(sqs_event(first), LambdaContext()) == {"batchItemFailures": []}
    answer = [message("aw-r1", PAGE, posted + timedelta(minutes=30), reply_to="aw-q1"),
              message("aw-q0", "6104420001", posted - timedelta(minutes=1))]  # an earlier post arrives late
    assert processor.lambda_handler(sqs_event(answer), LambdaContext()) == {"batchItemFailures": []}
    # Each batch's customers of the day in one item (written with its sightings); the answer in the customer's.
    asked = items(aws, f"ASKED#{day}#")
    noted = [json.loads(item["asked"]["S"]) for item in asked if item["sk"]["S"].startswith("BATCH#")]
    assert sorted(sorted(batch.values()) for batch in noted) == [
        [stamp(posted - timedelta(minutes=1))], [stamp(posted), stamp(posted + timedelta(minutes=5))]]
    answered = [item for item in asked if not item["sk"]["S"].startswith("BATCH#")]
    assert [("answered" in item, "first_post_at" in item) for item in answered] == [(True, False)]
    assert "aw-" not in json.dumps(asked)  # hashed, no customer id

    aws.use("ContactLookupFunction")  # its policy may write CALLED#* in MetricsTable, nothing else
    lookup = load_handler("contact_lookup")
    assert lookup.lambda_handler(contact_event("+447900100001"), LambdaContext())["found"] == "true"
    assert lookup.lambda_handler(contact_event("+447900100001"), LambdaContext())["found"] == "true"
    called = items(aws, "CALLED#")
    assert len(called) == 1 and called[0]["first_call_at"]["S"] <= called[0]["last_call_at"]["S"]

    aws.use("MetricsRollupFunction")
    rollup = load_handler("metrics_rollup")
    figures = rollup.lambda_handler({"day": day}, LambdaContext())["figures"]
    assert {name: figures[name] for name in ("AnsweredCustomers", "AnsweredCustomersCalled", "UnansweredCustomers",
                                             "UnansweredCustomersCalled", "AnswerWorthOpenWindows")} == {
        "AnsweredCustomers": 1, "AnsweredCustomersCalled": 1, "UnansweredCustomers": 1,
        "UnansweredCustomersCalled": 0, "AnswerWorthOpenWindows": 2}
    cloudwatch = aws.client("cloudwatch")
    assert cloudwatch.list_metrics(Namespace="SocialCRM", MetricName="AnsweredCustomersCalled")["Metrics"] == []

    # Once the windows have closed (the schedule after the next day), each group goes as one statistic set.
    from socialcrm import wiring
    from socialcrm.rollup import roll_up_day

    counters, publisher = wiring.rollup_deps()
    closed = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC) + timedelta(days=2, minutes=20)
    result = roll_up_day(day, counters, wiring.call_figures(), publisher, closed)
    assert result.figures["AnswerWorthOpenWindows"] == 0
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    queries = [{"Id": f"q{n}", "MetricStat": {"Metric": {"Namespace": "SocialCRM", "MetricName": name},
                                               "Period": 86400, "Stat": stat}}
               for n, (name, stat) in enumerate([("AnsweredCustomersCalled", "Average"),
                                                 ("AnsweredCustomersCalled", "SampleCount"),
                                                 ("UnansweredCustomersCalled", "Average"),
                                                 ("UnansweredCustomersCalled", "SampleCount")])]
    read = cloudwatch.get_metric_data(MetricDataQueries=queries, StartTime=start, EndTime=start + timedelta(days=1))
    assert [result["Values"] for result in read["MetricDataResults"]] == [[1.0], [1.0], [0.0], [1.0]]
    again = roll_up_day(day, counters, wiring.call_figures(), publisher, closed)
    assert again.published == {} and again.figures == result.figures


def test_the_cohort_still_reads_the_first_posts_kept_per_customer_before_the_batch_items(aws):
    from socialcrm import answer_worth
    from socialcrm.adapters.dynamo import DynamoCounterStore, DynamoLedger

    aws.use("ProcessorFunction")
    day, table, until = "2026-11-20", aws.resources.table_names["MetricsTable"], 4102444800
    old, new, both = (answer_worth.marker(day, customer) for customer in ("c-old", "c-new", "c-both"))
    aws.put_items(table, [
        {"pk": {"S": answer_worth.asked_partition(day, old)}, "sk": {"S": old},
         "first_post_at": {"S": f"{day}T08:00:00Z"}, "answered": {"N": "1"}},
        {"pk": {"S": answer_worth.asked_partition(day, both)}, "sk": {"S": both},
         "first_post_at": {"S": f"{day}T07:00:00Z"}}])
    ledger = DynamoLedger(table_name=table)
    ledger.record_sightings("b1", day, {}, until, {"c-new": f"{day}T09:00:00Z", "c-both": f"{day}T06:00:00Z"})
    ledger.record_sightings("b2", day, {}, until, {"c-new": f"{day}T10:00:00Z"})
    aws.use("MetricsRollupFunction")
    cohort = DynamoCounterStore(table_name=table).read_cohort(day)
    assert sorted(cohort.asked, key=lambda a: a.first_post_at) == [
        answer_worth.Asked(both, f"{day}T06:00:00Z", False), answer_worth.Asked(old, f"{day}T08:00:00Z", True),
        answer_worth.Asked(new, f"{day}T09:00:00Z", False)]


def test_a_batch_tells_in_which_hours_it_already_counted_a_post_and_no_other_batch_or_post_borrows_that(aws):
    """What keeps a redelivered post from being counted twice: DynamoLedger.counted names the hours whose counts
    this batch wrote with this post in them, read consistently, and nothing for another batch or post."""
    from socialcrm.adapters.dynamo.metrics import DynamoLedger
    from socialcrm.model import PostKey

    aws.use("ProcessorFunction")
    ledger = DynamoLedger(table_name=aws.resources.table_names["MetricsTable"])
    counted, other = PostKey("facebook", "p-1"), PostKey("facebook", "p-2")
    ledger.record_counts("b-1", "2026-11-20T10", {"Posts|Platform=facebook|Kind=comment": 1}, [counted])
    ledger.record_counts("b-1", "2026-11-20T11", {"Posts|Platform=facebook|Kind=comment": 1}, [other])
    ledger.record_counts("b-2", "2026-11-20T12", {"Posts|Platform=facebook|Kind=comment": 1}, [counted])

    hours = ["2026-11-20T10", "2026-11-20T11", "2026-11-20T12", "2026-11-20T10"]
    requests: list[dict] = []
    underlying = botocore.client.BaseClient._make_api_call

    def recording(client, operation, params):
        requests.append({"operation": operation, **params})
        return underlying(client, operation, params)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
        assert ledger.counted("b-1", hours, counted) == frozenset({"2026-11-20T10"})
    [read] = requests  # one BatchGetItem of the three hours (the repeated one read once), strongly consistent
    [wanted] = read["RequestItems"].values()
    assert read["operation"] == "BatchGetItem" and wanted["ConsistentRead"] is True
    assert sorted(key["pk"]["S"] for key in wanted["Keys"]) == [
        "COUNTER#2026-11-20T10", "COUNTER#2026-11-20T11", "COUNTER#2026-11-20T12"]
    assert ledger.counted("b-1", hours, other) == frozenset({"2026-11-20T11"})
    assert ledger.counted("b-2", hours, counted) == frozenset({"2026-11-20T12"})
    assert ledger.counted("b-3", hours, counted) == frozenset()
