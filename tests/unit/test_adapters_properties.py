"""No input crashes the webhook: arbitrary bodies, headers and queries, to every adapter, through the handler.

Every answer is 2xx, 400, 401, 403 or 404, and nothing is enqueued unless the request verified; a verified
delivery is always acknowledged (what cannot be taken in is set aside).
"""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes import FakeIngestQueue, FakeSetAsideStore
from tests.signers import fixture, sign
from tests.support.functions import LambdaContext, load_handler

SECRET = "property-test-secret-0123456789"
PLATFORMS = {"meta": None, "whatsapp": "whatsapp_message.json", "x": "x_tweet_create.json",
             "linkedin": "linkedin_comment.json", "youtube": "youtube_video.xml", "tiktok": "tiktok_post_publish.json",
             "google-business": "google_business_review.json", "generic/discourse": "generic_discourse_post.json",
             "generic/trustpilot": "generic_trustpilot_review.json"}
ALLOWED = {200, 202, 204, 400, 401, 403, 404}
CREDENTIALS = dict.fromkeys(
    ("app_secret", "consumer_secret", "client_secret", "hub_secret", "token", "secret", "verify_token"), SECRET)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20)


class Secrets:
    def platform_credentials(self, _name: str) -> dict[str, str]:
        return dict(CREDENTIALS)


@pytest.fixture(scope="module")
def webhook():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POWERTOOLS_METRICS_NAMESPACE", "SocialCRM")
        patch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
        patch.setenv("POWERTOOLS_LOG_LEVEL", "ERROR")
        patch.setenv("YOUTUBE_CHANNEL_IDS", "UCada0000000000000000001")
        module = load_handler("webhook")
        queue = FakeIngestQueue()
        patch.setattr(module, "secrets", Secrets)
        patch.setattr(module, "ingest_queue", lambda: queue)
        patch.setattr(module, "set_aside_store", FakeSetAsideStore)
        yield module, queue


def call(webhook, platform: str, method: str, body: bytes, headers: dict, query: dict, encode: bool) -> int:
    module, _ = webhook
    path = {"source": platform.split("/", 1)[1]} if platform.startswith("generic/") else {"platform": platform}
    event = {"version": "2.0", "headers": headers, "queryStringParameters": query or None, "pathParameters": path,
             "requestContext": {"http": {"method": method}, "requestId": "r"},
             "body": base64.b64encode(body).decode() if encode else body.decode("utf-8", "replace"),
             "isBase64Encoded": encode}
    return module.lambda_handler(event, LambdaContext())["statusCode"]


def mutate(data, value):
    """Replace some leaves and subtrees of a fixture with arbitrary JSON, keeping the rest plausible."""
    if data.draw(st.integers(0, 9)) == 0:
        return data.draw(json_values)
    if isinstance(value, dict):
        return {k: mutate(data, v) for k, v in value.items() if data.draw(st.integers(0, 12)) != 0}
    if isinstance(value, list):
        return [mutate(data, v) for v in value]
    return value


headers_strategy = st.dictionaries(
    st.sampled_from(["x-hub-signature-256", "x-twitter-webhooks-signature", "x-li-signature", "x-hub-signature",
                     "tiktok-signature", "authorization", "x-discourse-event-signature", "x-trustpilot-signature",
                     "x-trustpilot-timestamp", "content-type"]) | st.text(max_size=10),
    st.text(max_size=80), max_size=4)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(platform=st.sampled_from([*PLATFORMS, "unknown", "generic/nope"]),
       method=st.sampled_from(["GET", "POST", "PUT"]),
       body=st.binary(max_size=600), headers=headers_strategy,
       query=st.dictionaries(st.text(max_size=15), st.text(max_size=30), max_size=4), encode=st.booleans())
def test_arbitrary_requests_never_crash_and_never_enqueue(webhook, platform, method, body, headers, query, encode):
    _, queue = webhook
    queue.sent.clear()
    status = call(webhook, platform, method, body, headers, query, encode)
    assert status in ALLOWED | {405}
    assert queue.sent == []  # nothing here carries a valid signature


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(platform=st.sampled_from([p for p, f in PLATFORMS.items() if f and f.endswith(".json")]), data=st.data())
def test_signed_but_mangled_payloads_are_200_never_a_crash(webhook, platform, data):
    # what cannot be taken in is set aside (the store's answer) and acknowledged: a retry would fail again
    _, queue = webhook
    queue.sent.clear()
    document = mutate(data, json.loads(fixture(PLATFORMS[platform])))
    body = json.dumps(document).encode()
    headers, query = sign(platform, body, SECRET)
    assert call(webhook, platform, "POST", body, headers, query, data.draw(st.booleans())) == 200


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
def test_signed_arbitrary_xml_to_youtube_is_200(webhook, text):
    body = text.encode()
    headers, _ = sign("youtube", body, SECRET)
    assert call(webhook, "youtube", "POST", body, headers, {}, False) == 200


@pytest.mark.parametrize("platform", [p for p, f in PLATFORMS.items() if f])
def test_every_platform_accepts_its_fixture_as_a_base64_body(webhook, platform):
    _, queue = webhook
    queue.sent.clear()
    body = fixture(PLATFORMS[platform])
    headers, query = sign(platform, body, SECRET)
    assert call(webhook, platform, "POST", body, headers, query, encode=True) == 200
    assert queue.sent
