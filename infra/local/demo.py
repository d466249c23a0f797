"""`make demo`: the whole pipeline once, on the embedded local stack, told as a story; then everything stops.

Customers are loaded through CustomerSyncFunction, signed Meta webhooks go over HTTP to the HTTP API, the queues
drain through ProcessorFunction and ContactPushFunction, a call from a sample customer goes through
ContactLookupFunction, and the rollup lands in CloudWatch. The functions' own logs (Powertools JSON lines, EMF) go
to a file named at the end (`--verbose`, or `make demo VERBOSE=1`, shows them inline instead).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from infra.local import samples
from infra.local.contact_centre import ContactCentreFake
from infra.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
HTTP_TIMEOUT = (3, 60)  # a cold webhook on a busy machine can take a while
DEFAULT_LOG_FILE = ROOT / "reports" / "demo-functions.log"
WIDTH = 110
# The hour's and the day's figures worth a newcomer's eye, (label, figure family): a family sums every figure
# named "<family>" or "<family>|<dimensions>" (docs/metrics.md has them all).
HOUR_FIGURES = (("posts", "Posts"), ("matched", "MatchedPosts"), ("unmatched", "UnmatchedPosts"),
                ("actionable", "ActionablePosts"), ("replies by the company", "Replies|By=company"),
                ("by peers", "Replies|By=peer"), ("answered", "AnsweredPosts"))
DAY_FIGURES = (("match rate", "MatchRate"), ("calls", "Calls"),
               ("calls with social context (share)", "CallsWithSocialContextShare"),
               ("median minutes to the first answer", "ResponseMedianMinutes"))


def load_json(relative: str) -> dict:
    return json.loads((ROOT / relative).read_text(encoding="utf-8"))


def post_webhook(api_url: str, payload: dict, app_secret: str, forged: bool = False) -> requests.Response:
    body = samples.encode(payload)
    signature = samples.sign(body, "not-the-secret" if forged else app_secret)
    return requests.post(f"{api_url}/webhooks/meta", data=body, timeout=HTTP_TIMEOUT,
                         headers={"content-type": "application/json", "x-hub-signature-256": signature})


def call_from(stack: LocalStack, number: str) -> dict:
    event = load_json("events/contact_lookup.json")
    event["Details"]["ContactData"]["CustomerEndpoint"]["Address"] = number
    return stack.invoke("ContactLookupFunction", event)


def save_rollups(rollups: dict) -> Path:
    """For `make report`: the rollups of this run, as reports/rollups.json."""
    target = ROOT / "reports" / "rollups.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(rollups, indent=2, sort_keys=True), encoding="utf-8")
    return target


def heading(title: str) -> None:
    print(f"\n== {title}")


def clip(text: str, limit: int) -> str:
    """One line of at most `limit` characters (the alignment kept, unlike textwrap.shorten)."""
    text = " ".join(text.split("\n"))
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def line(text: str, indent: int = 2) -> None:
    print(clip(" " * indent + text, WIDTH))


def quoted(text: str, limit: int = 60) -> str:
    return '"' + clip(" ".join(text.split()), limit - 2) + '"'


def stored_posts(stack: LocalStack) -> list[dict[str, Any]]:
    """Every post the processor stored (a Scan of the demo's few posts; no function scans)."""
    dynamodb = stack.client("dynamodb")
    items = dynamodb.scan(TableName=stack.resources.table_names["PostsTable"])["Items"]
    posts = [{name: next(iter(value.values())) for name, value in item.items()} for item in items]
    return sorted(posts, key=lambda post: post.get("created_at", ""))


def show_matches(stack: LocalStack) -> None:
    for post in stored_posts(stack):
        match = post.get("match_status") or "unmatched"
        who = f"{match} -> {post['customer_id']}" if post.get("customer_id") else match
        line(f"{post['platform']:<9} {post['kind']:<8} by {post.get('author_role') or 'public':<8} "
             f"{post.get('sentiment', ''):<8} {who:<24} {quoted(post.get('text', ''), 44)}")


def show_agent_view(answer: dict[str, str]) -> None:
    if answer.get("found") != "true":
        line(f"found: {answer.get('found')}  reason: {answer.get('reason')}")
        return
    line(f"customer: {answer['customer_name']} ({answer['customer_id']}), recent posts: {answer['recent_posts']}")
    line(f"whispered: {quoted(answer['spoken_summary'], 96)}")
    line(f"last post: {answer['last_post_platform']}, {answer['last_post_sentiment']}, {answer['last_post_at']}")
    line(f"           {quoted(answer['last_post_text'], 90)}")
    line(f"history:   {answer['history_count']} older post(s); screen pop: {answer['screen_pop_url'][:60]}...")


def show_figures(figures: dict[str, float], wanted: tuple[tuple[str, str], ...]) -> None:
    shown = []
    for label, family in wanted:
        values = [value for name, value in figures.items() if name == family or name.startswith(family + "|")]
        if values:
            shown.append(f"{label} {sum(values):g}")
    line(", ".join(shown) or "(none)")


def run(log_file: Path | None = DEFAULT_LOG_FILE) -> int:
    secrets = load_json("infra/local/secrets.json")
    app_secret = secrets["meta"]["app_secret"]
    parameters = load_json("infra/local/parameters.json")
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        log_file.write_text("", encoding="utf-8")  # this run's logs only
    with ContactCentreFake(secrets["contact-centre"]["https"]["signing_key"]) as contact_centre:
        parameters["ContactCentreUrl"] = contact_centre.url
        with LocalStack(parameters=parameters, max_seconds=600, log_file=log_file) as stack:
            print(f"Local stack up: AWS {stack.aws_endpoint}, HTTP API {stack.api_url}, Lambda {stack.lambda_endpoint}")

            heading("The CRM sends its customers (CustomerSyncFunction)")
            customers = load_json("events/customer_sync.json")["customers"]
            synced = stack.invoke("CustomerSyncFunction", {"customers": customers})
            line(f"{synced['upserted']} upserted, {len(synced['rejected'])} rejected: "
                 + ", ".join(f"{c['customer_id']} {c['name']}" for c in customers))

            heading("What came in: signed Meta webhooks over HTTP (WebhookFunction)")
            handshake = requests.get(f"{stack.api_url}/webhooks/meta", timeout=HTTP_TIMEOUT, params={
                "hub.mode": "subscribe", "hub.verify_token": secrets["meta"]["verify_token"],
                "hub.challenge": "1158201444"})
            line(f"GET  handshake with the verify token          -> {handshake.status_code} {handshake.text}")
            complaint = samples.page_comment("901", samples.ADA_FACEBOOK_ID, "Ada Lovelace",
                                             "Third time my order arrived broken 😡 and nobody answers the phone "
                                             "#brokenorders")
            deliveries = [
                ("Ada comments on the Page", complaint),
                ("the same comment delivered again", complaint),
                ("Grace writes on Messenger", samples.messenger_message(
                    "m_demo_1", samples.GRACE_FACEBOOK_ID, "Hi, can you check the status of my refund?")),
                ("Alan comments on Instagram", samples.instagram_comment(
                    "17900000000000001", samples.ALAN_INSTAGRAM_ID, "alan.t", "Love the new app, great work!")),
                ("someone unknown posts on the Page", samples.page_post(
                    "777", "6104419999", "A Stranger", "Is the shop open on Sunday?")),
                ("Grace answers Ada (a peer)", samples.page_comment(
                    "902", samples.GRACE_FACEBOOK_ID, "Grace Hopper", "Same here, try the live chat #brokenorders",
                    reply_to="901")),
                ("the Page (our account) answers Ada", samples.page_comment(
                    "903", samples.PAGE_ID, "Acme", "Sorry Ada, we have sent you a message.", reply_to="901")),
            ]
            for label, payload in deliveries:
                answer = post_webhook(stack.api_url, payload, app_secret)
                line(f"POST {label:<40} -> {answer.status_code} {answer.text}")
            forged = post_webhook(stack.api_url, complaint, app_secret, forged=True)
            line(f"POST {'a forged signature':<40} -> {forged.status_code} {forged.text}")

            stack.wait_idle(timeout=120)

            heading("What was matched: each stored post, its author and customer (ProcessorFunction)")
            show_matches(stack)

            heading("What the agent sees: Ada calls from +44 7911 123456 (ContactLookupFunction)")
            answer = call_from(stack, "+44 7911 123456")
            show_agent_view(answer)
            heading("An unknown number calls (+1 415 555 2671)")
            show_agent_view(call_from(stack, "+1 415 555 2671"))

            heading("What the contact centre received: signed HTTPS pushes (ContactPushFunction)")
            pushed = list(contact_centre.received.values())
            for push in pushed:
                line(f"{push['customer_id']} {push['customer_name']}: {push['platform']} {push['kind']}, "
                     f"{push['reason']}, {quoted(push['text'], 56)}")

            stack.wait_idle(timeout=60)  # the lookups' metrics reach CloudWatch
            hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
            hour_key = hour.strftime("%Y-%m-%dT%H:%M:%SZ")
            rollup = stack.invoke("MetricsRollupFunction", {"hour": hour_key})
            day = stack.invoke("MetricsRollupFunction", {"day": hour.strftime("%Y-%m-%d")})
            heading(f"The figures (MetricsRollupFunction): this hour, {hour_key}")
            show_figures(rollup["figures"], HOUR_FIGURES)
            heading("Today so far")
            show_figures(day["figures"], DAY_FIGURES)
            rollups = save_rollups({"daily": {day["hour"]: day["figures"]}, "hourly": {hour_key: rollup["figures"]}})
            cloudwatch = stack.client("cloudwatch")
            metrics = cloudwatch.list_metrics(Namespace=parameters.get("MetricsNamespace", "SocialCRM"))["Metrics"]
            names = sorted({m["MetricName"] for m in metrics})
            heading(f"CloudWatch: {len(names)} metrics in namespace SocialCRM")
            for row in textwrap.wrap(", ".join(names), WIDTH - 2):
                line(row)

    ok = (
        answer.get("found") == "true"
        and "broken" in answer.get("last_post_text", "")
        and forged.status_code == 401
        and any(push["customer_id"] == "cust-0001" for push in pushed)
        and rollup["figures"].get("Posts|Platform=facebook|Kind=comment") == 3.0
        and rollup["figures"].get("Replies|By=company") == 1.0
        and day["figures"].get("Calls") == 2.0
        and names
    )
    print(f"\nRollups: {rollups.relative_to(ROOT)} (make report draws them)")
    if log_file is not None:
        print(f"Function logs: {log_file.relative_to(ROOT) if log_file.is_relative_to(ROOT) else log_file} "
              "(make demo VERBOSE=1 shows them inline)")
    print("Demo " + ("finished: the agent knows." if ok else "FAILED: see above."))
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The pipeline once, on the local stack, as a story.")
    parser.add_argument("--verbose", action="store_true", help="the functions' logs inline, not in a file")
    parser.add_argument("--log-file", type=Path, default=DEFAULT_LOG_FILE, help="where the functions' logs go")
    options = parser.parse_args(argv)
    return run(None if options.verbose else options.log_file.resolve())


if __name__ == "__main__":
    sys.exit(main())
