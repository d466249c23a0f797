"""Every platform, over real HTTP on the local stack: a known customer's post reaches the agent's lookup.

One customer per platform (each with only that platform's identity and a phone of their own), so the
lookup for that phone can only show what arrived through that platform.
"""

from __future__ import annotations

import json

import pytest
import requests

from tests.e2e.test_pipeline_e2e import TIMEOUT, call, invoke
from tests.signers import fixture, sign

pytestmark = pytest.mark.e2e
SECRETS = json.loads(open("infra/local/secrets.json", encoding="utf-8").read())  # noqa: SIM115
SECRET_OF = {"meta": SECRETS["meta"]["app_secret"], "x": SECRETS["x"]["consumer_secret"],
             "whatsapp": SECRETS["meta"]["app_secret"],
             "linkedin": SECRETS["linkedin"]["client_secret"], "youtube": SECRETS["websub"]["hub_secret"],
             "tiktok": SECRETS["tiktok"]["client_secret"], "generic/discourse": SECRETS["generic/discourse"]["secret"],
             "generic/trustpilot": SECRETS["generic/trustpilot"]["secret"],
             "generic/community": SECRETS["generic/community"]["secret"]}
# platform, fixture, customer identity, phone, platform name on the card, a piece of the text
CASES = [
    ("meta", "meta_instagram_message.json", {"platform": "instagram", "user_id": "9920000000000451"},
     "07911 100019", "instagram", "nobody on Instagram answers"),  # an Instagram DM, through Meta's webhook
    ("x", "x_tweet_create.json", {"platform": "x", "user_id": "1460293038484783999"}, "07911 100001", "x",
     "third refund request"),
    ("whatsapp", "whatsapp_message.json", None, "07400 123456", "whatsapp", "My parcel never arrived"),
    ("linkedin", "linkedin_comment.json", {"platform": "linkedin", "user_id": "urn:li:person:ada0000001"},
     "07911 100003", "linkedin", "Still waiting for an answer"),
    ("youtube", "youtube_video.xml", {"platform": "youtube", "user_id": "UCada0000000000000000001"},
     "07911 100004", "youtube", "Unboxing: my Acme order arrived broken"),
    ("tiktok", "tiktok_post_publish.json", {"platform": "tiktok", "user_id": "act.example12345Example12345Example"},
     "07911 100005", "tiktok", "Acme support ghosted me"),
    ("generic/discourse", "generic_discourse_post.json", {"platform": "discourse", "user_id": "2201"},
     "07911 100006", "discourse", "firmware bricked my router"),
    ("generic/trustpilot", "generic_trustpilot_review.json",
     {"platform": "trustpilot", "user_id": "5f0000000000000000000abc"}, "07911 100007", "trustpilot",
     "Second replacement also arrived broken"),
]
COMMUNITY_MAPPING = {
    "platform": "community", "items": "", "kind": "comment",
    "fields": {"post_id": "reply.uid", "author_handle": "reply.author", "author_name": "reply.author_name",
               "text": "reply.message", "created_at": "reply.posted"},
    "signature": {"header": "X-Community-Signature", "algorithm": "sha512", "encoding": "hex", "prefix": ""},
}


def deliver(stack, platform: str, body: bytes, secret: str) -> requests.Response:
    headers, query = sign(platform, body, secret)
    return requests.post(f"{stack.api_url}/webhooks/{platform}", data=body, params=query, timeout=TIMEOUT,
                         headers={"content-type": "application/xml" if body.startswith(b"<") else "application/json",
                                  **headers})


@pytest.fixture(scope="module")
def platform_customers(stack, lambda_client):
    records = []
    for platform, _, identity, phone, _, _ in CASES:
        records.append({"customer_id": f"e2e-{platform.replace('/', '-')}", "name": f"Customer on {platform}",
                        "phones": [phone], "country": "GB", "social": [identity] if identity else []})
    records.append({"customer_id": "e2e-community", "name": "Grace Hopper", "phones": ["07911 100008"],
                    "social": [{"platform": "community", "handle": "@Grace.H"}]})
    answer = invoke(lambda_client, "CustomerSyncFunction", {"customers": records})
    assert answer == {"upserted": len(records), "rejected": [], "warnings": []}


@pytest.mark.parametrize(("platform", "name", "_identity", "phone", "card_platform", "snippet"), CASES)
def test_a_known_customers_post_on_each_platform_reaches_their_lookup(stack, lambda_client, platform_customers,
                                                                      platform, name, _identity, phone,
                                                                      card_platform, snippet):
    answer = deliver(stack, platform, fixture(name), SECRET_OF[platform])
    assert answer.status_code == 200, answer.text
    stack.wait_idle(timeout=120)
    seen = call(lambda_client, phone)
    assert (seen["found"], seen["customer_id"]) == ("true", f"e2e-{platform.replace('/', '-')}"), seen
    assert seen["last_post_platform"] == card_platform
    assert snippet in seen["last_post_text"]


def test_a_platform_added_by_configuration_alone(stack, lambda_client, platform_customers):
    """No code: a mapping in SSM Parameter Store and credentials in the platform secret."""
    stack.client("ssm").put_parameter(Name="/socialcrm/platforms/community", Type="String",
                                      Value=json.dumps(COMMUNITY_MAPPING), Overwrite=True)
    # A handle on the record and the display name: enough evidence to link (docs/matching.md).
    body = json.dumps({"reply": {"uid": "r-981-4", "author": "grace.h", "author_name": "Grace Hopper",
                                 "message": "Has anyone else lost their order?",
                                 "posted": "2026-11-22T09:30:00Z"}}).encode()
    import hashlib
    import hmac

    signature = hmac.new(SECRET_OF["generic/community"].encode(), body, hashlib.sha512).hexdigest()
    forged = requests.post(f"{stack.api_url}/webhooks/generic/community", data=body, timeout=TIMEOUT,
                           headers={"x-community-signature": "0" * 128})
    assert forged.status_code == 401
    answer = requests.post(f"{stack.api_url}/webhooks/generic/community", data=body, timeout=TIMEOUT,
                           headers={"x-community-signature": signature})
    assert answer.status_code == 200, answer.text
    stack.wait_idle(timeout=120)
    seen = call(lambda_client, "07911 100008")
    assert (seen["customer_id"], seen["last_post_platform"]) == ("e2e-community", "community")
    assert seen["last_post_text"] == "Has anyone else lost their order?"
    assert requests.post(f"{stack.api_url}/webhooks/generic/unconfigured", data=body, timeout=TIMEOUT,
                         headers={"x-community-signature": signature}).status_code == 404


def test_a_deletion_on_x_removes_the_post_from_the_agents_view(stack, lambda_client, platform_customers):
    assert deliver(stack, "x", fixture("x_tweet_create.json"), SECRET_OF["x"]).status_code == 200
    stack.wait_idle(timeout=120)
    assert "third refund request" in call(lambda_client, "07911 100001")["last_post_text"]
    assert deliver(stack, "x", fixture("x_tweet_delete.json"), SECRET_OF["x"]).status_code == 200
    stack.wait_idle(timeout=120)
    seen = call(lambda_client, "07911 100001")
    assert (seen["found"], seen["customer_id"]) == ("true", "e2e-x")
    assert "third refund request" not in seen["last_post_text"]
    assert seen["recent_posts"] == "0"


def test_a_favourite_on_x_is_counted_not_shown(stack, lambda_client, platform_customers):
    before = call(lambda_client, "07911 100001")
    assert deliver(stack, "x", fixture("x_favorite.json"), SECRET_OF["x"]).status_code == 200
    stack.wait_idle(timeout=120)
    after = call(lambda_client, "07911 100001")
    assert (after["recent_posts"], after["last_post_text"]) == (before["recent_posts"], before["last_post_text"])


def test_a_google_review_reaches_the_lookup_once_an_agent_confirms_the_reviewer(stack, lambda_client,
                                                                                 platform_customers):
    # A review names its reviewer only by display name: never enough to link on its own.
    sync = invoke(lambda_client, "CustomerSyncFunction", {"customers": [
        {"customer_id": "e2e-google", "name": "Ada Lovelace", "phones": ["07911 100009"], "country": "GB"}]})
    assert sync == {"upserted": 1, "rejected": [], "warnings": []}
    answer = deliver(stack, "google-business", fixture("google_business_review.json"),
                     SECRETS["google-business"]["token"])
    assert answer.status_code == 200, answer.text
    stack.wait_idle(timeout=120)
    assert call(lambda_client, "07911 100009")["recent_posts"] == "0"

    post_key = "google-business#accounts/110000000000000000001/locations/9000000000000000001/reviews/AbFvOqn1"
    confirmed = invoke(lambda_client, "MatchReviewFunction",
                       {"action": "confirm", "post_key": post_key, "customer_id": "e2e-google"})
    assert confirmed == {"post_key": post_key, "customer_id": "e2e-google", "linked": True}
    seen = call(lambda_client, "07911 100009")
    assert (seen["found"], seen["customer_id"], seen["last_post_platform"]) == ("true", "e2e-google",
                                                                                 "google-business")
    assert "Rude staff at the Leeds store" in seen["last_post_text"]
