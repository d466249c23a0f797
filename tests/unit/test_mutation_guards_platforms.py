"""Who may deliver posts to us (socialcrm.platforms): the exact answer each refused handshake or signature gets,
what `make mutation` showed no test noticing. The platform reads our refusal: its status and its words are the API."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from socialcrm.errors import ConfigurationError, SocialCrmError
from socialcrm.ingest import error_response
from socialcrm.platforms.base import WebhookRequest, WebhookResponse
from socialcrm.platforms.google_business import GoogleBusinessAdapter
from socialcrm.platforms.linkedin import LinkedInAdapter
from socialcrm.platforms.meta import MetaAdapter
from socialcrm.platforms.tiktok import TikTokAdapter, signature_parts
from socialcrm.platforms.x import XAdapter
from socialcrm.platforms.youtube import YouTubeAdapter
from tests.unit.test_platform_adapters import Intents
from tests.unit.test_webhook_handshakes import NOW, SECRET, generic, get, mac, post, rotating

CHANNEL = "UCada0000000000000000001"
TOPIC = f"https://www.youtube.com/xml/feeds/videos.xml?channel_id={CHANNEL}"


def refusal(call: Callable[[], object]) -> tuple[int, dict[str, str]]:
    """The HTTP answer the platform gets when `call` refuses."""
    with pytest.raises(SocialCrmError) as refused:
        call()
    answer = error_response(refused.value)
    return answer.status, json.loads(answer.body)


# YouTube (WebSub)


@pytest.fixture
def youtube(monkeypatch) -> YouTubeAdapter:
    monkeypatch.setenv("YOUTUBE_CHANNEL_IDS", CHANNEL)
    intents = Intents(**{CHANNEL: {"mode": "subscribe", "expires_at": NOW + 60}})
    return YouTubeAdapter(intents=lambda: intents, clock=lambda: NOW)


def websub(youtube: YouTubeAdapter, **query: str) -> Callable[[], WebhookResponse]:
    return lambda: youtube.handshake(get(**query), {})


def test_a_websub_verification_we_asked_for_echoes_the_challenge_as_plain_text(youtube):
    answer = youtube.handshake(get(**{"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "c-42"}), {})
    assert (answer.status, answer.body, answer.content_type) == (200, "c-42", "text/plain")


def test_a_websub_verification_without_a_challenge_or_with_another_mode_is_refused_with_403(youtube):
    no_challenge = websub(youtube, **{"hub.mode": "subscribe", "hub.topic": TOPIC})
    other_mode = websub(youtube, **{"hub.mode": "denied", "hub.topic": TOPIC, "hub.challenge": "c-42"})
    for call in (no_challenge, other_mode):
        assert refusal(call) == (403, {"error": "not a WebSub verification"})


def test_a_websub_verification_of_a_topic_we_did_not_ask_for_is_refused_with_404_naming_why(youtube):
    other_channel = TOPIC.replace("0001", "0002")
    assert refusal(websub(youtube, **{"hub.mode": "subscribe", "hub.topic": other_channel, "hub.challenge": "c"})) \
        == (404, {"error": "topic not subscribed"})
    assert refusal(websub(youtube, **{"hub.mode": "unsubscribe", "hub.topic": TOPIC, "hub.challenge": "c"})) \
        == (404, {"error": "no unsubscribe of this topic was requested in the last minutes"})


def test_a_youtube_delivery_with_a_wrong_signature_is_refused_naming_the_header(youtube):
    wrong = post({"x-hub-signature": "sha256=" + mac("another-secret").hex()})
    assert refusal(lambda: youtube.verify(wrong, rotating("hub_secret"))) == \
        (401, {"error": "X-Hub-Signature missing or wrong"})


# X (CRC) and LinkedIn (challengeCode)


def test_an_x_crc_without_a_token_is_refused_with_400_naming_the_token():
    for query in ({}, {"crc_token": "{}"}):
        assert refusal(lambda query=query: XAdapter().handshake(get(**query), rotating("consumer_secret"))) == \
            (400, {"error": "crc_token missing or not a token X would send"})


def test_a_linkedin_validation_without_a_uuid_is_refused_with_400_naming_the_code():
    for query in ({}, {"challengeCode": "not-a-uuid"}):
        assert refusal(lambda query=query: LinkedInAdapter().handshake(get(**query), rotating("client_secret"))) == \
            (400, {"error": "challengeCode missing or not a UUID"})


# TikTok


def tiktok_signed(moment: int, *signatures: str) -> WebhookRequest:
    return post({"tiktok-signature": ",".join([f"t={moment}", *(f"s={value}" for value in signatures)])})


def test_a_tiktok_handshake_is_refused_saying_tiktok_has_none():
    assert refusal(lambda: TikTokAdapter().handshake(get(), {})) == \
        (403, {"error": "TikTok has no subscription handshake"})


def test_a_google_pub_sub_handshake_is_refused_saying_push_has_none():
    assert refusal(lambda: GoogleBusinessAdapter().handshake(get(), {})) == \
        (403, {"error": "Pub/Sub push has no handshake"})


def test_a_tiktok_delivery_is_refused_naming_what_is_wrong_with_its_signature():
    tiktok = TikTokAdapter(clock=lambda: NOW)
    credentials = rotating("client_secret")
    wrong = mac("another-secret", f"{NOW}.".encode() + b'{"hello": "world"}').hex()
    cases = {
        "TikTok-Signature missing, or its timestamp is outside the 300 s window": tiktok_signed(NOW - 301, wrong),
        "TikTok-Signature has no signature or too many": tiktok_signed(NOW),
        "TikTok-Signature wrong": tiktok_signed(NOW, wrong),
    }
    for message, request in cases.items():
        assert refusal(lambda request=request: tiktok.verify(request, credentials)) == (401, {"error": message})


def test_a_tiktok_signature_value_holding_an_equals_sign_is_kept_whole():
    assert signature_parts("t=1800000000, s=ab=cd") == ("1800000000", ["ab=cd"])


# Meta


META = {"app_secret": SECRET, "verify_token": "XXXX"}


def test_a_meta_verification_without_a_token_or_a_challenge_is_refused_with_403_whatever_the_token():
    for query in ({"hub.mode": "subscribe", "hub.challenge": "c-42"},
                  {"hub.mode": "subscribe", "hub.verify_token": "XXXX"}):
        assert refusal(lambda query=query: MetaAdapter().handshake(get(**query), META)) == \
            (403, {"error": "verify token or mode does not match"})


def test_a_meta_delivery_signed_with_another_secret_or_unsigned_is_refused_naming_the_header():
    for headers in ({"x-hub-signature-256": "sha256=" + mac("another-secret").hex()}, {}):
        assert refusal(lambda headers=headers: MetaAdapter().verify(post(headers), rotating("app_secret"))) == \
            (401, {"error": "X-Hub-Signature-256 missing or wrong"})


def test_meta_without_a_verify_token_tells_the_operator_which_setting_is_missing():
    with pytest.raises(ConfigurationError) as missing:
        MetaAdapter().handshake(get(**{"hub.mode": "subscribe", "hub.challenge": "c"}), {"app_secret": SECRET})
    assert missing.value.message == "meta credentials have no verify_token"


# A platform added by configuration (generic/<source>)


def test_a_configured_handshake_without_a_token_is_refused_whatever_token_is_configured():
    adapter = generic(handshake={"challenge_param": "challenge", "token_param": "token"})
    for query, credentials in (({"challenge": "c-42"}, {"verify_token": "XXXX"}),
                               ({"challenge": "c-42", "token": "XXXX"}, {})):
        assert refusal(lambda query=query, credentials=credentials: adapter.handshake(get(**query), credentials)) \
            == (403, {"error": "verify token does not match"})


def test_a_configured_handshake_with_the_right_token_but_no_challenge_says_the_challenge_is_missing():
    adapter = generic(handshake={"challenge_param": "challenge", "token_param": "token"})
    assert refusal(lambda: adapter.handshake(get(token="tok"), {"verify_token": "tok"})) == \
        (403, {"error": "challenge missing"})


def test_a_configured_signature_signs_the_timestamp_after_the_body_too():
    adapter = generic(signature={"header": "X-Sig", "timestamp_header": "X-Ts", "payload": "{body}|{timestamp}"})
    signature = mac(SECRET, b'{"hello": "world"}' + f"|{NOW}".encode()).hex()
    adapter.verify(post({"x-sig": signature, "x-ts": str(NOW)}), {"secret": SECRET})


def test_a_configured_platforms_delivery_without_its_signature_header_is_refused_before_its_secret_is_read():
    adapter = generic(signature={"header": "X-Sig", "prefix": "X"})
    assert refusal(lambda: adapter.verify(post({}), {})) == (401, {"error": "X-Sig missing or wrong"})


def test_a_youtube_signature_of_a_known_algorithm_needs_the_hub_secret_even_when_its_value_is_odd():
    with pytest.raises(ConfigurationError, match="hub_secret"):
        YouTubeAdapter().verify(post({"x-hub-signature": "sha256=" + mac(SECRET).hex() + "="}), {})
