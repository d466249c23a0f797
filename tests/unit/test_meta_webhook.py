"""Meta webhooks through the webhook handler: handshake, signature, normalization, error answers."""

from __future__ import annotations

import base64
import json

import pytest

from infra.local import samples
from socialcrm.errors import BadRequest
from socialcrm.platforms.base import WebhookRequest
from socialcrm.platforms.meta import ADAPTER
from tests.fakes import FakeIngestQueue, FakeSetAsideStore
from tests.support.functions import LambdaContext, load_handler

SECRET = "meta-app-secret-for-unit-tests"
OLD_SECRET = "meta-app-secret-being-rotated"
TOKEN = "verify-token-for-unit-tests"


class Secrets:
    def platform_credentials(self, platform: str) -> dict[str, str]:
        assert platform == "meta"
        return {"app_secret": SECRET, "verify_token": TOKEN, "previous_app_secret": OLD_SECRET,
                "previous_app_secret_valid_until": "2999-01-01T00:00:00Z"}


@pytest.fixture
def webhook(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "SocialCRM")
    module = load_handler("webhook")
    queue = FakeIngestQueue()
    monkeypatch.setattr(module, "secrets", Secrets)
    monkeypatch.setattr(module, "ingest_queue", lambda: queue)
    store = FakeSetAsideStore()
    monkeypatch.setattr(module, "set_aside_store", lambda: store)

    def call(method: str, platform: str = "meta", body: bytes = b"", headers: dict | None = None,
             query: dict | None = None, base64_body: bool = False) -> tuple[int, str]:
        event = {"version": "2.0", "routeKey": f"{method} /webhooks/{{platform}}", "rawPath": f"/webhooks/{platform}",
                 "headers": headers or {}, "queryStringParameters": query, "pathParameters": {"platform": platform},
                 "requestContext": {"http": {"method": method, "path": f"/webhooks/{platform}"}, "requestId": "r-1"},
                 "body": base64.b64encode(body).decode() if base64_body else body.decode(),
                 "isBase64Encoded": base64_body}
        answer = module.lambda_handler(event, LambdaContext())
        return answer["statusCode"], answer["body"]

    call.queue = queue
    call.store = store
    return call


def signed(payload: dict, secret: str = SECRET) -> tuple[bytes, dict]:
    body = samples.encode(payload)
    return body, {"X-Hub-Signature-256": samples.sign(body, secret), "Content-Type": "application/json"}


def test_handshake_echoes_the_challenge_only_for_the_right_token(webhook):
    query = {"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444"}
    assert webhook("GET", query=query) == (200, "1158201444")
    assert webhook("GET", query={**query, "hub.verify_token": "guess"})[0] == 403
    assert webhook("GET", query={**query, "hub.mode": "unsubscribe"})[0] == 403
    assert webhook("GET", query=None)[0] == 403


def test_a_signed_delivery_is_enqueued_and_answered_200(webhook):
    body, headers = signed(samples.page_comment("901", samples.ADA_FACEBOOK_ID, "Ada", "broken again"))
    status, answer = webhook("POST", body=body, headers=headers)
    assert (status, json.loads(answer)) == (200, {"accepted": 1})
    assert [post.author.user_id for post in webhook.queue.sent] == [samples.ADA_FACEBOOK_ID]


def test_base64_bodies_are_decoded_before_the_signature_is_checked(webhook):
    body, headers = signed(samples.page_post("77", samples.ADA_FACEBOOK_ID, "Ada", "hello"))
    assert webhook("POST", body=body, headers=headers, base64_body=True)[0] == 200
    assert len(webhook.queue.sent) == 1


def test_the_previous_secret_still_verifies_during_rotation(webhook):
    body, headers = signed(samples.page_post("78", samples.ADA_FACEBOOK_ID, "Ada", "hello"), OLD_SECRET)
    assert webhook("POST", body=body, headers=headers)[0] == 200


@pytest.mark.parametrize("headers", [
    {},
    {"X-Hub-Signature-256": "sha256=" + "0" * 64},
    {"X-Hub-Signature-256": samples.sign(b"another body", SECRET)},
    {"X-Hub-Signature-256": samples.sign(b"x", SECRET).removeprefix("sha256=")},
])
def test_forged_or_missing_signature_is_401_and_nothing_is_enqueued(webhook, headers):
    body, _ = signed(samples.page_post("79", samples.ADA_FACEBOOK_ID, "Ada", "hello"))
    status, answer = webhook("POST", body=body, headers=headers)
    assert status == 401 and "error" in json.loads(answer)
    assert webhook.queue.sent == []


def test_a_body_signed_with_another_secret_is_401(webhook):
    body, headers = signed(samples.page_post("80", samples.ADA_FACEBOOK_ID, "Ada", "hello"), "not-our-secret")
    assert webhook("POST", body=body, headers=headers)[0] == 401


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"object": "page"}', b'{"object": "user", "entry": []}',
                                  b'{"object": "page", "entry": [{"changes": [{"field": "feed", "value": 3}]}]}'])
def test_a_signed_body_of_the_wrong_shape_is_set_aside_and_answered_200(webhook, body):
    # a retry could only fail again: the delivery is kept for an operator, and the platform stops retrying
    status, answer = webhook("POST", body=body, headers={"X-Hub-Signature-256": samples.sign(body, SECRET)})
    assert (status, json.loads(answer)) == (200, {"accepted": 0, "set_aside": 1})
    assert webhook.queue.sent == []
    [(platform, kept, [reason])] = webhook.store.kept
    assert (platform, kept) == ("meta", body) and reason["error"] == "BadRequest"


def test_an_unknown_platform_is_404(webhook):
    assert webhook("POST", platform="myspace", body=b"{}")[0] == 404
    assert webhook("GET", platform="myspace")[0] == 404


def test_a_body_that_is_not_valid_base64_is_400():
    module_event = {"requestContext": {"http": {"method": "POST"}}, "body": "%%%", "isBase64Encoded": True}
    with pytest.raises(BadRequest):
        load_handler("webhook").parse_request(module_event)


# -- normalization ---------------------------------------------------------------------------

def normalize(payload: dict):
    return ADAPTER.normalize(WebhookRequest("POST", body=json.dumps(payload).encode()))


def test_page_comment_current_shape():
    [post] = normalize(samples.page_comment("901", "6104410001", "Ada Lovelace", "broken", when=1795000000))
    assert (post.platform, post.kind, post.post_id, post.reply_to) == (
        "facebook", "comment", "1234567890_555_901", "1234567890_555")
    assert (post.author.user_id, post.author.name, post.text) == ("6104410001", "Ada Lovelace", "broken")
    assert post.created_at == "2026-11-18T11:06:40Z"
    assert post.url == "https://www.facebook.com/1234567890_555_901"


def test_page_feed_legacy_sender_id_number_shape():
    payload = {"object": "page", "entry": [{"id": "1", "time": 1795000000, "changes": [{"field": "feed", "value": {
        "item": "status", "verb": "add", "post_id": "1_44", "sender_id": 6104410001, "sender_name": "Ada",
        "message": "old shape", "created_time": 1795000000}}]}]}
    [post] = normalize(payload)
    assert (post.kind, post.post_id, post.author.user_id, post.author.name) == ("post", "1_44", "6104410001", "Ada")


def test_reactions_and_likes_are_not_posts():
    payload = {"object": "page", "entry": [{"id": "1", "time": 1795000000, "changes": [
        {"field": "feed", "value": {"item": "reaction", "verb": "add", "post_id": "1_2", "from": {"id": "9"}}},
        {"field": "feed", "value": {"item": "like", "verb": "add", "post_id": "1_2", "from": {"id": "9"}}}]}]}
    assert normalize(payload) == []


def test_messenger_message_and_echoes():
    payload = samples.messenger_message("m_1", samples.GRACE_FACEBOOK_ID, "where is my refund?", when_ms=1795000000123)
    [post] = normalize(payload)
    assert (post.kind, post.post_id, post.author.user_id, post.text) == (
        "message", "m_1", samples.GRACE_FACEBOOK_ID, "where is my refund?")
    payload["entry"][0]["messaging"][0]["message"]["is_echo"] = True
    assert normalize(payload) == []


def test_an_instagram_direct_message_is_an_instagram_message_of_our_instagram_account():
    """Instagram DMs come through the same webhook (object "instagram", `messaging[]`, as Messenger's do): they are
    Instagram's, so they are matched on the Instagram identity, counted under Instagram and answered by the
    Instagram publisher (POST /me/messages to the IGSID)."""
    payload = samples.instagram_message("aWdfZAG1", samples.ALAN_INSTAGRAM_ID, "where is my order?",
                                        when_ms=1795000000123)
    [post] = normalize(payload)
    assert (post.platform, post.kind, post.post_id, post.text) == ("instagram", "message", "aWdfZAG1",
                                                                  "where is my order?")
    assert (post.author.platform, post.author.user_id) == ("instagram", samples.ALAN_INSTAGRAM_ID)
    assert (post.account, post.source, post.url) == (samples.INSTAGRAM_ID, "meta", None)
    assert post.key.text == "instagram#aWdfZAG1"
    payload["entry"][0]["messaging"][0]["message"]["is_echo"] = True  # our own message sent from Instagram
    assert normalize(payload) == []


def test_a_delivery_of_both_objects_keeps_each_messages_platform():
    page, instagram = (samples.messenger_message("m_1", samples.GRACE_FACEBOOK_ID, "refund?", when_ms=1795000000123),
                       samples.instagram_message("ig_1", samples.ALAN_INSTAGRAM_ID, "refund?", when_ms=1795000000123))
    assert [(p.platform, p.author.platform) for p in normalize(page) + normalize(instagram)] == [
        ("facebook", "facebook"), ("instagram", "instagram")]


def test_instagram_comment_and_mention():
    [comment] = normalize(samples.instagram_comment("1790001", samples.ALAN_INSTAGRAM_ID, "alan.t", "nice", 1795000000))
    assert (comment.platform, comment.kind, comment.author.handle, comment.reply_to) == (
        "instagram", "comment", "alan.t", "18000000000000001")
    mention = {"object": "instagram", "entry": [{"id": "178", "time": 1795000000, "changes": [
        {"field": "mentions", "value": {"media_id": "1790002", "comment_id": "1790003"}}]}]}
    [post] = normalize(mention)
    assert (post.kind, post.post_id, post.reply_to) == ("mention", "1790003", "1790002")


def test_each_post_keeps_our_account_it_was_delivered_for():
    """What a reply needs (docs/replies.md): the Page or Instagram account, the entry's id (the recipient's for a
    message)."""
    [page] = normalize(samples.page_comment("901", "6104410001", "Ada Lovelace", "broken", when=1795000000))
    [message] = normalize(samples.messenger_message("m_1", samples.GRACE_FACEBOOK_ID, "refund?", when_ms=1795000000123))
    [comment] = normalize(samples.instagram_comment("1790001", samples.ALAN_INSTAGRAM_ID, "alan.t", "nice", 1795000000))
    mention = {"object": "instagram", "entry": [{"id": "178", "time": 1795000000, "changes": [
        {"field": "mentions", "value": {"media_id": "1790002", "comment_id": "1790003"}}]}]}
    [mentioned] = normalize(mention)
    assert [page.account, message.account, comment.account, mentioned.account] == [
        samples.PAGE_ID, samples.PAGE_ID, "17841400000000000", "178"]


def test_a_float_id_is_refused_rather_than_rounded():
    payload = samples.page_post("1", "6104410001", "Ada", "x", when=1795000000)
    payload["entry"][0]["changes"][0]["value"].pop("from")
    payload["entry"][0]["changes"][0]["value"]["sender_id"] = 6104410001.0
    with pytest.raises(BadRequest):
        normalize(payload)
