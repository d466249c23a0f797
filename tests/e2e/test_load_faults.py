"""Load and faults on the local stack: signed webhook deliveries over HTTP (10,000 in `make load`, 300
in `make test`) while the contact centre refuses, then hangs, and the tables throttle, each for a stretch.
Afterwards every delivery is accounted for. The small run is the same code: every kind of delivery and
every fault still occurs (asserted); its deliveries are paced over the fault timeline so traffic meets
each fault.

The mix is drawn from a fixed seed: 79 % unique valid posts, 10 % exact redeliveries, 5 % forged
signatures, 5 % malformed bodies and 1 % poison (a comment id longer than DynamoDB's 2,048-byte key
limit: the webhook accepts it, the table refuses it on every attempt). Known customers write about
8 % of the valid posts; their negative posts and their direct messages are actionable.

Own stack (not the session one): two environments each for the webhook and the processor (Lambda runs
them side by side too), the fault injector in front of its AWS, its own contact centre. Bounded
everywhere: request timeouts, fault stretches with caps, a deadline for the drain, the stack's own
max_seconds. The summary is printed whatever the outcome, then asserted.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
import requests

from infra.local import samples
from infra.local.contact_centre import ContactCentreFake
from infra.local.stack import LocalStack
from socialcrm.adapters.dynamo.keys import counted_post
from socialcrm.model import CanonicalPost, PostKey, push_id_for
from socialcrm.sentiment import analyzer_for
from tests.e2e.conftest import ROOT, SECRETS

pytestmark = pytest.mark.e2e

SEED = 20261123
# `make load` sends 10,000 (the benchmark); `make test` 300 of the same mix (LOAD_DELIVERIES).
DELIVERIES = int(os.environ.get("LOAD_DELIVERIES", "300"))
SHARES = {"valid": 0.79, "duplicate": 0.10, "forged": 0.05, "malformed": 0.05, "poison": 0.01}
MIX = {kind: max(1, round(DELIVERIES * share)) for kind, share in SHARES.items()}
CUSTOMERS = 300
KNOWN_SHARE = 0.08
SENDERS = 8
CONCURRENCY = {"WebhookFunction": 2, "ProcessorFunction": 2}
TIMEOUT = (3, 30)
DEADLINE_SECONDS = 540 if DELIVERIES <= 2_000 else 1_080  # the whole test, faults and drain included
ACCOUNTING_SECONDS = 60 if DELIVERIES <= 2_000 else 300  # scanning what was stored, after the drain's deadline
STACK_SECONDS = DEADLINE_SECONDS + ACCOUNTING_SECONDS  # the stack stops itself after this
NEGATIVE = ["The parcel came damaged, terrible service", "Worst support ever, I am furious and want a refund",
            "The app keeps crashing and I lost my order, awful", "Still no answer from your team, unacceptable"]
POSITIVE = ["Love the new store, great service, thanks", "Delivery was quick and the staff were wonderful"]
NEUTRAL = ["What time do you open on Sunday?", "Is the blue one back in stock?"]
POISON_ID_LENGTH = 2_100
THROTTLE_SECONDS = 10  # longer than the SDK's own retries (4 attempts, about 3.5 s of backoff)
# Sending lasts at least this long (a small run is paced), so deliveries keep arriving through every fault:
# pushes flowing, refusals (3-15 s), a hang, its held requests ending (11 s), throttling (10 s).
SEND_SECONDS_AT_LEAST = 50


@dataclass
class Delivery:
    kind: str  # valid | duplicate | forged | malformed | poison
    body: bytes
    signature: str
    expect: int


@dataclass
class Plan:
    deliveries: list[Delivery] = field(default_factory=list)
    valid_keys: set[str] = field(default_factory=set)
    actionable_push_ids: set[str] = field(default_factory=set)
    poison_keys: set[str] = field(default_factory=set)


def customer_user_id(index: int) -> str:
    return f"7100000{index:04d}"


def build_plan(app_secret: str, rng: random.Random, now: int) -> Plan:
    kinds = [kind for kind, count in MIX.items() for _ in range(count)]
    rng.shuffle(kinds)
    first = kinds.index("valid")  # a redelivery needs an earlier delivery to repeat
    kinds = [k for k in kinds[:first] if k != "duplicate"] + ["valid"] + \
        ["duplicate"] * kinds[:first].count("duplicate") + kinds[first + 1:]
    plan, sent_valid = Plan(), []
    for n, kind in enumerate(kinds):
        if kind == "duplicate":
            plan.deliveries.append(Delivery("duplicate", *rng.choice(sent_valid), 200))
            continue
        if kind == "poison":
            comment = f"poison{n}-" + "x" * POISON_ID_LENGTH
            body = samples.encode(samples.page_comment(comment, f"99{n:08d}", "Poison", rng.choice(NEUTRAL), now))
            plan.poison_keys.add(f"facebook#{samples.PAGE_ID}_555_{comment}")
            plan.deliveries.append(Delivery("poison", body, samples.sign(body, app_secret), 200))
            continue
        if kind == "malformed":
            body = rng.choice([b"{not json", b'{"object": "page", "entry": "not a list"}',
                               samples.encode({"object": "page", "entry": [{"id": samples.PAGE_ID, "changes": [
                                   {"field": "feed", "value": {"item": "comment", "verb": "add",
                                                               "from": {"id": "1"}, "post_id": "1_2"}}]}]})])
            plan.deliveries.append(Delivery("malformed", body, samples.sign(body, app_secret), 200))  # set aside
            continue
        known = rng.random() < KNOWN_SHARE
        author = customer_user_id(rng.randrange(CUSTOMERS)) if known else f"88{n:08d}"
        text = f"{rng.choice(NEGATIVE if known and rng.random() < 0.7 else NEGATIVE + POSITIVE + NEUTRAL)} (#{n})"
        if rng.random() < 0.3:
            key, payload = f"facebook#m_load{n}", samples.messenger_message(f"m_load{n}", author, text, now * 1000)
        else:
            key, payload = (f"facebook#{samples.PAGE_ID}_555_load{n}",
                            samples.page_comment(f"load{n}", author, "Someone", text, now))
        body = samples.encode(payload)
        if kind == "forged":
            plan.deliveries.append(Delivery("forged", body, samples.sign(body, "not-the-app-secret"), 401))
            continue
        signature = samples.sign(body, app_secret)
        plan.deliveries.append(Delivery("valid", body, signature, 200))
        sent_valid.append((body, signature))
        plan.valid_keys.add(key)
        if known and (key.startswith("facebook#m_") or text.split(" (#")[0] in NEGATIVE):
            plan.actionable_push_ids.add(push_id_for(PostKey.parse(key)))
    return plan


@pytest.fixture(scope="module")
def load_centre():
    with ContactCentreFake(SECRETS["contact-centre"]["https"]["signing_key"]) as fake:
        yield fake


@pytest.fixture(scope="module")
def load_stack(load_centre, tmp_path_factory):
    parameters = json.loads((ROOT / "infra/local/parameters.json").read_text())
    parameters.update(ContactCentreUrl=load_centre.url, LogLevel="WARNING")  # no info line per post
    log = tmp_path_factory.mktemp("load") / "functions.log"
    with LocalStack(parameters=parameters, max_seconds=STACK_SECONDS, log_file=log, concurrency=CONCURRENCY,
                    faults=True) as running:
        yield running


def sync_customers(stack: LocalStack) -> None:
    client = stack.lambda_client()
    records = [{"customer_id": f"load-{i:04d}", "name": f"Load Customer {i}",
                "social": [{"platform": "facebook", "user_id": customer_user_id(i)}]} for i in range(CUSTOMERS)]
    for start in range(0, CUSTOMERS, 100):
        answer = client.invoke(FunctionName="CustomerSyncFunction",
                               Payload=json.dumps({"customers": records[start:start + 100]}).encode())
        assert json.loads(answer["Payload"].read()) == {"upserted": 100, "rejected": [], "warnings": []}


def send_all(stack: LocalStack, deliveries: list[Delivery]) -> list[int | str]:
    local = threading.local()
    started, gap = time.monotonic(), SEND_SECONDS_AT_LEAST / len(deliveries)

    def send(numbered: tuple[int, Delivery]) -> int | str:
        n, delivery = numbered
        time.sleep(max(0.0, started + n * gap - time.monotonic()))  # no-op once sending is slower than the pace
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        try:
            return session.post(f"{stack.api_url}/webhooks/meta", data=delivery.body, timeout=TIMEOUT, headers={
                "content-type": "application/json", "x-hub-signature-256": delivery.signature}).status_code
        except requests.RequestException as error:
            return type(error).__name__

    with ThreadPoolExecutor(SENDERS) as pool:
        return list(pool.map(send, enumerate(deliveries)))


def stretch(done, least: float, most: float) -> float:
    """Keep a fault on for at least `least` seconds and until `done()`, but never beyond `most`."""
    started = time.monotonic()
    while time.monotonic() - started < most and (time.monotonic() - started < least or not done()):
        time.sleep(0.1)
    return time.monotonic() - started


def drive_faults(stack: LocalStack, centre: ContactCentreFake, figures: dict, actionable: int) -> None:
    """Contact-centre outage (refuse, then hang), its held requests ending, then DynamoDB throttling;
    always switched off."""
    try:
        flowing = max(1, min(20, actionable // 5))
        stretch(lambda: len(centre.accepted) >= flowing, 0, 60)  # pushes are flowing
        centre.outage("refuse")
        figures["refuse_s"] = stretch(lambda: centre.refused >= 10, 3, 15)
        centre.outage("hang", hold_seconds=11)
        figures["hang_s"] = stretch(lambda: centre.hung >= 1, 1, 15)
        centre.outage(None)
        # held requests end (the client gave up after 10 s) before the tables fail
        figures["held_s"] = stretch(lambda: centre.holding == 0, 0, 15)
        stack.faults.throttle_dynamodb(True)
        figures["throttle_s"] = stretch(lambda: True, THROTTLE_SECONDS, THROTTLE_SECONDS)
    finally:
        centre.outage(None)
        stack.faults.throttle_dynamodb(False)


def drain(sqs, queue_url: str) -> list[str]:
    bodies: list[str] = []
    for _ in range(100):  # bounded: 1,000 messages at most
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                    VisibilityTimeout=120).get("Messages", [])
        if not batch:
            break
        bodies += [m["Body"] for m in batch]
    return bodies


def queue_depth(sqs, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"])
    return sum(int(v) for v in attributes["Attributes"].values())


def scan(stack: LocalStack, table: str, **arguments) -> list[dict]:
    paginator = stack.client("dynamodb").get_paginator("scan")
    return [item for page in paginator.paginate(TableName=stack.resources.table_names[table], **arguments)
            for item in page["Items"]]


@pytest.mark.timeout(STACK_SECONDS + 60)
def test_deliveries_under_faults_are_all_accounted_for(load_stack, load_centre, capsys):
    started = time.monotonic()
    stack, centre = load_stack, load_centre
    vader = analyzer_for("vader")
    assert {vader.analyze(t)[0] for t in NEGATIVE} == {"negative"}
    assert "negative" not in {vader.analyze(t)[0] for t in POSITIVE + NEUTRAL}
    plan = build_plan(SECRETS["meta"]["app_secret"], random.Random(SEED), int(time.time()))
    assert len(plan.deliveries) == sum(MIX.values())
    sync_customers(stack)

    figures: dict = {}
    faults = threading.Thread(target=drive_faults, args=(stack, centre, figures, len(plan.actionable_push_ids)),
                              daemon=True)
    faults.start()
    sending = time.monotonic()
    statuses = send_all(stack, plan.deliveries)
    send_seconds = time.monotonic() - sending
    faults.join(timeout=max(1.0, DEADLINE_SECONDS - (time.monotonic() - started)))
    assert not faults.is_alive(), "the fault driver did not finish"
    try:
        stack.wait_idle(timeout=max(1.0, DEADLINE_SECONDS - (time.monotonic() - started)))
        idle = True
    except TimeoutError:
        idle = False  # still accounted for below, then failed

    sqs = stack.client("sqs")
    urls = stack.resources.queue_urls
    leftover = {name: queue_depth(sqs, urls[name]) for name in ("IngestQueue", "PushQueue", "PushDeadLetterQueue")}
    dead = [CanonicalPost.from_message(json.loads(body)).key.text for body in drain(sqs, urls["IngestDeadLetterQueue"])]
    posts = scan(stack, "PostsTable", ProjectionExpression="pk")
    stored = {item["pk"]["S"] for item in posts}
    counters, counted = Counter(), set()
    for item in scan(stack, "MetricsTable"):
        if item["pk"]["S"].startswith("COUNTER#") and item["sk"]["S"].startswith("BATCH#"):  # a batch's counts
            for name, value in json.loads(item["counts"]["S"]).items():
                counters[name.split("|", 1)[0]] += value
            counted |= set(json.loads(item["posts"]["S"]))
        elif item["pk"]["S"].startswith("COUNTER#"):
            counters[item["sk"]["S"].split("|", 1)[0].rsplit("#", 1)[0]] += int(item["value"]["N"])
    # a post is done when its batch's counts, written last, name it (hashed)
    not_done = sorted(key for key in stored if counted_post(key) not in counted)
    sent = Counter(d.kind for d in plan.deliveries)
    answered = Counter(statuses)
    expected = Counter(d.expect for d in plan.deliveries)
    wrong = Counter((d.kind, s) for d, s in zip(plan.deliveries, statuses, strict=True) if s != d.expect)
    pushed_twice = {key: n for key, n in centre.accepted.items() if n > 1}
    injected = stack.faults.stats()

    summary = {
        "idle": idle, "deliveries": len(plan.deliveries), "sent": dict(sent), "answered": dict(answered),
        "wrong_answers": {f"{k}->{s}": n for (k, s), n in wrong.items()},
        "send_seconds": round(send_seconds, 1), "deliveries_per_s": round(len(plan.deliveries) / send_seconds, 1),
        "stored_posts": len(posts), "unique_valid_posts": len(plan.valid_keys), "not_done": len(not_done),
        "posts_counted": counters["Posts"], "ingest_dlq": len(dead), "poison": len(plan.poison_keys),
        "actionable": len(plan.actionable_push_ids), "pushes_accepted": len(centre.accepted),
        "pushed_twice": len(pushed_twice), "push_requests": centre.deliveries,
        "push_retries": centre.deliveries - len(centre.accepted),
        "centre_refused_503": centre.refused, "centre_hung": centre.hung, "throttled_answers": injected["throttled"],
        "records_retried": dict(stack.returned), "leftover": leftover,
        "fault_seconds": {k: round(v, 1) for k, v in figures.items()},
        "total_seconds": round(time.monotonic() - started, 1),
    }
    with capsys.disabled():
        print("\nload and faults:", json.dumps(summary), flush=True)
        print(f"{len(plan.deliveries)} deliveries in {summary['send_seconds']} s ({summary['deliveries_per_s']}/s), "
              f"{len(posts)} posts stored, {counters['Posts']} counted, {len(dead)} in the ingest DLQ, "
              f"{len(centre.accepted)} pushes accepted ({summary['push_retries']} retried); faults seen: "
              f"{centre.refused} refused, {centre.hung} hung, {injected['throttled']} throttled answers, "
              f"{sum(stack.returned.values())} records given back to their queue; "
              f"{summary['total_seconds']} s in all", flush=True)

    # Every delivery answered as its kind deserves, and the answers add up to what was sent.
    assert wrong == Counter()
    assert answered == expected and sum(answered.values()) == len(plan.deliveries)
    # Every kind of delivery was sent, and every fault really happened.
    assert set(sent) == set(SHARES)
    assert centre.refused > 0 and centre.hung > 0 and injected["throttled"] > 0
    # Stored = the unique valid posts, each finished and counted once.
    assert stored == plan.valid_keys
    assert not_done == []
    assert counters["Posts"] == len(plan.valid_keys)
    assert counters["ActionablePosts"] == len(plan.actionable_push_ids)
    # The dead-letter queue holds exactly the poison, once each.
    assert sorted(dead) == sorted(plan.poison_keys)
    # Every actionable post accepted by the contact centre exactly once; nothing else pushed.
    missing = plan.actionable_push_ids - set(centre.accepted)  # where they went: the summary's leftover, pushes
    assert set(centre.accepted) == plan.actionable_push_ids, f"never accepted: {sorted(missing)}; {summary}"
    assert pushed_twice == {}
    # Nothing left anywhere: the stack went idle, queues drained, no push dead-lettered.
    assert idle
    assert leftover == {"IngestQueue": 0, "PushQueue": 0, "PushDeadLetterQueue": 0}
