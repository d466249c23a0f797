"""A scripted week of posts, replies and calls through its own local stack; every figure of the daily rollup
checked against values worked out by hand below, then unchanged by redelivery and by re-running the rollups.

The week is the seven days before today (UTC). Calls happen now, so their figures land in today's rollup.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from infra.local import samples
from infra.local.contact_centre import ContactCentreFake
from infra.local.stack import LocalStack
from tests.e2e.test_pipeline_e2e import TIMEOUT, call, invoke

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SECRETS = json.loads((ROOT / "infra/local/secrets.json").read_text())
SECRET = SECRETS["meta"]["app_secret"]
PAGE = samples.PAGE_ID
EMPLOYEE, IMPOSTOR, STRANGER_1, STRANGER_2 = "7000000001", "6300000001", "6200000001", "6200000002"
SEGMENTS = {1: "gold", 2: "gold", 3: "silver", 4: "silver", 5: "silver"}  # 6..10: bronze


def fb(n: int) -> str:
    return f"61000000{n:03d}"


def customers() -> list[dict]:
    return [{"customer_id": f"w{n}", "name": f"Customer {n}", "phones": [f"+4479001{n:05d}"],
             "segment": SEGMENTS.get(n, "bronze"), "social": [{"platform": "facebook", "user_id": fb(n)}]}
            for n in range(1, 11)]


def comment(comment_id: str, user_id: str, name: str, text: str, when: datetime, parent: str | None = None) -> dict:
    """A comment on our page's post 555, or a reply to one of its comments."""
    return {"object": "page", "entry": [{"id": PAGE, "time": int(when.timestamp()), "changes": [{"field": "feed",
            "value": {"from": {"id": user_id, "name": name}, "item": "comment", "verb": "add",
                      "post_id": f"{PAGE}_555", "comment_id": f"{PAGE}_555_{comment_id}",
                      "parent_id": f"{PAGE}_555_{parent}" if parent else f"{PAGE}_555",
                      "message": text, "created_time": int(when.timestamp())}}]}]}


def script(day_a: datetime, week: list[datetime], now: datetime) -> list[dict]:
    """Day A holds the detailed scenario; a bronze customer (w7) posts once on six other days."""
    def at(hour: int, minute: int = 0) -> datetime:
        return day_a + timedelta(hours=hour, minutes=minute)

    events = [
        comment("a1", fb(1), "Customer 1", "Terrible service, my refund is still missing #squeakywheel", at(9)),
        comment("a2", fb(2), "Customer 2", "Awful, the #squeakywheel is still broken", at(9, 10)),
        comment("a3", fb(1), "Customer 1", "Still awful #squeakywheel, terrible", at(9, 20)),
        comment("a4", fb(3), "Customer 3", "Love the new app, great work", at(10)),
        comment("a5", STRANGER_1, "Sam Stranger", "Is delivery included on weekends", at(10, 30)),
        comment("a6", STRANGER_2, "Kim Stranger", "The delivery was late, really bad", at(11)),
        comment("a7", STRANGER_1, "Sam Stranger", "hello", at(11, 5)),
        # replies: ours (first answers after 30 and 170 minutes, and 22 hours), a second one, an employee,
        # a peer, and an account posing as the brand
        comment("r1", PAGE, "Acme", "Sorry! We have sent you a message.", at(9, 30), parent="a1"),
        comment("r1b", PAGE, "Acme", "Following up here too.", at(9, 45), parent="a1"),
        comment("r2", PAGE, "Acme", "We are on it.", at(12), parent="a2"),
        comment("r3", EMPLOYEE, "Jo from Acme", "Glad you like it", at(10, 20), parent="a4"),
        comment("r4", fb(6), "Customer 6", "It is, on weekends", at(11, 30), parent="a5"),
        comment("r5", IMPOSTOR, "Acme Support Team", "DM us your order reference", at(11, 40), parent="a6"),
        comment("r6", PAGE, "Acme", "Thank you!", at(32), parent="a4"),  # the next day, 08:00
    ]
    # a loud topic: nine more #squeakywheel posts from the same two gold customers
    for n in range(9):
        who = 1 if n < 6 else 2
        events.append(comment(f"a{8 + n}", fb(who), f"Customer {who}", f"#squeakywheel awful, day {n}",
                              at(13, n * 5)))
    for day in week:
        if day != day_a:
            events.append(comment(f"f{day:%m%d}", fb(7), "Customer 7", "Thanks, great help", day + timedelta(hours=15)))
    events.append(comment("now1", fb(8), "Customer 8", "hello there", now - timedelta(seconds=60)))
    # what answering is worth, today: we answer w8, who calls below; w10 gets no answer and does not call
    events.append(comment("now1r", PAGE, "Acme", "Hello! How can we help?", now - timedelta(seconds=30),
                          parent="now1"))
    events.append(comment("now2", fb(10), "Customer 10", "anyone there", now - timedelta(seconds=50)))
    return events


def deliver(stack, payload: dict) -> None:
    body = samples.encode(payload)
    answer = requests.post(f"{stack.api_url}/webhooks/meta", data=body, timeout=TIMEOUT, headers={
        "content-type": "application/json", "x-hub-signature-256": samples.sign(body, SECRET)})
    assert answer.status_code == 200, answer.text


@pytest.fixture(scope="module")
def week_stack(tmp_path_factory):
    parameters = json.loads((ROOT / "infra/local/parameters.json").read_text())
    parameters.update(OfficialAccounts=f"facebook:{PAGE}", EmployeeAccounts=f"facebook:{EMPLOYEE}",
                      BrandNames="Acme", TopicKeywords="delivery")
    log = tmp_path_factory.mktemp("week") / "functions.log"
    with ContactCentreFake(SECRETS["contact-centre"]["https"]["signing_key"]) as centre:
        parameters["ContactCentreUrl"] = centre.url
        with LocalStack(parameters=parameters, aws_port=0, api_port=0, lambda_port=0, max_seconds=600,
                        log_file=log) as running:
            yield running


def rollup(lambda_client, **event) -> dict:
    return invoke(lambda_client, "MetricsRollupFunction", event)


def test_a_scripted_week_gives_the_figures_worked_out_by_hand(week_stack):
    now = datetime.now(UTC)
    if now.hour == 0 and now.minute < 3:  # the "now" post and the calls must fall on today
        time.sleep(200)
        now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = [today - timedelta(days=d) for d in range(7, 0, -1)]
    day_a = week[4]  # three days ago
    client = week_stack.lambda_client()
    synced = invoke(client, "CustomerSyncFunction", {"customers": customers()})
    assert synced == {"upserted": 10, "rejected": [], "warnings": []}
    events = script(day_a, week, now)
    for payload in events:
        deliver(week_stack, payload)
    week_stack.wait_idle(timeout=180)

    seen = {n: call(client, f"+4479001{n:05d}") for n in (1, 8, 9)}
    assert [seen[n]["found"] for n in (1, 8, 9)] == ["true"] * 3
    assert call(client, "+447700900123")["found"] == "false"
    week_stack.wait_idle(timeout=60)  # the lookup's EMF lines reach CloudWatch

    days = [f"{day:%Y-%m-%d}" for day in [*week, today]]
    first = {day: rollup(client, day=day) for day in days}
    a = first[f"{day_a:%Y-%m-%d}"]["figures"]

    # Day A, by hand. 22 comments: a1..a7, a8..a16 (9), r1, r1b, r2, r3, r4, r5; r6 falls on the next day.
    assert a["Posts|Platform=facebook|Kind=comment"] == 22
    # voices: a1..a16 (16) + r4 + r5 = 18; matched: a1..a4, a8..a16, r4 = 14; unmatched: a5, a6, a7, r5 = 4
    assert (a["MatchedPosts|Platform=facebook"], a["UnmatchedPosts|Platform=facebook"]) == (14, 4)
    assert a["MatchRate"] == pytest.approx(14 / 18, abs=1e-6)
    assert a["UnmatchedAuthors"] == 3  # stranger 1 (twice), stranger 2, the impostor
    # sentiment of voices: negative a1 a2 a3 a6 + nine loud = 13; positive a4 = 1; neutral a5 a7 r4 r5 = 4
    assert a["SentimentShare|Sentiment=negative"] == pytest.approx(13 / 18, abs=1e-6)
    assert a["SentimentShare|Sentiment=positive"] == pytest.approx(1 / 18, abs=1e-6)
    assert a["SentimentShare|Sentiment=neutral"] == pytest.approx(4 / 18, abs=1e-6)
    assert a["MatchedSentimentShare|Segment=gold|Sentiment=negative"] == 1.0
    assert a["MatchedSentimentShare|Segment=silver|Sentiment=positive"] == 1.0
    assert a["MatchedSentimentShare|Segment=bronze|Sentiment=neutral"] == 1.0
    assert a["ActionablePosts"] == 12  # the gold customers' negative posts
    # response: inbound = a1..a16 (the peer reply and the posing account are not waiting for us) = 16;
    # first official answers: a1 after 30 min, a2 after 170 min, a4 after 22 h (r6, next day) -> 3
    assert (a["InboundPosts"], a["AnsweredPosts"]) == (16, 3)
    assert (a["ResponseMedianMinutes"], a["ResponseP90Minutes"]) == (170, 1320)
    assert a["AnsweredWithin1hShare"] == pytest.approx(1 / 16, abs=1e-6)
    assert a["AnsweredWithin24hShare"] == pytest.approx(3 / 16, abs=1e-6)
    # governance and peers
    assert (a["Replies|By=company"], a["Replies|By=employee"], a["Replies|By=peer"],
            a["Replies|By=unofficial_brand"]) == (3, 1, 1, 1)
    notes = week_stack.client("dynamodb").query(
        TableName=week_stack.resources.table_names["MetricsTable"], KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"GOVERNANCE#{day_a:%Y-%m-%d}"}})["Items"]
    listed = {note["sk"]["S"]: json.loads(note["figures"]["S"])["role"] for note in notes}
    assert listed == {f"facebook#{PAGE}_555_r3": "employee", f"facebook#{PAGE}_555_r5": "unofficial_brand"}
    # representativeness: voices gold w1 w2, silver w3, bronze w6 = 4; base 2 / 3 / 5 of 10
    assert (a["VoiceShare|Segment=gold"], a["VoiceShare|Segment=silver"], a["VoiceShare|Segment=bronze"]) == \
        (0.5, 0.25, 0.25)
    assert (a["BaseShare|Segment=gold"], a["BaseShare|Segment=silver"], a["BaseShare|Segment=bronze"]) == \
        (0.2, 0.3, 0.5)
    assert a["RepresentationIndex|Segment=gold"] == pytest.approx(2.5)
    assert a["RepresentationIndex|Segment=silver"] == pytest.approx(0.25 / 0.3, abs=1e-6)
    assert a["RepresentationIndex|Segment=bronze"] == pytest.approx(0.5)
    # topics: #squeakywheel 12 posts by 2 gold authors: loud (2/12 < 0.3) and skewed (all gold vs 20% gold:
    # ½(|1-0.2| + 0.3 + 0.5) = 0.8); "delivery": 2 posts by 2 strangers, too few to judge
    assert (a["TopicPosts|Topic=#squeakywheel"], a["TopicAuthors|Topic=#squeakywheel"]) == (12, 2)
    assert a["TopicAuthorShare|Topic=#squeakywheel"] == pytest.approx(2 / 12, abs=1e-6)
    assert a["TopicSkew|Topic=#squeakywheel"] == pytest.approx(0.8)
    assert a["TopicWarning|Topic=#squeakywheel"] == 1
    assert (a["TopicPosts|Topic=delivery"], a["TopicAuthors|Topic=delivery"], a["TopicWarning|Topic=delivery"]) == \
        (2, 2, 0)
    assert "TopicSkew|Topic=delivery" not in a  # no customer among its authors
    assert a["TopicWarnings"] == 1

    # The other days: one post by w7 (bronze), and on the day after A our late answer too.
    for day in week:
        figures = first[f"{day:%Y-%m-%d}"]["figures"]
        if day == day_a:
            continue
        expected_posts = 2 if day == day_a + timedelta(days=1) else 1
        assert figures["Posts|Platform=facebook|Kind=comment"] == expected_posts, day
        assert (figures["MatchRate"], figures["VoiceShare|Segment=bronze"]) == (1.0, 1.0)
        assert figures["RepresentationIndex|Segment=bronze"] == 2.0
        if expected_posts == 2:
            assert figures["Replies|By=company"] == 1
        else:
            assert "Replies|By=company" not in figures
    # Today: w8's post a minute ago; calls from w1 (posted 3 days ago), w8 (a minute ago), w9 (never
    # posted) and an unknown number: 4 calls, 1 within 24 h, 2 within 7 days, 2 with social context.
    t = first[f"{today:%Y-%m-%d}"]["figures"]
    assert t["Calls"] == 4
    assert (t["CallsPosted24hShare"], t["CallsPosted7dShare"], t["CallsWithSocialContextShare"]) == \
        (0.25, 0.5, 0.5)

    # What answering is worth. Day A: w1, w2 and w3 posted and were answered within 24 h (a1 after 30 min, a2
    # after 170 min, a4 after 22 h); w6 only replied to a stranger (a peer reply waits for nobody); the strangers
    # and the posing account are no customers. w1 called, but three days later: outside the 24 h.
    worth = ("AnsweredCustomers", "AnsweredCustomersCalled", "UnansweredCustomers", "UnansweredCustomersCalled",
             "AnswerWorthOpenWindows", "AnsweredCallShare")
    assert {name: a[name] for name in worth} == {
        "AnsweredCustomers": 3, "AnsweredCustomersCalled": 0, "UnansweredCustomers": 0,
        "UnansweredCustomersCalled": 0, "AnswerWorthOpenWindows": 0, "AnsweredCallShare": 0.0}
    assert "UnansweredCallShare" not in a  # no one to divide by
    # final, so sent to CloudWatch as a statistic set (0 of 3 called); the unanswered group is empty: nothing
    assert first[f"{day_a:%Y-%m-%d}"]["published"]["AnsweredCustomers"] == 3
    assert "UnansweredCustomersCalled" not in first[f"{day_a:%Y-%m-%d}"]["published"]
    for day in week:  # w7's unanswered "thanks" each other day; no call
        if day != day_a:
            figures = first[f"{day:%Y-%m-%d}"]["figures"]
            assert (figures["AnsweredCustomers"], figures["UnansweredCustomers"],
                    figures["UnansweredCustomersCalled"]) == (0, 1, 0), day
    # Today: w8 posted, got our answer 30 s later and called: answered and called; w10 unanswered, no call.
    # Both windows are still open, so the figures are not final and nothing went to CloudWatch.
    assert {name: t[name] for name in worth} == {
        "AnsweredCustomers": 1, "AnsweredCustomersCalled": 1, "UnansweredCustomers": 1,
        "UnansweredCustomersCalled": 0, "AnswerWorthOpenWindows": 2, "AnsweredCallShare": 1.0}
    assert t["UnansweredCallShare"] == 0.0
    assert "AnsweredCustomers" not in first[f"{today:%Y-%m-%d}"]["published"]

    # The hour of 09:00 on day A, by hand: a1, a2, a3, r1, r1b posted in it; a1 and a2 answered.
    hour = rollup(client, hour=f"{day_a:%Y-%m-%d}T09:00:00Z")["figures"]
    assert hour["Posts|Platform=facebook|Kind=comment"] == 5
    assert (hour["AnsweredPosts"], hour["ResponseMinutes|Bucket=30"], hour["ResponseMinutes|Bucket=170"]) == (2, 1, 1)

    # Redelivering every event and re-running every rollup changes nothing, and publishes nothing.
    for payload in events:
        deliver(week_stack, payload)
    week_stack.wait_idle(timeout=180)
    for day in days:
        again = rollup(client, day=day)
        assert again["figures"] == first[day]["figures"], day
        assert again["published"] == {}, day
