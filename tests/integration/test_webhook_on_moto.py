"""The webhook function against moto: a 1,000-entry Meta batch becomes 1,000 queue messages, none dropped."""

from __future__ import annotations

import json
import threading

import botocore.client

from infra.local import samples
from tests.support.functions import LambdaContext, load_handler

SECRETS = json.loads(open("infra/local/secrets.json", encoding="utf-8").read())  # noqa: SIM115


def test_a_batch_of_1000_entries_is_split_under_the_sqs_limits_and_nothing_is_lost(aws, monkeypatch):
    aws.use("WebhookFunction")
    calls: list[tuple[str, dict]] = []
    failures: list[dict] = []
    real_call = botocore.client.BaseClient._make_api_call

    this_thread = threading.get_ident()

    def recording(client, operation, params):
        answer = real_call(client, operation, params)
        if threading.get_ident() == this_thread:  # not the e2e stack's pollers, if it is still up
            calls.append((operation, params))
            failures.extend(answer.get("Failed", []))
        return answer

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    long_text = "Ünïcödé and emoji 😡 " * 40  # ~1 KB per post, so the 256 KiB batch limit matters too
    entries = []
    for n in range(1000):
        entries.extend(samples.page_comment(f"b{n}", f"61044{n:05d}", "Someone", f"{long_text} #{n}",
                                            when=1795338843)["entry"])
    body = json.dumps({"object": "page", "entry": entries}).encode()
    event = {"version": "2.0", "pathParameters": {"platform": "meta"}, "requestContext": {"http": {"method": "POST"}},
             "headers": {"x-hub-signature-256": samples.sign(body, SECRETS["meta"]["app_secret"])},
             "body": body.decode(), "isBase64Encoded": False}
    answer = load_handler("webhook").lambda_handler(event, LambdaContext())
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"accepted": 1000})

    batches = [params["Entries"] for operation, params in calls if operation == "SendMessageBatch"]
    assert all(len(entries) <= 10 for entries in batches)
    assert all(sum(len(e["MessageBody"].encode()) for e in entries) <= 256 * 1024 for entries in batches)
    sent = [json.loads(e["MessageBody"])["post_id"] for entries in batches for e in entries]
    assert sorted(sent) == sorted(f"{samples.PAGE_ID}_555_b{n}" for n in range(1000))
    assert failures == []
