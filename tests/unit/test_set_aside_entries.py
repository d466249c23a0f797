"""Every batching platform, through WebhookFunction's handler: one bad entry is set aside, the others go on.

(Meta, against moto with the real bucket and queue: tests/integration/test_webhook_set_aside_on_moto.py.)
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.fakes import FakeIngestQueue, FakeSetAsideStore
from tests.signers import fixture, sign
from tests.support.functions import LambdaContext, load_handler

SECRET = "set-aside-test-secret-0123456789"
HUGE = "9" * 400


class Secrets:
    def platform_credentials(self, _name: str) -> dict[str, str]:
        return dict.fromkeys(("app_secret", "consumer_secret", "client_secret", "hub_secret", "secret"), SECRET)


def x_body() -> bytes:
    document = json.loads(fixture("x_tweet_create.json"))
    bad = copy.deepcopy(document["tweet_create_events"][0])
    bad.update(id_str="2", id=2, timestamp_ms=HUGE)
    document["tweet_create_events"].append(bad)
    return json.dumps(document).encode()


def linkedin_body() -> bytes:
    document = json.loads(fixture("linkedin_comment.json"))
    bad = copy.deepcopy(document["notifications"][0])
    bad.update(notificationId=3, generatedActivity="urn:li:comment:(urn:li:activity:1,2)", lastModifiedAt=10**400)
    document["notifications"].append(bad)
    return json.dumps(document).encode()


def whatsapp_body() -> bytes:
    document = json.loads(fixture("whatsapp_message.json"))
    bad = copy.deepcopy(document["entry"][0])
    bad["changes"][0]["value"]["messages"][0].update(id="wamid.bad", timestamp=HUGE)
    document["entry"].append(bad)
    return json.dumps(document).encode()


def youtube_body() -> bytes:
    feed = fixture("youtube_video.xml").decode()
    entry = feed[feed.index("<entry>"):feed.index("</entry>") + len("</entry>")]
    bad = (entry.replace("dQw4w9WgXcQ", "bad00000000").replace("2026-11-22T09:14:03+00:00", "next tuesday"))
    return feed.replace("</feed>", bad + "\n</feed>").encode()


def trustpilot_body() -> bytes:
    document = json.loads(fixture("generic_trustpilot_review.json"))
    bad = copy.deepcopy(document["events"][0])
    bad["eventData"].update(id="bad", createdAt="yesterday")
    document["events"].append(bad)
    return json.dumps(document).encode()


@pytest.mark.parametrize(("platform", "body", "accepted", "where"), [
    ("x", x_body, 1, "tweet_create_events[1]"),
    ("linkedin", linkedin_body, 2, "notifications[2]"),
    ("whatsapp", whatsapp_body, 1, "entry[1]"),
    ("youtube", youtube_body, 1, "entry[1]"),
    ("generic/trustpilot", trustpilot_body, 2, "item[2]"),
])
def test_one_bad_entry_is_set_aside_and_the_good_ones_are_enqueued(monkeypatch, platform, body, accepted, where):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "SocialCRM")
    monkeypatch.setenv("YOUTUBE_CHANNEL_IDS", "UCada0000000000000000001")  # the channel of events/webhooks/youtube_*
    module = load_handler("webhook")
    queue, store = FakeIngestQueue(), FakeSetAsideStore()
    monkeypatch.setattr(module, "secrets", Secrets)
    monkeypatch.setattr(module, "ingest_queue", lambda: queue)
    monkeypatch.setattr(module, "set_aside_store", lambda: store, raising=False)
    raw = body()
    headers, query = sign(platform, raw, SECRET)
    path = {"source": platform.split("/", 1)[1]} if platform.startswith("generic/") else {"platform": platform}
    event = {"version": "2.0", "headers": headers, "queryStringParameters": query or None, "pathParameters": path,
             "requestContext": {"http": {"method": "POST"}, "requestId": "r"}, "body": raw.decode(),
             "isBase64Encoded": False}

    answer = module.lambda_handler(event, LambdaContext())

    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"accepted": accepted, "set_aside": 1})
    assert len(queue.sent) == accepted and not any("bad" in post.post_id for post in queue.sent)
    [(kept_platform, kept_body, [reason])] = store.kept
    assert (kept_platform, kept_body, reason["where"]) == (platform, raw, where)
