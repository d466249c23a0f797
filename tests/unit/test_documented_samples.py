"""The platforms' own documented sample payloads, signed and sent through the webhook handler.

Every sample in tests/fixtures/platform_samples/ is stored as the platform documents it (sources and
retrieval dates: that folder's README.md and docs/platforms.md). Where a document shows a placeholder
such as `<Tweet Object>`, the placeholder is filled with the same platform's documented object sample,
by text substitution, so both stay byte for byte as published.
"""

from __future__ import annotations

import base64
import json

import pytest

from tests.fakes import FakeIngestQueue, FakeSetAsideStore
from tests.signers import sign
from tests.support.functions import LambdaContext, load_handler
from tests.support.platform_samples import (
    CREDENTIALS_NAME,
    DEV_SECRETS,
    LOCAL_SEED_KEY,
    SIGNING_FIELD,
    sample,
    x_with_objects,
)


def messenger_delivery(fragment: str) -> bytes:
    """Messenger documents one `messaging[]` event; the envelope around it is the documented Page delivery."""
    return ('{"object": "page", "entry": [{"id": "<PAGE_ID>", "messaging": [' + sample(fragment) + "]}]}").encode()


def page_delivery(entry: str) -> bytes:
    return ('{"object": "page", "entry": [' + sample(entry) + "]}").encode()


# (platform, body, expected posts: post_id, kind, verb, author id, handle, phone, created_at, reply_to)
REPLY = ("1296887316556980230", "comment", "add", "2244994945", "XDevelopers", None, "2020-08-21T19:10:05Z",
         "1296887091901718529")
CASES = {
    "x tweet_create_events": ("x", x_with_objects("x_tweet_create_events.placeholder.json"), [REPLY]),
    "x tweet_create_events (@mentions)": ("x", x_with_objects("x_tweet_create_events_mentions.placeholder.json"),
                                          [REPLY]),
    "x tweet_create_events (longform)": ("x", x_with_objects("x_tweet_create_events_longform.placeholder.json"), [
        ("1924465506158878979", "post", "add", "2244994945", "XDevelopers", None, "2025-05-19T14:01:46Z", None)]),
    "x favorite_events": ("x", x_with_objects("x_favorite_events.placeholder.json"), [
        ("favorite:a7ba59eab0bfcba386f7acedac279542", "reaction", "add", "2244994945", "XDevelopers", None,
         "2018-03-26T16:33:26Z", None)]),
    "x follow_events": ("x", x_with_objects("x_follow_events.placeholder.json"), []),
    "x user_event": ("x", sample("x_user_event.json").encode(), []),
    "x direct_message_events": ("x", sample("x_direct_message_events.json").encode(), [
        ("dm:954491830116155396", "message", "add", "3001969357", "furiouscamper", None, "2018-01-19T23:12:40Z",
         None)]),
    "x direct_message_indicate_typing_events": (
        "x", sample("x_direct_message_indicate_typing_events.json").encode(), []),
    "x direct_message_mark_read_events": ("x", sample("x_direct_message_mark_read_events.json").encode(), []),
    "x tweet_delete_events": ("x", sample("x_tweet_delete_events.json").encode(), [
        ("1045405559317569537", "post", "remove", "930524282358325248", None, None, "2015-05-21T17:09:15Z", None)]),
    "whatsapp text message": ("whatsapp", sample("whatsapp_messages_text.json").encode(), [
        ("wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=", "message", "add", None, None,
         "+16505551234", "2025-06-08T20:59:43Z", None)]),
    "messenger text message": ("meta", messenger_delivery("messenger_messages_text.fragment.json"), [
        ("mid.1457764197618:41d102a3e1ae206a38", "message", "add", "<PSID>", None, None, "2016-03-23T00:25:52Z",
         None)]),
    "messenger reply message": ("meta", messenger_delivery("messenger_messages_reply.fragment.json"), [
        ("m_1457764197618:41d102a3e1ae206a38", "message", "add", "<PSID>", None, None, "2016-03-23T00:25:52Z",
         "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU")]),
    "messenger message with attachment": ("meta", page_delivery("messenger_messages_attachment.entry.json"), [
        ("mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c", "message", "add", "<PSID>", None, None, "2018-02-12T23:46:35Z",
         None)]),
    "youtube video notification": ("youtube", sample("youtube_video_notification.xml").encode(), [
        ("VIDEO_ID", "post", "edit", "CHANNEL_ID", None, None, "2015-03-06T21:40:57Z", None)]),
    "tiktok authorization.removed": ("tiktok", sample("tiktok_authorization_removed.json").encode(), []),
    "tiktok video.upload.failed": ("tiktok", sample("tiktok_video_upload_failed.json").encode(), []),
    "tiktok video.publish.completed": ("tiktok", sample("tiktok_video_publish_completed.json").encode(), [
        ("video.6974245311675353080.VDCxrcMJ", "post", "add", "act.example12345Example12345Example", None, None,
         "2021-03-10T01:10:10Z", None)]),
    "tiktok portability.download.ready": ("tiktok", sample("tiktok_portability_download_ready.json").encode(), []),
}


class Secrets:
    def platform_credentials(self, name: str) -> dict[str, str]:
        return dict(DEV_SECRETS[LOCAL_SEED_KEY.get(name, name)])


@pytest.fixture
def webhook(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "SocialCRM")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")
    monkeypatch.setenv("YOUTUBE_CHANNEL_IDS", "CHANNEL_ID")
    module = load_handler("webhook")
    queue = FakeIngestQueue()
    monkeypatch.setattr(module, "secrets", Secrets)
    monkeypatch.setattr(module, "ingest_queue", lambda: queue)
    store = FakeSetAsideStore()
    monkeypatch.setattr(module, "set_aside_store", lambda: store)

    def call(platform: str, body: bytes = b"", method: str = "POST", query: dict | None = None,
             headers: dict | None = None) -> tuple[int, str]:
        if headers is None and method == "POST":
            credentials = CREDENTIALS_NAME.get(platform, platform)
            secret = DEV_SECRETS[LOCAL_SEED_KEY.get(credentials, credentials)][SIGNING_FIELD[platform]]
            headers, signed_query = sign(platform, body, secret)
            query = {**signed_query, **(query or {})}
        event = {"version": "2.0", "routeKey": f"{method} /webhooks/{{platform}}", "rawPath": f"/webhooks/{platform}",
                 "headers": {"content-type": "application/json", **(headers or {})},
                 "queryStringParameters": query or None, "pathParameters": {"platform": platform},
                 "requestContext": {"http": {"method": method, "path": f"/webhooks/{platform}"}, "requestId": "r-1"},
                 "body": base64.b64encode(body).decode(), "isBase64Encoded": True}
        answer = module.lambda_handler(event, LambdaContext())
        return answer["statusCode"], answer["body"]

    call.queue = queue
    call.set_aside = store
    return call


def described(post) -> tuple:
    return (post.post_id, post.kind, post.verb, post.author.user_id, post.author.handle, post.author.phone,
            post.created_at, post.reply_to)


@pytest.mark.parametrize("case", list(CASES))
def test_a_documented_sample_is_accepted_and_yields_the_posts_it_describes(webhook, case):
    platform, body, expected = CASES[case]
    status, answer = webhook(platform, body)
    assert (status, json.loads(answer)) == (200, {"accepted": len(expected)})
    assert [described(post) for post in webhook.queue.sent] == expected


def test_x_longform_text_is_the_full_text_of_the_extended_tweet(webhook):
    webhook("x", x_with_objects("x_tweet_create_events_longform.placeholder.json"))
    (post,) = webhook.queue.sent
    assert post.text.startswith("The Antikythera Mechanism: A Window into Ancient Ingenuity")
    assert post.text.endswith("off the Greek island of Antikythera...")


def test_a_tweet_dated_only_in_twitters_created_at_format_keeps_its_time(webhook):
    """X's documented Tweet object carries `created_at` like `Fri Aug 21 19:10:05 +0000 2020` and no timestamp_ms."""
    tweet = json.loads(sample("x_tweet_object_reply.json"))
    assert "timestamp_ms" not in tweet
    status, _ = webhook("x", x_with_objects("x_tweet_create_events.placeholder.json"))
    assert status == 200
    assert webhook.queue.sent[0].created_at == "2020-08-21T19:10:05Z"


def test_a_time_too_large_for_any_clock_is_set_aside_not_a_500(webhook):
    favorite = json.loads(sample("x_favorite_events.placeholder.json").replace("<Tweet Object>", "")
                          .replace("<User Object>", '"id_str": "2244994945"'))
    body = json.dumps(favorite).replace("1522082006140", "1" + "0" * 400).encode()
    status, answer = webhook("x", body)
    assert (status, json.loads(answer)) == (200, {"accepted": 0, "set_aside": 1})
    assert webhook.queue.sent == []
    ((platform, kept, reasons),) = webhook.set_aside.kept
    assert (platform, kept, reasons[0]["error"]) == ("x", body, "BadRequest")


def test_youtube_verification_accepts_the_topic_url_without_xml_in_its_path(webhook, monkeypatch):
    """Google's guide names the topic both .../xml/feeds/videos.xml and .../feeds/videos.xml (localized pages)."""
    from socialcrm.platforms import youtube

    intent = {"websub:youtube:CHANNEL_ID": {"mode": "subscribe", "expires_at": 2**40}}  # we asked for it
    intents = type("Intents", (), {"load": lambda _, key: intent.get(key, {})})()
    monkeypatch.setattr(youtube.ADAPTER, "intents", lambda: intents)
    for topic in ("https://www.youtube.com/xml/feeds/videos.xml?channel_id=CHANNEL_ID",
                  "https://www.youtube.com/feeds/videos.xml?channel_id=CHANNEL_ID"):
        query = {"hub.mode": "subscribe", "hub.topic": topic, "hub.challenge": "4075302155",
                 "hub.lease_seconds": "432000"}
        assert webhook("youtube", method="GET", query=query) == (200, "4075302155"), topic


def test_google_review_notification_with_the_documented_field_names(webhook):
    """No verbatim sample of the decoded `data` is published; the Notifications reference names its fields
    `reviewName` and `locationName` (NotificationType NEW_REVIEW). This input is built from those names."""
    review = "accounts/111/locations/222/reviews/AbC"
    data = {"notificationType": "NEW_REVIEW", "reviewName": review, "locationName": "accounts/111/locations/222"}
    envelope = {"message": {"data": base64.b64encode(json.dumps(data).encode()).decode(), "attributes": {},
                            "messageId": "2070443601311540", "publishTime": "2021-02-26T19:13:55.749Z"},
                "subscription": "projects/myproject/subscriptions/mysubscription"}
    status, answer = webhook("google-business", json.dumps(envelope).encode())
    assert (status, json.loads(answer)) == (200, {"accepted": 1})
    (post,) = webhook.queue.sent
    assert (post.post_id, post.kind, post.verb, post.created_at, post.account) == (
        review, "review", "add", "2021-02-26T19:13:55Z", "accounts/111/locations/222")
