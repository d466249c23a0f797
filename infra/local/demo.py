"""`make demo`: the whole pipeline once, on the embedded local stack, then everything stops.

Customers are loaded through CustomerSyncFunction, signed Meta webhooks go over HTTP to the
HTTP API, the queues drain through ProcessorFunction and ContactPushFunction, a call from a
sample customer goes through ContactLookupFunction, and the rollup lands in CloudWatch.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import requests

from infra.local import samples
from infra.local.contact_centre import ContactCentreFake
from infra.local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
HTTP_TIMEOUT = (3, 15)


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


def save_rollups(rollups: dict) -> None:
    """For `make report`: the rollups of this run, as reports/rollups.json."""
    target = ROOT / "reports" / "rollups.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(rollups, indent=2, sort_keys=True), encoding="utf-8")
    print(f"\nrollups saved to {target.relative_to(ROOT)} (make report renders them)")


def show(title: str, value) -> None:
    print(f"\n== {title}")
    if isinstance(value, (dict, list)):
        print(json.dumps(value, indent=2, ensure_ascii=False))
    else:
        print(value)


def run() -> int:
    secrets = load_json("infra/local/secrets.json")
    app_secret = secrets["meta"]["app_secret"]
    parameters = load_json("infra/local/parameters.json")
    with ContactCentreFake(secrets["contact-centre"]["https"]["signing_key"]) as contact_centre:
        parameters["ContactCentreUrl"] = contact_centre.url
        with LocalStack(parameters=parameters, max_seconds=600) as stack:
            print(f"local stack: AWS {stack.aws_endpoint}  HTTP API {stack.api_url}  Lambda {stack.lambda_endpoint}")

            synced = stack.invoke("CustomerSyncFunction", load_json("events/customer_sync.json"))
            show("CustomerSyncFunction", synced)

            token = secrets["meta"]["verify_token"]
            handshake = requests.get(f"{stack.api_url}/webhooks/meta", timeout=HTTP_TIMEOUT, params={
                "hub.mode": "subscribe", "hub.verify_token": token, "hub.challenge": "1158201444"})
            show("Meta handshake", f"{handshake.status_code} {handshake.text}")

            complaint = samples.page_comment("901", samples.ADA_FACEBOOK_ID, "Ada Lovelace",
                                             "Third time my order arrived broken 😡 and nobody answers the phone "
                                             "#brokenorders")
            deliveries = [
                ("Ada comments on the Page", complaint),
                ("Ada's comment delivered again", complaint),
                ("Grace writes on Messenger", samples.messenger_message(
                    "m_demo_1", samples.GRACE_FACEBOOK_ID, "Hi, can you check the status of my refund?")),
                ("Alan comments on Instagram", samples.instagram_comment(
                    "17900000000000001", samples.ALAN_INSTAGRAM_ID, "alan.t", "Love the new app, great work!")),
                ("Someone unknown posts on the Page", samples.page_post(
                    "777", "6104419999", "A Stranger", "Is the shop open on Sunday?")),
                ("Grace answers Ada (a peer)", samples.page_comment(
                    "902", samples.GRACE_FACEBOOK_ID, "Grace Hopper", "Same here, try the live chat #brokenorders",
                    reply_to="901")),
                ("The Page (our official account) answers Ada", samples.page_comment(
                    "903", samples.PAGE_ID, "Acme", "Sorry Ada, we have sent you a message.", reply_to="901")),
            ]
            for label, payload in deliveries:
                answer = post_webhook(stack.api_url, payload, app_secret)
                print(f"POST /webhooks/meta  {label}: {answer.status_code} {answer.text}")
            forged = post_webhook(stack.api_url, complaint, app_secret, forged=True)
            print(f"POST /webhooks/meta  forged signature: {forged.status_code} {forged.text}")

            stack.wait_idle(timeout=120)

            answer = call_from(stack, "+44 7911 123456")
            show("Incoming call from Ada (+44 7911 123456): what the agent sees",
                 {k: v for k, v in answer.items() if v})
            show("Incoming call from an unknown number",
                 {k: v for k, v in call_from(stack, "+1 415 555 2671").items() if v})
            pushed = list(contact_centre.received.values())
            show("Contact centre received (actionable posts)", pushed)

            stack.wait_idle(timeout=60)  # the lookups' metrics reach CloudWatch
            hour = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
            hour_key = hour.strftime("%Y-%m-%dT%H:%M:%SZ")
            rollup = stack.invoke("MetricsRollupFunction", {"hour": hour_key})
            show("MetricsRollupFunction (this hour)", rollup)
            day = stack.invoke("MetricsRollupFunction", {"day": hour.strftime("%Y-%m-%d")})
            show("MetricsRollupFunction (today, so far)", {k: v for k, v in day["figures"].items()
                                                          if not k.startswith(("Daily", "Topic"))})
            save_rollups({"daily": {day["hour"]: day["figures"]}, "hourly": {hour_key: rollup["figures"]}})
            cloudwatch = stack.client("cloudwatch")
            metrics = cloudwatch.list_metrics(Namespace=parameters.get("MetricsNamespace", "SocialCRM"))["Metrics"]
            names = sorted({m["MetricName"] for m in metrics})
            show("CloudWatch metrics in namespace SocialCRM", names)

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
    print("\nDemo " + ("finished: the agent knows." if ok else "FAILED: see above."))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(run())
