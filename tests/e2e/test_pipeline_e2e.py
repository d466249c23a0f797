"""A Meta webhook over HTTP reaches the agent's lookup; forged and malformed ones reach nothing."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timezone

import pytest
import requests

from infra.local import samples

pytestmark = pytest.mark.e2e
TIMEOUT = (3, 20)
ADA_PHONE = "+447911123456"


def invoke(lambda_client, name, payload):
    answer = lambda_client.invoke(FunctionName=name, Payload=json.dumps(payload).encode())
    assert "FunctionError" not in answer, answer["Payload"].read()
    return json.loads(answer["Payload"].read())


def call(lambda_client, number):
    return invoke(lambda_client, "ContactLookupFunction", {"Name": "ContactFlowEvent", "Details": {
        "ContactData": {"Channel": "VOICE", "Attributes": {}, "CustomerEndpoint": (
            {"Address": number, "Type": "TELEPHONE_NUMBER"} if number else None)}, "Parameters": {}}})


def post(stack, payload, secret, **headers):
    body = samples.encode(payload)
    all_headers = {"content-type": "application/json", "x-hub-signature-256": samples.sign(body, secret), **headers}
    return requests.post(f"{stack.api_url}/webhooks/meta", data=body, headers=all_headers, timeout=TIMEOUT)


def ingest_depth(stack):
    url = stack.resources.queue_urls["IngestQueue"]
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


def test_handshake_echoes_the_challenge_only_for_the_right_token(stack):
    url = f"{stack.api_url}/webhooks/meta"
    good = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "dev-meta-verify-token",
                                     "hub.challenge": "1158201444"}, timeout=TIMEOUT)
    assert (good.status_code, good.text) == (200, "1158201444")
    bad = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                    "hub.challenge": "1158201444"}, timeout=TIMEOUT)
    assert bad.status_code == 403
    assert "1158201444" not in bad.text


def test_forged_and_malformed_deliveries_enqueue_nothing(stack, app_secret):
    stack.wait_idle(timeout=60)
    payload = samples.page_comment("forged", samples.ADA_FACEBOOK_ID, "Ada", "forged complaint")
    assert post(stack, payload, "wrong-secret").status_code == 401
    unsigned = requests.post(f"{stack.api_url}/webhooks/meta", data=samples.encode(payload), timeout=TIMEOUT)
    assert unsigned.status_code == 401
    body = b"{not json"
    malformed = requests.post(f"{stack.api_url}/webhooks/meta", data=body, timeout=TIMEOUT, headers={
        "x-hub-signature-256": samples.sign(body, app_secret)})
    assert (malformed.status_code, malformed.json()) == (200, {"accepted": 0, "set_aside": 1})  # kept, not retried
    s3, bucket = stack.client("s3"), stack.resources.bucket_names["SetAsideBucket"]
    kept = [json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert body in [base64.b64decode(document["body_base64"]) for document in kept]
    assert requests.post(f"{stack.api_url}/webhooks/myspace", data=b"{}", timeout=TIMEOUT).status_code == 404
    assert ingest_depth(stack) == 0


def test_a_complaint_on_facebook_is_what_the_agent_sees_when_ada_calls(stack, lambda_client, customers,
                                                                      contact_centre, app_secret):
    text = f"My parcel arrived broken again, terrible service ({time.time_ns()})"
    payload = samples.page_comment("e2e1", samples.ADA_FACEBOOK_ID, "Ada Lovelace", text)
    for _ in range(3):  # Meta retries: the same delivery thrice
        answer = post(stack, payload, app_secret)
        assert answer.status_code == 200, answer.text
    stack.wait_idle(timeout=120)

    seen = call(lambda_client, "07911 123456")
    assert seen["found"] == "true"
    assert seen["customer_id"] == "cust-0001"
    assert seen["last_post_text"] == text
    assert seen["last_post_platform"] == "facebook"
    assert seen["last_post_sentiment"] == "negative"
    pushed = [p for p in contact_centre.received.values() if p["text"] == text]
    assert len(pushed) == 1
    assert pushed[0]["customer_id"] == "cust-0001"


def test_unknown_and_withheld_callers_are_not_found(stack, lambda_client, customers):
    assert call(lambda_client, "+14155552671")["found"] == "false"
    assert call(lambda_client, None)["found"] == "false"
    assert call(lambda_client, "anonymous")["found"] == "false"


def test_a_poison_message_reaches_the_dlq_and_the_rest_is_processed(stack, lambda_client, customers, app_secret):
    sqs = stack.client("sqs")
    ingest = stack.resources.queue_urls["IngestQueue"]
    dlq = stack.resources.queue_urls["IngestDeadLetterQueue"]
    # Grace, not Alan: the sample erasure (test_sample_events.py) erases Alan whenever it runs.
    text = f"Love it, thanks! ({time.time_ns()})"
    good = samples.page_comment(f"grace{time.time_ns()}", samples.GRACE_FACEBOOK_ID, "Grace Hopper", text)
    assert post(stack, good, app_secret).status_code == 200
    sqs.send_message(QueueUrl=ingest, MessageBody="{definitely not a canonical post")
    stack.wait_idle(timeout=180)
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    assert [m["Body"] for m in dead] == ["{definitely not a canonical post"]
    assert call(lambda_client, "+1 (202) 555-0143")["last_post_text"] == text


def test_rollup_lands_in_cloudwatch(stack, lambda_client, customers, app_secret):
    now = int(time.time())
    comment = samples.page_comment(f"rollup{time.time_ns()}", samples.GRACE_FACEBOOK_ID, "Grace Hopper", "Open?", now)
    assert post(stack, comment, app_secret).status_code == 200  # its hour has a Facebook comment to roll up
    stack.wait_idle(timeout=120)
    hour = datetime.fromtimestamp(now, timezone.utc).replace(minute=0, second=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = invoke(lambda_client, "MetricsRollupFunction", {"hour": hour})
    assert result["figures"].get("Posts|Platform=facebook|Kind=comment", 0) >= 1
    metrics = stack.client("cloudwatch").list_metrics(Namespace="SocialCRM")["Metrics"]
    assert "Posts" in {m["MetricName"] for m in metrics}
