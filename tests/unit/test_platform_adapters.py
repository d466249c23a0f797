"""Every platform adapter: handshake, a good signature, a forged one, a rotated one, normalization."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from socialcrm.errors import (
    BadRequest,
    ConfigurationError,
    HandshakeRefused,
    SignatureInvalid,
    SubscriptionNotRequested,
    UnknownPlatform,
)
from socialcrm.platforms import get_adapter
from socialcrm.platforms.base import WebhookRequest
from socialcrm.platforms.youtube import YouTubeAdapter
from tests.signers import fixture, sign

SECRET, OLD = "current-secret-0123456789", "previous-secret-0123456789"
SECRET_FIELD = {"meta": "app_secret", "whatsapp": "app_secret", "x": "consumer_secret", "linkedin": "client_secret",
                "youtube": "hub_secret", "tiktok": "client_secret", "google-business": "token",
                "generic/discourse": "secret", "generic/trustpilot": "secret"}
# platform, fixture, expected (post_id, kind, verb, author user id, handle, phone) per post
CASES = [
    ("meta", "meta_instagram_message.json", [("aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjk5MjAwMDAwMDAwMDA0NTE6MQ", "message",
                                               "add", "9920000000000451", None, None)]),  # the echo is dropped
    ("x", "x_tweet_create.json", [("1993456789012345678", "comment", "add", "1460293038484783999", "ada_builds",
                                   None)]),
    ("x", "x_direct_message.json", [("dm:1993456789012349999", "message", "add", "1460293038484783999", "ada_builds",
                                     None)]),
    ("x", "x_favorite.json", [("favorite:a7ba59eab0bfcba386f7acedac279542", "reaction", "add", "1460293038484783999",
                               "ada_builds", None)]),
    ("x", "x_tweet_delete.json", [("1993456789012345678", "post", "remove", "1460293038484783999", None, None)]),
    ("whatsapp", "whatsapp_message.json", [("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERTQ5MzM5RTU3NjA0NzdCNgA=",
                                            "message", "add", None, None, "+447400123456")]),
    ("whatsapp", "whatsapp_status.json", []),
    ("linkedin", "linkedin_comment.json", [
        ("urn:li:comment:(urn:li:activity:7220000000000000001,7220000000000000777)", "comment", "add",
         "urn:li:person:ada0000001", None, None),
        ("urn:li:like:(urn:li:person:grace000002,urn:li:activity:7220000000000000001)", "reaction", "add",
         "urn:li:person:grace000002", None, None)]),
    ("youtube", "youtube_video.xml", [("dQw4w9WgXcQ", "post", "add", "UCada0000000000000000001", None, None)]),
    ("youtube", "youtube_deleted.xml", [("dQw4w9WgXcQ", "post", "remove", None, None, None)]),
    ("tiktok", "tiktok_post_publish.json", [("7287711234567890123", "post", "add",
                                             "act.example12345Example12345Example", None, None)]),
    ("google-business", "google_business_review.json", [
        ("accounts/110000000000000000001/locations/9000000000000000001/reviews/AbFvOqn1", "review", "add", None,
         None, None)]),
    ("generic/discourse", "generic_discourse_post.json", [("4412", "post", "add", "2201", "ada_builds", None)]),
    ("generic/trustpilot", "generic_trustpilot_review.json", [
        ("6744a1b2c3d4e5f601234567", "review", "add", "5f0000000000000000000abc", None, None),
        ("6744a1b2c3d4e5f600000000", "review", "remove", None, None, None)]),
]
PLATFORMS = sorted({case[0] for case in CASES})


@pytest.fixture(autouse=True)
def our_youtube_channel(monkeypatch):
    monkeypatch.setenv("YOUTUBE_CHANNEL_IDS", "UCada0000000000000000001")


def credentials(platform: str, **extra: str) -> dict[str, str]:
    return {SECRET_FIELD[platform]: SECRET, "verify_token": "verify-me", **extra}


def request(platform: str, body: bytes, secret: str = SECRET, **overrides) -> WebhookRequest:
    headers, query = sign(platform, body, secret)
    return WebhookRequest("POST", headers=overrides.get("headers", headers), query=overrides.get("query", query),
                          body=body)


@pytest.mark.parametrize(("platform", "name", "expected"), CASES)
def test_a_genuine_delivery_verifies_and_normalizes(platform, name, expected):
    adapter = get_adapter(platform)
    delivery = request(platform, fixture(name))
    adapter.verify(delivery, credentials(platform))
    posts = adapter.normalize(delivery)
    got = [(p.post_id, p.kind, p.verb, p.author.user_id, p.author.handle, p.author.phone) for p in posts]
    assert got == expected
    for post in posts:
        assert post.platform and post.created_at.endswith("Z")
        assert post.author.platform == post.platform  # an identity is looked up in the post's own platform


def test_an_instagram_direct_message_through_the_meta_webhook_is_instagrams():
    delivery = request("meta", fixture("meta_instagram_message.json"))
    get_adapter("meta").verify(delivery, credentials("meta"))
    [post] = get_adapter("meta").normalize(delivery)
    assert (post.platform, post.author.platform, post.account) == ("instagram", "instagram", "17841400000000000")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_forged_or_missing_signature_is_refused(platform):
    adapter = get_adapter(platform)
    body = fixture(next(name for p, name, _ in CASES if p == platform))
    with pytest.raises(SignatureInvalid):
        adapter.verify(request(platform, body, secret="not-the-secret"), credentials(platform))
    with pytest.raises(SignatureInvalid):
        adapter.verify(WebhookRequest("POST", body=body), credentials(platform))
    if platform == "google-business":
        return  # a push token authenticates the sender, not the body (TLS protects the body)
    tampered = body.replace(b"a", b"b", 1)
    headers, query = sign(platform, body, SECRET)
    with pytest.raises(SignatureInvalid):
        adapter.verify(WebhookRequest("POST", headers=headers, query=query, body=tampered), credentials(platform))


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_previous_secret_verifies_only_until_the_overlap_ends(platform):
    adapter = get_adapter(platform)
    body = fixture(next(name for p, name, _ in CASES if p == platform))
    field = SECRET_FIELD[platform]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    adapter.verify(request(platform, body, secret=OLD),
                   credentials(platform, **{f"previous_{field}": OLD, f"previous_{field}_valid_until": future}))
    with pytest.raises(SignatureInvalid):
        adapter.verify(request(platform, body, secret=OLD),
                       credentials(platform, **{f"previous_{field}": OLD, f"previous_{field}_valid_until": past}))


def test_x_crc_answers_base64_hmac_of_the_token():
    answer = get_adapter("x").handshake(WebhookRequest("GET", query={"crc_token": "challenge-123"}),
                                        {"consumer_secret": SECRET})
    expected = base64.b64encode(hmac.new(SECRET.encode(), b"challenge-123", hashlib.sha256).digest()).decode()
    assert (answer.status, json.loads(answer.body)) == (200, {"response_token": "sha256=" + expected})


def test_linkedin_validation_answers_hex_hmac_of_the_challenge_code():
    code = "890e4665-4dfe-4b3c-9f21-6f1d2c3b4a59"
    answer = get_adapter("linkedin").handshake(WebhookRequest("GET", query={"challengeCode": code}),
                                               {"client_secret": SECRET})
    expected = hmac.new(SECRET.encode(), code.encode(), hashlib.sha256).hexdigest()
    assert json.loads(answer.body) == {"challengeCode": code, "challengeResponse": expected}
    assert answer.content_type == "application/json"


def test_whatsapp_uses_the_meta_handshake_and_the_meta_app_secret():
    adapter = get_adapter("whatsapp")
    assert adapter.credentials_name == "meta"
    query = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "77"}
    assert adapter.handshake(WebhookRequest("GET", query=query), credentials("whatsapp")).body == "77"
    with pytest.raises(HandshakeRefused):
        adapter.handshake(WebhookRequest("GET", query={**query, "hub.verify_token": "x"}), credentials("whatsapp"))


class Intents:
    def __init__(self, **recorded: dict) -> None:
        self.recorded = {f"websub:youtube:{channel}": intent for channel, intent in recorded.items()}
        self.read: list[str] = []

    def load(self, key: str) -> dict:
        self.read.append(key)
        return self.recorded.get(key, {})


def test_youtube_verification_echoes_only_what_we_asked_for_on_our_channels():
    now = 1_800_000_000.0
    intents = Intents(UCada0000000000000000001={"mode": "subscribe", "expires_at": int(now) + 60})
    adapter = YouTubeAdapter(intents=lambda: intents, clock=lambda: now)
    topic = "https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCada0000000000000000001"
    query = {"hub.mode": "subscribe", "hub.topic": topic, "hub.challenge": "c-42", "hub.lease_seconds": "432000"}
    assert adapter.handshake(WebhookRequest("GET", query=query), {}).body == "c-42"
    refused = [{**query, "hub.mode": "unsubscribe"}, {**query, "hub.topic": topic.replace("0001", "0002")},
               {**query, "hub.topic": "https://evil.example/"}]
    for other in refused:
        with pytest.raises(SubscriptionNotRequested):
            adapter.handshake(WebhookRequest("GET", query=other), {})
    assert intents.read == ["websub:youtube:UCada0000000000000000001"] * 2  # never a key of another channel
    late = YouTubeAdapter(intents=lambda: intents, clock=lambda: now + 61)
    with pytest.raises(SubscriptionNotRequested):
        late.handshake(WebhookRequest("GET", query=query), {})


def test_youtube_refuses_entity_expansion():
    with pytest.raises(BadRequest):
        get_adapter("youtube").normalize(WebhookRequest("POST", body=fixture("youtube_entity_expansion.xml")))


def test_youtube_without_a_hub_secret_accepts_nothing():
    with pytest.raises(SignatureInvalid):
        get_adapter("youtube").verify(WebhookRequest("POST", body=fixture("youtube_video.xml")), {})
    with pytest.raises(ConfigurationError):
        get_adapter("youtube").verify(request("youtube", fixture("youtube_video.xml")), {})


def test_youtube_drops_entries_and_deletions_of_channels_that_are_not_ours(monkeypatch):
    monkeypatch.setenv("YOUTUBE_CHANNEL_IDS", "UCother00000000000000001")
    for name in ("youtube_video.xml", "youtube_deleted.xml"):
        assert get_adapter("youtube").normalize(WebhookRequest("POST", body=fixture(name))) == []


def test_tiktok_refuses_a_timestamp_outside_300_seconds():
    adapter = get_adapter("tiktok")
    body = fixture("tiktok_post_publish.json")
    import time

    for skew in (-301, 301):
        headers, _ = sign("tiktok", body, SECRET, now=time.time() + skew)
        with pytest.raises(SignatureInvalid):
            adapter.verify(WebhookRequest("POST", headers=headers, body=body), credentials("tiktok"))


def test_tiktok_content_is_a_json_string_with_escaped_unicode():
    [post] = get_adapter("tiktok").normalize(WebhookRequest("POST", body=fixture("tiktok_post_publish.json")))
    assert post.text == "Acme support ghosted me 😒"


def test_x_keeps_64_bit_ids_exact_and_the_full_text():
    [post] = get_adapter("x").normalize(WebhookRequest("POST", body=fixture("x_tweet_create.json")))
    assert post.post_id == "1993456789012345678" and post.reply_to == "1993456700000000001"
    assert post.text.endswith("😡 order #4411")
    assert post.account == "1460293038484783104"
    assert post.url == "https://x.com/ada_builds/status/1993456789012345678"


def test_x_numeric_ids_beyond_2_53_without_id_str_stay_exact():
    body = json.dumps({"tweet_create_events": [{"id": 1993456789012345679, "text": "hi", "timestamp_ms": 1795338843000,
                                                "user": {"id": 1460293038484783999, "screen_name": "a"}}]}).encode()
    [post] = get_adapter("x").normalize(WebhookRequest("POST", body=body))
    assert (post.post_id, post.author.user_id) == ("1993456789012345679", "1460293038484783999")


def test_google_review_carries_stars_and_text():
    [post] = get_adapter("google-business").normalize(
        WebhookRequest("POST", body=fixture("google_business_review.json")))
    assert post.text == "★ Rude staff at the Leeds store, never again."
    assert post.author.name == "Ada Lovelace"


def test_an_unknown_generic_source_is_unknown_platform():
    for name in ("generic/nope", "generic/../meta", "generic/"):
        with pytest.raises(UnknownPlatform):
            get_adapter(name)
