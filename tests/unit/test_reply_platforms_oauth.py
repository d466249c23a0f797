"""X, LinkedIn, YouTube and Google Business Profile publishers against fakes of their APIs on loopback: the
documented requests, a reply published once when the first request timed out after the platform took it, and
OAuth refresh (an expired token is refreshed and the call made once more; a rotated refresh token is kept)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from socialcrm import reply_platforms
from socialcrm.replies.contract import OutcomeUnknown, PublishFailed, PublishRefused
from tests.support.fake_platform import FakePlatform, fake_platform
from tests.support.platform_fakes import NOW, GoogleApis, LinkedInApi, OAuthServer, XApi
from tests.support.replies import SHORT_TIMEOUT, STALL_SECONDS, a_reply, publish_settled

TEXT = "Sorry about that, we are on it."
CLIENT = {"client_id": "client-1", "client_secret": "client-secret", "refresh_token": "refresh-1"}
COMMENT_URN = "urn:li:comment:(urn:li:activity:7001,9001)"
REVIEW = "accounts/11/locations/22/reviews/r-33"


@pytest.fixture
def fake() -> Iterator[FakePlatform]:
    with fake_platform() as platform:
        yield platform


def build(platform: str, fake: FakePlatform, credentials: dict[str, str] = CLIENT, **options):
    urls = dict.fromkeys(("x_api", "linkedin_api"), fake.url)
    urls.update(x_token=fake.url + "/2/oauth2/token", linkedin_token=fake.url + "/oauth/v2/accessToken",
                youtube_api=fake.url + "/youtube/v3", google_business_api=fake.url + "/v4",
                google_token=fake.url + "/token")
    return reply_platforms.build(platform, credentials, urls, timeout=SHORT_TIMEOUT, clock=lambda: NOW, **options)


def only(fake: FakePlatform, method: str, pattern: str):
    seen = fake.requests_to(method, pattern)
    assert len(seen) == 1, [(s.method, s.path) for s in fake.seen]
    return seen[0]


@pytest.fixture
def x_api(fake) -> XApi:
    return XApi(fake, OAuthServer(fake, "/2/oauth2/token", basic_auth=True, rotate=True))


# X: DMs and mention replies with an OAuth 2.0 user token (2 h), refresh tokens that rotate

def test_an_x_direct_message_is_the_documented_request(fake, x_api):
    published = build("x", fake).publish(a_reply("x", "message", "dm:1", "brand-1", recipient="2244"))
    seen = only(fake, "POST", "/2/dm_conversations/with/2244/messages")
    assert seen.headers["authorization"] == f"Bearer {x_api.oauth.issued[-1]}"
    assert seen.json() == {"text": TEXT}
    assert published.platform_id == x_api.dms["2244"][0]["id"]


def test_an_x_mention_reply_is_the_documented_request(fake, x_api):
    published = build("x", fake).publish(a_reply("x", "mention_reply", "1790000000000000001", "brand-1"))
    seen = only(fake, "POST", "/2/tweets")
    assert seen.json() == {"text": TEXT, "reply": {"in_reply_to_tweet_id": "1790000000000000001"}}
    assert seen.headers["content-type"] == "application/json"
    assert published.platform_id == x_api.tweets[0]["id"]


@pytest.mark.parametrize(("kind", "post", "pattern"), [
    ("message", "dm:1", "/2/dm_conversations/with/(?P<pid>\\d+)/messages"),
    ("mention_reply", "1790000000000000001", "/2/tweets")])
def test_an_x_reply_that_timed_out_after_x_took_it_is_published_once(fake, x_api, kind, post, pattern):
    fake.stall_next("POST", pattern, STALL_SECONDS)
    x = build("x", fake)
    request = a_reply("x", kind, post, "brand-1", recipient="2244")
    settled = publish_settled(x, request)
    published = x_api.dms.get("2244", []) if kind == "message" else x_api.tweets
    assert [item["id"] for item in published] == [settled.platform_id]
    assert len(fake.requests_to("POST", pattern)) == 1


def test_x_refuses_a_duplicate_tweet_with_its_reason(fake, x_api):
    x = build("x", fake)
    x.publish(a_reply("x", "mention_reply", "1790000000000000001", "brand-1"))
    with pytest.raises(PublishRefused, match="duplicate content"):
        x.publish(a_reply("x", "mention_reply", "1790000000000000002", "brand-1"))


def test_the_x_token_is_refreshed_with_basic_auth_kept_in_memory_and_its_rotated_refresh_token_handed_over(
        fake, x_api):
    stored: list[str] = []
    x = build("x", fake, on_refresh_token=stored.append)
    x.publish(a_reply("x", "message", "dm:1", "brand-1", recipient="2244"))
    x.publish(a_reply("x", "message", "dm:2", "brand-1", recipient="2244", text="And one more thing."))
    refresh = only(fake, "POST", "/2/oauth2/token")
    assert refresh.form() == {"grant_type": "refresh_token", "refresh_token": "refresh-1", "client_id": "client-1"}
    assert refresh.headers["authorization"].startswith("Basic ")
    assert stored == [x_api.oauth.refresh_token] and stored != ["refresh-1"]


def test_a_rotated_refresh_token_that_cannot_be_stored_does_not_stop_the_reply_and_is_stored_later(
        fake, x_api, log_output):
    """X spent the old refresh token when it issued the new one: the fresh access token still sends the reply (it
    is published, so it is recorded as published), and the failed store is an error in the log (no token) and a
    note on what was published, until a later request stores the token."""
    attempts: list[str] = []

    def store_failing_once(refresh_token: str) -> None:
        attempts.append(refresh_token)
        if len(attempts) == 1:
            raise RuntimeError("PutSecretValue failed")  # a Secrets Manager write that did not happen

    x = build("x", fake, on_refresh_token=store_failing_once)
    first = x.publish(a_reply("x", "message", "dm:1", "brand-1", recipient="2244"))
    assert [(event["id"], event["text"]) for event in x_api.dms["2244"]] == [(first.platform_id, TEXT)]
    assert "could not be stored" in first.note and "authorise the account again" in first.note
    logged = [json.loads(line) for line in log_output.getvalue().splitlines()]
    assert [(line["level"], line["message"], line["platform"], line["error"]) for line in logged] == [
        ("ERROR", "reply refresh token not stored", "x", "RuntimeError")]
    for token in (x_api.oauth.refresh_token, *x_api.oauth.issued, "client-secret"):
        assert token not in log_output.getvalue() and token not in first.note

    second = x.publish(a_reply("x", "message", "dm:2", "brand-1", recipient="2244", text="And one more thing."))
    assert attempts == [x_api.oauth.refresh_token] * 2  # the same token, stored before the next request
    assert second.note == ""
    assert len(fake.requests_to("POST", "/2/oauth2/token")) == 1  # the access token was never thrown away


def test_an_expired_x_token_is_refreshed_and_the_call_made_once_more(fake, x_api):
    x = build("x", fake, credentials={**CLIENT, "access_token": "expired"})
    x.publish(a_reply("x", "message", "dm:1", "brand-1", recipient="2244"))
    sent = fake.requests_to("POST", "/2/dm_conversations/with/2244/messages")
    assert [s.headers["authorization"] for s in sent] == ["Bearer expired", f"Bearer {x_api.oauth.issued[-1]}"]
    assert len(x_api.dms["2244"]) == 1


def test_a_token_refused_after_refreshing_is_a_refusal_not_a_loop(fake, x_api):
    fake.route("POST", "/2/dm_conversations/with/(?P<pid>\\d+)/messages", lambda _s, _m: (401, {"detail": "no"}),
               first=True)
    with pytest.raises(PublishRefused, match="401"):
        build("x", fake).publish(a_reply("x", "message", "dm:1", "brand-1", recipient="2244"))
    assert len(fake.requests_to("POST", "/2/dm_conversations/with/2244/messages")) == 2
    assert len(fake.requests_to("POST", "/2/oauth2/token")) == 2


def test_a_spent_refresh_token_is_a_refusal_that_asks_for_a_new_authorisation(fake, x_api):
    x_api.oauth.refresh_token = "refresh-9"
    with pytest.raises(PublishRefused, match="authorise the account again"):
        build("x", fake).publish(a_reply("x", "message", "dm:1", "brand-1", recipient="2244"))


@dataclass
class Clock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_cached_token_is_refreshed_shortly_before_it_expires():
    from socialcrm.reply_platforms.http import PlatformHttp, RefreshingBearer

    with fake_platform() as fake:
        oauth = OAuthServer(fake, "/token", expires_in=3600)
        clock = Clock()
        bearer = RefreshingBearer(PlatformHttp("test", timeout=SHORT_TIMEOUT), fake.url + "/token", CLIENT,
                                  basic_auth=False, clock=clock)
        first = bearer.headers()
        clock.now = 3600 - 61
        assert bearer.headers() == first and len(oauth.issued) == 1
        clock.now = 3600 - 59
        assert bearer.headers() != first and len(oauth.issued) == 2


# LinkedIn: a comment reply on the organisation's post, as the organisation

@pytest.fixture
def linkedin_api(fake) -> LinkedInApi:
    return LinkedInApi(fake, OAuthServer(fake, "/oauth/v2/accessToken"))


def test_a_linkedin_comment_reply_is_the_documented_request(fake, linkedin_api):
    published = build("linkedin", fake).publish(a_reply("linkedin", "comment_reply", COMMENT_URN, "42"))
    seen = only(fake, "POST", "/rest/socialActions/(?P<urn>.+)/comments")
    assert seen.raw_path == "/rest/socialActions/urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A7001%2C9001%29/comments"
    assert seen.headers["linkedin-version"] == "202609" and seen.headers["x-restli-protocol-version"] == "2.0.0"
    assert seen.headers["authorization"] == f"Bearer {linkedin_api.oauth.issued[-1]}"
    assert seen.json() == {"actor": "urn:li:organization:42", "object": "urn:li:activity:7001",
                           "message": {"text": TEXT}, "parentComment": COMMENT_URN}
    assert published.platform_id == linkedin_api.comments[COMMENT_URN][0]["commentUrn"]
    refresh = only(fake, "POST", "/oauth/v2/accessToken")
    assert refresh.form() == {"grant_type": "refresh_token", "refresh_token": "refresh-1", "client_id": "client-1",
                              "client_secret": "client-secret"}


def test_a_linkedin_reply_that_timed_out_after_linkedin_took_it_is_published_once(fake, linkedin_api):
    fake.stall_next("POST", "/rest/socialActions/(?P<urn>.+)/comments", STALL_SECONDS)
    linkedin = build("linkedin", fake)
    settled = publish_settled(linkedin, a_reply("linkedin", "comment_reply", COMMENT_URN, "urn:li:organization:42"))
    assert [c["commentUrn"] for c in linkedin_api.comments[COMMENT_URN]] == [settled.platform_id]
    assert only(fake, "GET", "/rest/socialActions/(?P<urn>.+)/comments").headers["linkedin-version"] == "202609"


def test_an_expired_linkedin_token_is_refreshed_and_the_call_made_once_more(fake, linkedin_api):
    linkedin = build("linkedin", fake, credentials={**CLIENT, "access_token": "expired"})
    linkedin.publish(a_reply("linkedin", "comment_reply", COMMENT_URN, "42"))
    sent = fake.requests_to("POST", "/rest/socialActions/(?P<urn>.+)/comments")
    assert [s.headers["authorization"] for s in sent] == ["Bearer expired", "Bearer access-1"]


def test_linkedin_refuses_a_comment_urn_it_does_not_know_before_sending(fake, linkedin_api):
    with pytest.raises(PublishRefused, match="urn:li:comment"):
        build("linkedin", fake).publish(a_reply("linkedin", "comment_reply", "urn:li:activity:7001", "42"))
    assert fake.requests_to("POST", "/rest/socialActions/(?P<urn>.+)/comments") == []


# Google: YouTube comment replies and the Business Profile review reply, with the Google refresh-token flow

@pytest.fixture
def google_apis(fake) -> GoogleApis:
    apis = GoogleApis(fake, OAuthServer(fake, "/token", expires_in=3599))
    apis.reviews[REVIEW] = {"name": REVIEW, "comment": "Cold coffee", "starRating": "TWO"}
    return apis


def test_a_youtube_comment_reply_is_the_documented_request(fake, google_apis):
    published = build("youtube", fake).publish(a_reply("youtube", "comment_reply", "Ugx-parent", "UCbrand"))
    seen = only(fake, "POST", "/youtube/v3/comments")
    assert seen.query == {"part": "snippet"}
    assert seen.json() == {"snippet": {"parentId": "Ugx-parent", "textOriginal": TEXT}}
    assert seen.headers["authorization"] == "Bearer access-1"
    assert published.platform_id == google_apis.replies["Ugx-parent"][0]["id"]
    assert only(fake, "POST", "/token").form() == {"grant_type": "refresh_token", "refresh_token": "refresh-1",
                                                   "client_id": "client-1", "client_secret": "client-secret"}


def test_a_youtube_reply_that_timed_out_after_youtube_took_it_is_published_once(fake, google_apis):
    fake.stall_next("POST", "/youtube/v3/comments", STALL_SECONDS)
    youtube = build("youtube", fake)
    settled = publish_settled(youtube, a_reply("youtube", "comment_reply", "Ugx-parent", "UCbrand"))
    assert [c["id"] for c in google_apis.replies["Ugx-parent"]] == [settled.platform_id]
    lookup = only(fake, "GET", "/youtube/v3/comments")
    assert lookup.query["parentId"] == "Ugx-parent" and lookup.query["part"] == "snippet"


def test_youtube_quota_exhaustion_is_a_failure_to_try_later(fake, google_apis):
    quota = {"error": {"code": 403, "message": "quota", "errors": [{"reason": "quotaExceeded", "message": "q"}]}}
    fake.route("POST", "/youtube/v3/comments", lambda _s, _m: (403, quota), first=True)
    with pytest.raises(PublishFailed, match="quotaExceeded"):
        build("youtube", fake).publish(a_reply("youtube", "comment_reply", "Ugx-parent", "UCbrand"))


def test_an_expired_google_token_is_refreshed_and_the_call_made_once_more(fake, google_apis):
    google = build("google-business", fake, credentials={**CLIENT, "access_token": "expired"})
    google.publish(a_reply("google-business", "review_reply", REVIEW, "accounts/11"))
    sent = fake.requests_to("PUT", f"/v4/{REVIEW}/reply")
    assert [s.headers["authorization"] for s in sent] == ["Bearer expired", "Bearer access-1"]


def test_a_review_reply_is_the_documented_request_and_published_once_after_a_timeout(fake, google_apis):
    fake.stall_next("PUT", "/v4/(?P<review>accounts/[^/]+/locations/[^/]+/reviews/[^/]+)/reply", STALL_SECONDS)
    google = build("google-business", fake)
    request = a_reply("google-business", "review_reply", REVIEW, "accounts/11")
    with pytest.raises(OutcomeUnknown):
        google.publish(request)
    found = google.find_published(request)
    assert found is not None and found.platform_id == f"{REVIEW}/reply"
    seen = only(fake, "PUT", f"/v4/{REVIEW}/reply")
    assert seen.json() == {"comment": TEXT}
    assert google_apis.reviews[REVIEW]["reviewReply"]["comment"] == TEXT


def test_a_review_name_of_another_shape_is_refused_before_sending(fake, google_apis):
    with pytest.raises(PublishRefused, match="accounts/<id>/locations/<id>/reviews/<id>"):
        build("google-business", fake).publish(
            a_reply("google-business", "review_reply", "accounts/11/../../admin", "accounts/11"))
    assert [s for s in fake.seen if s.method == "PUT"] == []


def test_a_reply_with_a_link_that_x_rewrote_is_not_taken_for_unpublished(fake, x_api):
    x_api.tweets.append({"id": "77", "text": "Details: https://t.co/abc", "created_at": "2026-11-30T12:00:00.000Z",
                         "referenced_tweets": [{"type": "replied_to", "id": "1790000000000000001"}]})
    x = build("x", fake)
    request = a_reply("x", "mention_reply", "1790000000000000001", "brand-1", text="Details: https://example.com/a")
    with pytest.raises(OutcomeUnknown, match="rewrites links"):
        x.find_published(request)
    assert x.find_published(a_reply("x", "mention_reply", "1790000000000000009", "brand-1",
                                    text="Details: https://example.com/a")) is None


@pytest.mark.parametrize("status", [500, 504])
def test_a_token_endpoint_that_fails_published_nothing(fake, x_api, status):
    fake.route("POST", "/2/oauth2/token", lambda _s, _m: (status, {}), first=True)
    with pytest.raises(PublishFailed, match=r"token refresh|answered 500"):
        build("x", fake).publish(a_reply("x", "message", "dm:1", "brand-1", recipient="2244"))
    assert fake.requests_to("POST", "/2/dm_conversations/with/2244/messages") == []
