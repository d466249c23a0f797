"""A viral stretch on the local stack (`make scale`; a measurement, never a test): signed Meta comments on one
Page post, sent over HTTP as fast as the machine takes them for `--seconds`, then drained.

The mix is the cost probe's: about 29 % of the comments come from known customers (a few hundred, so each
posts again and again and their cards are rewritten), the rest from strangers; one in ten is a reply to an
earlier comment. The viral post itself (the Page's own) is delivered first, so every comment's parent is a
stored post read on the hot path.

Measured, printed as JSON and kept in reports/scale.json:
- deliveries accepted per second while sending (HTTP 200 from the webhook);
- posts processed end to end per second (accepted minus what is still queued or in flight, over time);
- ingest and push queue depth and the load average, sampled every `--every` seconds;
- AWS calls per post by service and operation, counted in front of the embedded AWS (infra/local/faults.py),
  split into the functions' own calls and the SQS event source's (receive, delete), without this
  driver's probes (GetQueueAttributes).

moto on a shared 2-core machine is not AWS: docs/scaling.md says what these figures do and do not show.

    python -m infra.local.scale [--seconds 60] [--drain 420] [--senders 8] [--webhooks 2] [--processors 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from infra.local import samples
from infra.local.contact_centre import ContactCentreFake
from infra.local.stack import ROOT, LocalStack

SECRETS = json.loads((ROOT / "infra/local/secrets.json").read_text(encoding="utf-8"))
KNOWN_SHARE = 0.29  # the cost probe's mix (docs/scaling.md)
REPLY_SHARE = 0.10
TEXTS = ["This is brilliant, well done", "Terrible service, still waiting for my refund",
         "Is this available in blue?", "Love it", "Worst update ever, the app keeps crashing",
         "Where can I buy one?", "Customer service never answers, furious"]
EVENT_SOURCE_OPERATIONS = {"SQS.ReceiveMessage", "SQS.DeleteMessageBatch", "SQS.ChangeMessageVisibility"}
# The local stack's stand-in for CloudWatch Logs' EMF extraction (infra/local/emf.py): no API call on AWS.
EMF_OPERATIONS = {"CloudWatch.PutMetricData"}
PROBE_OPERATIONS = {"SQS.GetQueueAttributes", "DynamoDB.Scan"}
TIMEOUT = (3, 30)


@dataclass
class Sending:
    statuses: Counter[int | str] = field(default_factory=Counter)
    accepted: int = 0
    comments: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class TimedStack(LocalStack):
    """The local stack, timing every invocation of each function (records per batch, seconds)."""

    def __init__(self, **arguments: Any) -> None:
        super().__init__(**arguments)
        self.timings: dict[str, list[tuple[int, float]]] = {}
        self._timings_lock = threading.Lock()

    def invoke(self, function_name: str, event: Any) -> Any:
        started = time.monotonic()
        try:
            return super().invoke(function_name, event)
        finally:
            records = len(event.get("Records", [])) if isinstance(event, dict) else 0
            with self._timings_lock:
                self.timings.setdefault(function_name, []).append((records, time.monotonic() - started))


def batch_figures(timings: list[tuple[int, float]]) -> dict[str, Any]:
    if not timings:
        return {}
    seconds = sorted(t for _, t in timings)
    return {"invocations": len(timings), "records_per_batch": round(sum(r for r, _ in timings) / len(timings), 2),
            "seconds_p50": round(seconds[len(seconds) // 2], 3),
            "seconds_p90": round(seconds[min(len(seconds) - 1, int(len(seconds) * 0.9))], 3)}


def customer_user_id(index: int) -> str:
    return f"7200000{index:04d}"


def sync_customers(stack: LocalStack, customers: int) -> None:
    client = stack.lambda_client()
    records = [{"customer_id": f"viral-{i:04d}", "name": f"Viral Customer {i}",
                "social": [{"platform": "facebook", "user_id": customer_user_id(i)}]} for i in range(customers)]
    for start in range(0, customers, 50):
        answer = client.invoke(FunctionName="CustomerSyncFunction",
                               Payload=json.dumps({"customers": records[start:start + 50]}).encode())
        if json.loads(answer["Payload"].read()).get("rejected"):
            raise RuntimeError("a generated customer was rejected")


def post(session: requests.Session, stack: LocalStack, payload: dict[str, Any]) -> int | str:
    body = samples.encode(payload)
    try:
        return session.post(f"{stack.api_url}/webhooks/meta", data=body, timeout=TIMEOUT, headers={
            "content-type": "application/json",
            "x-hub-signature-256": samples.sign(body, SECRETS["meta"]["app_secret"])}).status_code
    except requests.RequestException as error:
        return type(error).__name__


def sender(stack: LocalStack, number: int, customers: int, until: float, sending: Sending) -> None:
    rng, session, n = random.Random(number), requests.Session(), 0  # noqa: S311 (test data, not secrets)
    while time.monotonic() < until:
        n += 1
        comment = f"v{number}x{n}"
        known = rng.random() < KNOWN_SHARE
        author = customer_user_id(rng.randrange(customers)) if known else f"89{number:02d}{n:07d}"
        with sending.lock:
            earlier = rng.choice(sending.comments) if sending.comments and rng.random() < REPLY_SHARE else None
        status = post(session, stack, samples.page_comment(comment, author, "Someone", rng.choice(TEXTS),
                                                           reply_to=earlier))
        with sending.lock:
            sending.statuses[status] += 1
            if status == 200:
                sending.accepted += 1
                sending.comments.append(comment)


def depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())


def sample(stack: LocalStack, sending: Sending, started: float, every: float, stop: threading.Event,
           series: list[dict[str, Any]]) -> None:
    sqs, urls = stack.client("sqs"), stack.resources.queue_urls
    while not stop.is_set():
        with sending.lock:
            accepted = sending.accepted
        ingest = depth(sqs, urls["IngestQueue"])
        series.append({"t": round(time.monotonic() - started, 1), "accepted": accepted, "ingest_depth": ingest,
                       "processed": max(0, accepted - ingest), "push_depth": depth(sqs, urls["PushQueue"]),
                       "load1": os.getloadavg()[0]})
        stop.wait(every)


def count_posts(stack: LocalStack) -> int:
    paginator = stack.client("dynamodb").get_paginator("scan")
    return sum(page["Count"] for page in paginator.paginate(TableName=stack.resources.table_names["PostsTable"],
                                                             Select="COUNT"))


def per_post(calls: dict[str, int], posts: int) -> dict[str, float]:
    return {op: round(n / posts, 2) for op, n in sorted(calls.items(), key=lambda kv: -kv[1]) if n}


def run(options: argparse.Namespace) -> dict[str, Any]:
    parameters = json.loads((ROOT / "infra/local/parameters.json").read_text(encoding="utf-8"))
    log = ROOT / "reports/scale-functions.log"
    log.parent.mkdir(exist_ok=True)
    log.write_text("")
    concurrency = {"WebhookFunction": options.webhooks, "ProcessorFunction": options.processors}
    with ContactCentreFake(SECRETS["contact-centre"]["https"]["signing_key"]) as centre:
        parameters.update(ContactCentreUrl=centre.url, LogLevel="WARNING")
        stack = TimedStack(parameters=parameters, log_file=log, concurrency=concurrency, faults=True,
                           max_seconds=options.seconds + options.drain + 600)
        with stack:
            if stack.faults is None:
                raise RuntimeError("the stack was started without its request counter")
            sync_customers(stack, options.customers)
            viral = samples.page_post("555", samples.PAGE_ID, "Acme", "Our new product is here!")
            if post(requests.Session(), stack, viral) != 200:
                raise RuntimeError("the viral post was refused")
            stack.wait_idle(timeout=120)
            before = stack.faults.calls()
            sending, stop = Sending(), threading.Event()
            series: list[dict[str, Any]] = []
            started = time.monotonic()
            sampler = threading.Thread(target=sample, args=(stack, sending, started, options.every, stop, series),
                                       daemon=True)
            sampler.start()
            until = started + options.seconds
            senders = [threading.Thread(target=sender, args=(stack, n, options.customers, until, sending), daemon=True)
                       for n in range(options.senders)]
            for thread in senders:
                thread.start()
            for thread in senders:
                thread.join()
            sent_seconds = time.monotonic() - started
            try:
                stack.wait_idle(timeout=options.drain)
                drained = True
            except TimeoutError:
                drained = False
            finished = time.monotonic() - started
            stop.set()
            sampler.join()
            after = stack.faults.calls()
            stored = count_posts(stack) - 1  # the viral post itself
            pushes = len(centre.accepted)
            timings = {name: batch_figures(values) for name, values in stack.timings.items()
                       if name in ("WebhookFunction", "ProcessorFunction", "ContactPushFunction")}
    calls = {op: after.get(op, 0) - before.get(op, 0) for op in after if op not in PROBE_OPERATIONS}
    functions = {op: n for op, n in calls.items() if op not in EVENT_SOURCE_OPERATIONS | EMF_OPERATIONS}
    event_source = {op: n for op, n in calls.items() if op in EVENT_SOURCE_OPERATIONS}
    loads = [point["load1"] for point in series]
    during = [p for p in series if p["t"] <= sent_seconds]
    at_send_end = during[-1]["processed"] if during else 0
    draining = [p for p in series if p["t"] > sent_seconds]
    return {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
        "environments": concurrency, "senders": options.senders, "customers": options.customers,
        "send_seconds": round(sent_seconds, 1), "answers": {str(k): v for k, v in sending.statuses.items()},
        "accepted": sending.accepted, "accepted_per_s": round(sending.accepted / sent_seconds, 1),
        "drained": drained, "end_to_end_seconds": round(finished, 1), "posts_stored": stored,
        "posts_per_s_end_to_end": round(stored / finished, 1),
        "posts_per_s_while_sending": round(at_send_end / sent_seconds, 1),
        "posts_per_s_draining": round((draining[-1]["processed"] - at_send_end) / (draining[-1]["t"] - sent_seconds), 2)
        if draining and draining[-1]["t"] > sent_seconds else None,
        "invocations": timings,
        "peak_ingest_depth": max((p["ingest_depth"] for p in series), default=0),
        "pushes_accepted": pushes,
        "load_average": {"min": min(loads, default=0), "max": max(loads, default=0),
                         "mean": round(sum(loads) / len(loads), 2) if loads else 0},
        "calls_per_post": {"functions": per_post(functions, stored), "event_source": per_post(event_source, stored),
                           "functions_total": round(sum(functions.values()) / stored, 2) if stored else None,
                           "emf_stand_in": per_post({op: calls.get(op, 0) for op in EMF_OPERATIONS}, stored),
                           # exact only once drained: before, the webhook's calls for posts still queued count too
                           "exact": drained},
        "series": series,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="how long to send")
    parser.add_argument("--drain", type=float, default=420, help="the most to wait for the queues to empty")
    parser.add_argument("--senders", type=int, default=8, help="concurrent HTTP senders")
    parser.add_argument("--webhooks", type=int, default=2, help="WebhookFunction environments")
    parser.add_argument("--processors", type=int, default=2, help="ProcessorFunction environments (and pollers)")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--every", type=float, default=10, help="seconds between queue-depth samples")
    parser.add_argument("--out", default=str(ROOT / "reports/scale.json"))
    options = parser.parse_args()
    summary = run(options)
    Path(options.out).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "series"}, indent=1))
    print("t (s)  accepted  processed  ingest depth  push depth  load")
    for point in summary["series"]:
        print(f"{point['t']:6.0f} {point['accepted']:9d} {point['processed']:10d} {point['ingest_depth']:13d} "
              f"{point['push_depth']:11d} {point['load1']:5.1f}")
    print(f"written to {options.out}")


if __name__ == "__main__":
    main()
