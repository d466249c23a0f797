"""Each platform's subscription handshake and signature header, at the edges of what it accepts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from socialcrm.errors import BadRequest, ConfigurationError, HandshakeRefused, SignatureInvalid
from socialcrm.platforms.base import WebhookRequest
from socialcrm.platforms.generic import GenericAdapter, parse_mapping
from socialcrm.platforms.google_business import GoogleBusinessAdapter
from socialcrm.platforms.linkedin import LinkedInAdapter
from socialcrm.platforms.meta import MetaAdapter
from socialcrm.platforms.tiktok import TikTokAdapter, signature_parts
from socialcrm.platforms.x import XAdapter
from socialcrm.platforms.youtube import YouTubeAdapter, channel_of_topic

SECRET, OLD = "current-secret-0123456789", "previous-secret-0123456789"
ROTATING = {"previous_{}": OLD, "previous_{}_valid_until": "2999-01-01T00:00:00Z"}
BODY = b'{"hello": "world"}'
NOW = 1_800_000_000


def rotating(name: str, **extra: str) -> dict[str, str]:
    return {name: SECRET, **{key.format(name): value for key, value in ROTATING.items()}, **extra}


def get(**query: str) -> WebhookRequest:
    return WebhookRequest("GET", query=query)


def post(headers: dict[str, str], body: bytes = BODY, **query: str) -> WebhookRequest:
    return WebhookRequest("POST", headers=headers, query=query, body=body)


def mac(secret: str, message: bytes = BODY, algorithm=hashlib.sha256) -> bytes:
    return hmac.new(secret.encode(), message, algorithm).digest()


# Meta (and WhatsApp)


def test_meta_echoes_the_challenge_as_text_for_a_subscribe_with_our_token():
    answer = MetaAdapter().handshake(get(**{"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "42"}),
                                     {"verify_token": "tok"})
    assert (answer.status, answer.body, answer.content_type) == (200, "42", "text/plain")


@pytest.mark.parametrize("query", [
    {"hub.mode": "unsubscribe", "hub.verify_token": "tok", "hub.challenge": "42"},
    {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": ""},
    {"hub.mode": "subscribe", "hub.verify_token": "to", "hub.challenge": "42"},
    {"hub.mode": "subscribe", "hub.challenge": "42"}])
def test_meta_refuses_another_mode_no_challenge_or_another_token(query):
    with pytest.raises(HandshakeRefused):
        MetaAdapter().handshake(get(**query), {"verify_token": "tok"})


def test_meta_without_a_verify_token_configured_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="verify_token"):
        MetaAdapter().handshake(get(**{"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42"}), {})


def test_meta_accepts_its_signature_in_either_case_and_only_with_its_prefix():
    meta = MetaAdapter()
    meta.verify(post({"x-hub-signature-256": "sha256=" + mac(SECRET).hex().upper()}), rotating("app_secret"))
    meta.verify(post({"x-hub-signature-256": "sha256=" + mac(OLD).hex()}), rotating("app_secret"))
    for header in ("sha1=" + mac(SECRET).hex(), mac(SECRET).hex(), "sha256=", ""):
        with pytest.raises(SignatureInvalid):
            meta.verify(post({"x-hub-signature-256": header}), rotating("app_secret"))


# X


def test_x_answers_the_crc_with_the_current_secret_in_base64():
    answer = XAdapter().handshake(get(crc_token="abc_DEF-123=="), rotating("consumer_secret"))
    expected = "sha256=" + base64.b64encode(mac(SECRET, b"abc_DEF-123==")).decode()
    assert (answer.status, json.loads(answer.body)) == (200, {"response_token": expected})


@pytest.mark.parametrize("token", ["", "a" * 97, "abc===", "a b"])
def test_x_refuses_a_crc_token_it_would_not_send(token):
    with pytest.raises(BadRequest):
        XAdapter().handshake(get(crc_token=token), rotating("consumer_secret"))


def test_x_accepts_a_96_character_token():
    assert XAdapter().handshake(get(crc_token="a" * 96), rotating("consumer_secret")).status == 200


def test_x_compares_its_base64_signature_exactly():
    x = XAdapter()
    signature = base64.b64encode(mac(SECRET)).decode()
    x.verify(post({"x-twitter-webhooks-signature": "sha256=" + signature}), rotating("consumer_secret"))
    x.verify(post({"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(mac(OLD)).decode()}),
             rotating("consumer_secret"))
    for header in ("sha256=" + signature.swapcase(), signature, ""):
        with pytest.raises(SignatureInvalid):
            x.verify(post({"x-twitter-webhooks-signature": header}), rotating("consumer_secret"))


# LinkedIn


def test_linkedin_answers_its_challenge_code_with_the_current_secret_in_hex():
    code = "0f8fad5b-d9cb-469f-a165-70867728950e"
    answer = LinkedInAdapter().handshake(get(challengeCode=code), rotating("client_secret"))
    assert json.loads(answer.body) == {"challengeCode": code, "challengeResponse": mac(SECRET, code.encode()).hex()}


@pytest.mark.parametrize("code", ["", "not-a-uuid", "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5b"])
def test_linkedin_refuses_a_challenge_code_that_is_not_a_uuid(code):
    with pytest.raises(BadRequest):
        LinkedInAdapter().handshake(get(challengeCode=code), rotating("client_secret"))


def test_linkedin_accepts_its_signature_in_either_case_and_only_with_its_prefix():
    linkedin = LinkedInAdapter()
    linkedin.verify(post({"x-li-signature": "hmacsha256=" + mac(SECRET).hex().upper()}), rotating("client_secret"))
    linkedin.verify(post({"x-li-signature": "hmacsha256=" + mac(OLD).hex()}), rotating("client_secret"))
    for header in ("sha256=" + mac(SECRET).hex(), mac(SECRET).hex(), ""):
        with pytest.raises(SignatureInvalid):
            linkedin.verify(post({"x-li-signature": header}), rotating("client_secret"))


# Google Business Profile (Pub/Sub push)


def test_google_has_no_handshake():
    with pytest.raises(HandshakeRefused):
        GoogleBusinessAdapter().handshake(get(), {})


def test_google_push_with_our_token_or_the_previous_one_during_rotation_is_accepted():
    google = GoogleBusinessAdapter()
    google.verify(post({}, token=SECRET), rotating("token"))
    google.verify(post({}, token=OLD), rotating("token"))
    for token in ("", "wrong", SECRET + "x"):
        with pytest.raises(SignatureInvalid):
            google.verify(post({}, token=token), rotating("token"))
    with pytest.raises(SignatureInvalid):
        google.verify(post({}), rotating("token"))


def test_google_without_a_token_or_an_oidc_account_is_a_configuration_error():
    for credentials in ({}, {"oidc_audience": "https://hook"}, {"oidc_email": "push@project.iam"}):
        with pytest.raises(ConfigurationError):
            GoogleBusinessAdapter().verify(post({}, token=SECRET), credentials)


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Basic abc", "Token abc"])
def test_google_with_oidc_needs_a_bearer_token(authorization):
    headers = {} if authorization is None else {"authorization": authorization}
    with pytest.raises(SignatureInvalid, match="Bearer"):
        GoogleBusinessAdapter().verify(post(headers), {"oidc_audience": "https://hook", "oidc_email": "p@x.iam"})


def test_google_with_oidc_checks_the_bearer_token_whatever_the_case_of_the_scheme(monkeypatch):
    checked = []
    monkeypatch.setattr("socialcrm.platforms.google_business.verify_google_id_token",
                        lambda token, audience, email: checked.append((token, audience, email)))
    credentials = {"oidc_audience": "https://hook", "oidc_email": "p@x.iam", "token": SECRET}
    GoogleBusinessAdapter().verify(post({"authorization": "bearer  eyJ.token "}), credentials)
    assert checked == [("eyJ.token", "https://hook", "p@x.iam")]


# TikTok


def test_a_tiktok_signature_header_is_read_part_by_part():
    assert signature_parts("t=1800000000, s=aa,s=bb ,x=1") == ("1800000000", ["aa", "bb"])
    assert signature_parts("") == ("", [])
    assert signature_parts("s=aa") == ("", ["aa"])


def tiktok_header(now: int, *signatures: str) -> dict[str, str]:
    return {"tiktok-signature": ",".join([f"t={now}", *(f"s={s}" for s in signatures)])}


def test_tiktok_accepts_its_timestamp_up_to_300_seconds_either_way():
    tiktok = TikTokAdapter(clock=lambda: NOW)
    for moment in (NOW - 300, NOW, NOW + 300):
        tiktok.verify(post(tiktok_header(moment, mac(SECRET, f"{moment}.".encode() + BODY).hex().upper())),
                      rotating("client_secret"))
    for moment in (NOW - 301, NOW + 301):
        with pytest.raises(SignatureInvalid, match="300 s"):
            tiktok.verify(post(tiktok_header(moment, mac(SECRET, f"{moment}.".encode() + BODY).hex())),
                          rotating("client_secret"))


def test_tiktok_takes_one_to_four_signatures_and_one_must_match():
    tiktok = TikTokAdapter(clock=lambda: NOW)
    good = mac(OLD, f"{NOW}.".encode() + BODY).hex()
    tiktok.verify(post(tiktok_header(NOW, "0" * 64, "1" * 64, "2" * 64, good)), rotating("client_secret"))
    for signatures in ((), ("0" * 64, "1" * 64, "2" * 64, "3" * 64, good), ("0" * 64,)):
        with pytest.raises(SignatureInvalid):
            tiktok.verify(post(tiktok_header(NOW, *signatures)), rotating("client_secret"))


def test_tiktok_signs_the_timestamp_with_the_body():
    tiktok = TikTokAdapter(clock=lambda: NOW)
    with pytest.raises(SignatureInvalid):
        tiktok.verify(post(tiktok_header(NOW, mac(SECRET).hex())), rotating("client_secret"))


def test_tiktok_has_no_handshake():
    with pytest.raises(HandshakeRefused):
        TikTokAdapter().handshake(get(), {})


# YouTube (WebSub)


@pytest.mark.parametrize(("topic", "channel"), [
    ("https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCa", "UCa"),
    ("http://www.youtube.com/feeds/videos.xml?channel_id=UCa", "UCa"),
    ("https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCa&channel_id=UCb", None),
    ("https://www.youtube.com/xml/feeds/videos.xml", None),
    ("https://evil.test/xml/feeds/videos.xml?channel_id=UCa", None),
    ("https://www.youtube.com/xml/feeds/other.xml?channel_id=UCa", None), ("", None)])
def test_only_youtubes_own_feed_of_one_channel_is_a_topic(topic, channel):
    assert channel_of_topic(topic) == channel


def test_youtube_accepts_any_hmac_algorithm_websub_allows_in_either_case():
    youtube = YouTubeAdapter(clock=lambda: NOW)
    youtube.verify(post({"x-hub-signature": "sha256=" + mac(SECRET).hex().upper()}), rotating("hub_secret"))
    youtube.verify(post({"x-hub-signature": "sha1=" + mac(OLD, BODY, hashlib.sha1).hex()}), rotating("hub_secret"))
    for header in ("md5=" + mac(SECRET).hex(), mac(SECRET).hex(), "sha256=", "sha1=" + mac(SECRET).hex()):
        with pytest.raises(SignatureInvalid):
            youtube.verify(post({"x-hub-signature": header}), rotating("hub_secret"))


# A platform added by configuration (generic/<source>)

GENERIC = {"fields": {"post_id": "id", "author_id": "user.id", "text": "body", "created_at": "ts"},
           "signature": {"header": "X-Sig", "prefix": "sha256="}}


def generic(**changes) -> GenericAdapter:
    return GenericAdapter(parse_mapping("forum", {**GENERIC, **changes}), clock=lambda: NOW)


def test_a_configured_handshake_echoes_the_challenge_when_the_token_matches():
    adapter = generic(handshake={"challenge_param": "challenge", "token_param": "token"})
    answer = adapter.handshake(get(challenge="c-42", token="tok"), {"verify_token": "tok"})
    assert (answer.status, answer.body, answer.content_type) == (200, "c-42", "text/plain")
    named = generic(handshake={"challenge_param": "challenge", "token_param": "token", "token": "hook_token"})
    assert named.handshake(get(challenge="c-42", token="tok"), {"hook_token": "tok"}).body == "c-42"


@pytest.mark.parametrize(("query", "credentials"), [
    ({"challenge": "c-42", "token": "nope"}, {"verify_token": "tok"}),
    ({"challenge": "c-42"}, {"verify_token": "tok"}),
    ({"challenge": "c-42", "token": ""}, {}),
    ({"challenge": "", "token": "tok"}, {"verify_token": "tok"})])
def test_a_configured_handshake_refuses_another_token_or_no_challenge(query, credentials):
    with pytest.raises(HandshakeRefused):
        generic(handshake={"challenge_param": "challenge", "token_param": "token"}).handshake(get(**query),
                                                                                             credentials)


def test_a_handshake_without_a_token_only_needs_the_challenge_and_no_handshake_refuses():
    assert generic(handshake={"challenge_param": "c"}).handshake(get(c="x"), {}).body == "x"
    with pytest.raises(HandshakeRefused):
        generic(handshake={"challenge_param": "c"}).handshake(get(), {})
    with pytest.raises(HandshakeRefused, match="no handshake"):
        generic().handshake(get(c="x"), {})


def test_a_configured_signature_needs_its_prefix_and_accepts_hex_in_either_case():
    adapter = generic()
    adapter.verify(post({"x-sig": "sha256=" + mac(SECRET).hex().upper()}), rotating("secret"))
    adapter.verify(post({"x-sig": "sha256=" + mac(OLD).hex()}), rotating("secret"))
    for header in (mac(SECRET).hex(), "sha1=" + mac(SECRET).hex(), "sha256=" + mac("other").hex(), ""):
        with pytest.raises(SignatureInvalid, match="X-Sig"):
            adapter.verify(post({"x-sig": header}), rotating("secret"))


def test_a_timestamped_signature_is_accepted_within_its_tolerance_either_way_and_signs_the_timestamp():
    adapter = generic(signature={"header": "X-Sig", "timestamp_header": "X-Ts", "payload": "{timestamp}.{body}.end",
                                 "tolerance_seconds": 60})

    def signed(moment: int) -> WebhookRequest:
        signature = mac(SECRET, f"{moment}.".encode() + BODY + b".end").hex()
        return post({"x-sig": signature, "x-ts": str(moment)})

    for moment in (NOW - 60, NOW + 60):
        adapter.verify(signed(moment), {"secret": SECRET})
    for moment in (NOW - 61, NOW + 61):
        with pytest.raises(SignatureInvalid, match="X-Ts"):
            adapter.verify(signed(moment), {"secret": SECRET})
    with pytest.raises(SignatureInvalid, match="X-Sig"):
        adapter.verify(post({"x-sig": mac(SECRET, BODY).hex(), "x-ts": str(NOW)}), {"secret": SECRET})
    with pytest.raises(SignatureInvalid, match="X-Ts"):
        adapter.verify(post({"x-sig": mac(SECRET, BODY).hex()}), {"secret": SECRET})
