"""Attacks on the webhook's handshakes and signature checks, through the handler as API Gateway calls it,
against moto (the template's queue and secret, the local dev secrets)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest

from tests.emf import emf_documents
from tests.signers import fixture, sign
from tests.support.functions import LambdaContext, load_handler

SECRETS = json.loads(open("infra/local/secrets.json", encoding="utf-8").read())  # noqa: SIM115
# A DM "from" a customer's X account, and the deletion of their tweet, that X never sent.
FORGED_X_DM = {"for_user_id": "1460293038484783104", "direct_message_events": [{
    "type": "message_create", "id": "1993456789012399999", "created_timestamp": "1795338900000",
    "message_create": {"target": {"recipient_id": "1460293038484783104"}, "sender_id": "1460293038484783999",
                       "message_data": {"text": "Please send my refund to this new account"}}}],
    "users": {"1460293038484783999": {"id": "1460293038484783999", "name": "Ada", "screen_name": "ada_builds"}}}
FORGED_X_DELETE = {"for_user_id": "1460293038484783104", "tweet_delete_events": [
    {"status": {"id": "1993456789012345678", "user_id": "1460293038484783999"}, "timestamp_ms": "1795338900000"}]}
FORGED_LINKEDIN = {"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [{
    "notificationId": 90001, "action": "COMMENT", "organizationalEntity": "urn:li:organization:1",
    "sourcePost": "urn:li:share:1", "generatedActivity": "urn:li:comment:(urn:li:activity:1,99)",
    "actor": "urn:li:person:ada0000001", "lastModifiedAt": 1795338900000,
    "decoratedGeneratedActivity": {"comment": {"owner": "urn:li:person:ada0000001", "text": "forged"}}}]}


def event(method: str, platform: str, body: bytes = b"", headers: dict | None = None,
          query: dict | None = None) -> dict:
    path = {"source": platform.removeprefix("generic/")} if platform.startswith("generic/") else {"platform": platform}
    return {"version": "2.0", "rawPath": f"/webhooks/{platform}", "pathParameters": path,
            "requestContext": {"http": {"method": method, "path": f"/webhooks/{platform}"}, "requestId": "r-1"},
            "headers": headers or {}, "queryStringParameters": query, "body": body.decode(), "isBase64Encoded": False}


@pytest.fixture
def webhook(aws):
    aws.use("WebhookFunction")
    module = load_handler("webhook")
    queue_url = aws.resources.queue_urls["IngestQueue"]

    def call(method: str, platform: str, body: bytes = b"", headers: dict | None = None,
             query: dict | None = None) -> dict:
        return module.lambda_handler(event(method, platform, body, headers, query), LambdaContext())

    def enqueued() -> int:
        attributes = aws.client("sqs").get_queue_attributes(QueueUrl=queue_url,
                                                            AttributeNames=["ApproximateNumberOfMessages"])
        return int(attributes["Attributes"]["ApproximateNumberOfMessages"])

    call.enqueued = enqueued
    call.aws = aws
    return call


@pytest.mark.parametrize("forged", [FORGED_X_DM, FORGED_X_DELETE], ids=["dm", "tweet-delete"])
def test_the_x_crc_does_not_sign_a_forged_delivery(webhook, forged):
    body = json.dumps(forged, separators=(",", ":")).encode()
    crc = webhook("GET", "x", query={"crc_token": body.decode()})
    signature = json.loads(crc["body"]).get("response_token", "sha256=")  # what the oracle answered, if anything
    delivery = webhook("POST", "x", body, {"x-twitter-webhooks-signature": signature})
    assert (crc["statusCode"], delivery["statusCode"]) == (400, 401)
    assert webhook.enqueued() == 0


def test_the_linkedin_challenge_does_not_sign_a_forged_notification(webhook):
    body = json.dumps(FORGED_LINKEDIN, separators=(",", ":")).encode()
    challenge = webhook("GET", "linkedin", query={"challengeCode": body.decode()})
    answer = json.loads(challenge["body"]).get("challengeResponse", "")
    delivery = webhook("POST", "linkedin", body, {"x-li-signature": "hmacsha256=" + answer})
    assert (challenge["statusCode"], delivery["statusCode"]) == (400, 401)
    assert webhook.enqueued() == 0


@pytest.mark.parametrize("token", ["", "a" * 200, "abc def", "abc+/=", "abc%00", "😀"])
def test_the_x_crc_refuses_what_x_would_not_send(webhook, token):
    assert webhook("GET", "x", query={"crc_token": token})["statusCode"] == 400


def test_genuine_handshakes_are_answered_and_counted_as_handshakes(webhook, capsys):
    token = base64.urlsafe_b64encode(str(uuid.uuid4()).encode()).decode().rstrip("=")  # X's form: 48 characters
    code = str(uuid.uuid4())
    capsys.readouterr()
    crc = webhook("GET", "x", query={"crc_token": token})
    challenge = webhook("GET", "linkedin", query={"challengeCode": code, "applicationId": "77"})
    expected_crc = base64.b64encode(hmac.new(SECRETS["x"]["consumer_secret"].encode(), token.encode(),
                                             hashlib.sha256).digest()).decode()
    assert (crc["statusCode"], json.loads(crc["body"])) == (200, {"response_token": "sha256=" + expected_crc})
    expected_li = hmac.new(SECRETS["linkedin"]["client_secret"].encode(), code.encode(), hashlib.sha256).hexdigest()
    assert (challenge["statusCode"], json.loads(challenge["body"])) == (
        200, {"challengeCode": code, "challengeResponse": expected_li})
    documents = emf_documents(capsys.readouterr().out)
    # one Handshakes metric per answered handshake, and nothing else: requests by platform and status are in
    # the HTTP API's access log, not custom metrics (docs/metrics.md)
    assert [d["Handshakes"] for d in documents] == [[1.0], [1.0]]
    assert [d["_aws"]["CloudWatchMetrics"][0]["Dimensions"] for d in documents] == [[["service"]], [["service"]]]


@pytest.mark.parametrize("timestamp", ["²", "١٧٩٥٣٣٨٨٤٣", "+1795338843", " 1795338843", "9" * 400])
def test_a_tiktok_timestamp_that_is_not_ascii_digits_is_refused_not_a_crash(webhook, timestamp):
    body = fixture("tiktok_post_publish.json")
    mac = hmac.new(SECRETS["tiktok"]["client_secret"].encode(), timestamp.encode() + b"." + body,
                   hashlib.sha256).hexdigest()
    answer = webhook("POST", "tiktok", body, {"tiktok-signature": f"t={timestamp},s={mac}"})
    assert answer["statusCode"] == 401
    assert webhook.enqueued() == 0


@pytest.mark.parametrize("timestamp", ["²", "١٧٩٥٣٣٨٨٤٣", "9" * 400])
def test_a_generic_source_timestamp_that_is_not_ascii_digits_is_refused_not_a_crash(webhook, timestamp):
    body = fixture("generic_trustpilot_review.json")
    mac = base64.b64encode(hmac.new(SECRETS["generic/trustpilot"]["secret"].encode(),
                                    timestamp.encode() + b"." + body, hashlib.sha256).digest()).decode()
    answer = webhook("POST", "generic/trustpilot", body,
                     {"x-trustpilot-signature": mac, "x-trustpilot-timestamp": timestamp})
    assert answer["statusCode"] == 401
    assert webhook.enqueued() == 0


def test_tiktok_refuses_a_header_with_many_signatures(webhook):
    body = fixture("tiktok_post_publish.json")
    headers, _ = sign("tiktok", body, SECRETS["tiktok"]["client_secret"])
    timestamp, genuine = headers["tiktok-signature"].split(",")
    padded = ",".join([timestamp, *[f"s={n:064x}" for n in range(200)], genuine])
    assert webhook("POST", "tiktok", body, {"tiktok-signature": padded})["statusCode"] == 401
    assert webhook.enqueued() == 0


def test_tiktok_hashes_the_body_once_per_secret_whatever_the_number_of_signatures(webhook, monkeypatch):
    from socialcrm.platforms import signing

    hashed: list[int] = []
    real_digest = signing.digest
    monkeypatch.setattr(signing, "digest", lambda secret, message, *rest: hashed.append(len(message))
                        or real_digest(secret, message, *rest))
    body = fixture("tiktok_post_publish.json")
    now = int(time.time())
    headers, _ = sign("tiktok", body, SECRETS["tiktok"]["client_secret"], now=now)
    timestamp, genuine = headers["tiktok-signature"].split(",")
    two = ",".join([timestamp, "s=" + "0" * 64, genuine])  # a rotation's two signatures: still accepted
    assert webhook("POST", "tiktok", body, {"tiktok-signature": two})["statusCode"] == 200
    assert hashed == [len(f"{now}.".encode() + body)]


OUR_CHANNEL = "UCada0000000000000000001"  # infra/local/parameters.json YouTubeChannelIds
TOPIC = f"https://www.youtube.com/xml/feeds/videos.xml?channel_id={OUR_CHANNEL}"


def set_youtube_credentials(aws, credentials: dict) -> None:
    secret_id = aws.specs["WebhookFunction"].environment["WEBSUB_SECRET_ID"]
    aws.client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=json.dumps(credentials))


def test_youtube_refuses_an_unsigned_delivery_when_no_hub_secret_is_set(webhook):
    set_youtube_credentials(webhook.aws, {"api_key": "dev-youtube-data-api-key"})
    answer = webhook("POST", "youtube", fixture("youtube_video.xml"), {"content-type": "application/atom+xml"})
    assert answer["statusCode"] == 401
    assert webhook.enqueued() == 0


def test_youtube_drops_a_signed_entry_of_a_channel_that_is_not_ours(webhook):
    body = fixture("youtube_video.xml").replace(OUR_CHANNEL.encode(), b"UCstranger00000000000001")
    headers, _ = sign("youtube", body, SECRETS["websub"]["hub_secret"])
    answer = webhook("POST", "youtube", body, headers)
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"accepted": 0})
    assert webhook.enqueued() == 0


@pytest.mark.parametrize("mode", ["subscribe", "unsubscribe"])
def test_youtube_refuses_a_verification_we_did_not_ask_for(webhook, mode):
    query = {"hub.mode": mode, "hub.topic": TOPIC, "hub.challenge": "c-1", "hub.lease_seconds": "432000"}
    assert webhook("GET", "youtube", query=query)["statusCode"] == 404
    odd_topic = {**query, "hub.topic": TOPIC.replace(OUR_CHANNEL, "UCé²")}  # not a crash of the comparison
    assert webhook("GET", "youtube", query=odd_topic)["statusCode"] == 404


def test_youtube_confirms_what_the_poller_asked_the_hub_for_and_nothing_else(webhook, fake_hub, monkeypatch):
    hub_url, forms = fake_hub
    webhook.aws.use("PollerFunction")
    monkeypatch.setenv("WEBSUB_HUB_URL", hub_url)
    asked = load_handler("poller").lambda_handler({"websub": "subscribe"}, LambdaContext())
    assert asked == {"websub": [{"channel": OUR_CHANNEL, "mode": "subscribe", "hub_status": 202}]}
    callback = webhook.aws.specs["PollerFunction"].environment["WEBSUB_CALLBACK_URL"]
    assert forms == [{"hub.callback": callback, "hub.topic": TOPIC, "hub.mode": "subscribe",
                      "hub.secret": SECRETS["websub"]["hub_secret"], "hub.verify": "async"}]
    assert callback.startswith("https://") and callback.endswith("/webhooks/youtube")

    webhook.aws.use("WebhookFunction")
    query = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "c-7", "hub.lease_seconds": "432000"}
    confirmed = webhook("GET", "youtube", query=query)
    assert (confirmed["statusCode"], confirmed["body"]) == (200, "c-7")
    assert webhook("GET", "youtube", query={**query, "hub.mode": "unsubscribe"})["statusCode"] == 404


def test_the_daily_renewal_does_nothing_where_youtube_is_not_used(webhook, fake_hub, monkeypatch):
    hub_url, forms = fake_hub
    secret_id = webhook.aws.specs["PollerFunction"].environment["WEBSUB_SECRET_ID"]
    webhook.aws.client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString="{}")
    webhook.aws.use("PollerFunction")
    monkeypatch.setenv("YOUTUBE_CHANNEL_IDS", "")
    monkeypatch.setenv("WEBSUB_HUB_URL", hub_url)
    assert load_handler("poller").lambda_handler({"websub": "subscribe"}, LambdaContext()) == {"websub": []}
    assert forms == []


# A lone surrogate is a valid JSON escape ("\ud800") in the event Lambda decodes, but not UTF-8: it cannot be
# hashed, compared or stored, so it must be refused as garbage, never reach `.encode()` in an adapter.
@pytest.mark.parametrize("platform", ["meta", "x", "linkedin", "youtube", "tiktok", "google-business",
                                      "generic/discourse"])
def test_text_that_is_not_utf8_is_refused_not_a_server_error(webhook, platform):
    module = load_handler("webhook")

    def answer(method: str, query: dict | None = None, headers: dict | None = None, body: str = "") -> int:
        request = event(method, platform, b"", headers, query) | {"body": body}
        return module.lambda_handler(request, LambdaContext())["statusCode"]

    statuses = [answer("GET", {"hub.mode": "subscribe", "hub.verify_token": "\ud800", "hub.challenge": "1"}),
                answer("GET", {"crc_token": "\ud800", "challengeCode": "\ud800", "\ud800": "1"}),
                answer("POST", body='{"text": "\ud800"}'),
                answer("POST", headers={"x-hub-signature-256": "sha256=\ud800", "x-signature": "\ud800"}, body="{}")]
    assert all(400 <= status < 500 for status in statuses), statuses
    assert webhook.enqueued() == 0


@pytest.mark.parametrize("platform", ["tiktok", "linkedin", "generic/discourse"])
def test_a_platform_this_deployment_does_not_use_answers_404_not_a_server_error(webhook, platform):
    # every deployment serves the platforms and repository mappings it ships; the operator sets up only some
    secret_id = webhook.aws.specs["WebhookFunction"].environment["PLATFORM_SECRET_ID"]
    secrets = webhook.aws.client("secretsmanager")
    current = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
    secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps(
        {name: value for name, value in current.items() if name != platform}))
    answers = [webhook("POST", platform, b'{"anything": 1}', {"tiktok-signature": "t=1,s=00"}),
               webhook("GET", platform, query={"challengeCode": str(uuid.uuid4())})]
    assert [answer["statusCode"] for answer in answers] == [404, 404]
    assert webhook("POST", "meta", b"{}")["statusCode"] == 401  # the platforms in use are unaffected
