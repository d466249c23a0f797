"""Google's two: a YouTube comment reply and the Google Business Profile review reply, each with a refresh token
of the brand's Google account exchanged at oauth2.googleapis.com/token (docs/platforms.md, "Replying").

- YouTube: POST /youtube/v3/comments?part=snippet {"snippet": {"parentId", "textOriginal"}} (scope
  youtube.force-ssl; 50 quota units); looked up in GET /comments?part=snippet&parentId= (our channel as
  author, the same textOriginal). quotaExceeded and rateLimitExceeded are failures to try again later.
- Google Business Profile: PUT /v4/{accounts/*/locations/*/reviews/*}/reply {"comment"} (scope business.manage).
  A review has one reply, so sending again replaces it with the same text: idempotent by nature. Looked up in
  GET /v4/{review name} (its reviewReply).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests

from socialcrm.replies.contract import Capabilities, Published, PublishRefused, ReplyRequest
from socialcrm.reply_platforms.base import Clock, PublisherBase
from socialcrm.reply_platforms.http import Client, PlatformHttp, RefreshingBearer, json_of, looking, required

TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 (the token endpoint, not a secret)
YOUTUBE_URL = "https://www.googleapis.com/youtube/v3"
BUSINESS_URL = "https://mybusiness.googleapis.com/v4"
SECRET_KEYS = ("client_id", "client_secret", "refresh_token")
REVIEW_NAME = re.compile(r"^accounts/[^/]+/locations/[^/]+/reviews/[^/]+$")
TRANSIENT_REASONS = frozenset({"quotaExceeded", "rateLimitExceeded", "userRateLimitExceeded", "backendError"})
YOUTUBE_COMMENT_LIMIT = 10000
REVIEW_REPLY_LIMIT = 4096
LOOKUP_LIMIT = 100


def _google_reasons(answer: requests.Response) -> tuple[str, str]:
    body = json_of(answer)
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", ""
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return str(first.get("reason") or error.get("status") or ""), str(error.get("message") or "")


def google_reason(answer: requests.Response) -> str:
    reason, message = _google_reasons(answer)
    return f"{reason}: {message}" if reason else message


def google_transient(answer: requests.Response) -> bool:
    return _google_reasons(answer)[0] in TRANSIENT_REASONS


def google_client(platform: str, credentials: Mapping[str, str], token_url: str,
                  on_refresh_token: Callable[[str], None] | None, **options: Any) -> Client:
    http = PlatformHttp(platform, read_error=google_reason, transient=google_transient, **options)
    return Client(http, RefreshingBearer(http, token_url, credentials, basic_auth=False,
                                         on_refresh_token=on_refresh_token))


class YouTubePublisher(PublisherBase):
    def __init__(self, credentials: Mapping[str, str], base_url: str, token_url: str, clock: Clock,
                 on_refresh_token: Callable[[str], None] | None = None, **options: Any) -> None:
        super().__init__("youtube", Capabilities(frozenset({"comment_reply"}), can_find_published=True), {}, clock)
        self.client = google_client("youtube", credentials, token_url, on_refresh_token, **options)
        self.base_url = base_url.rstrip("/")

    def send(self, request: ReplyRequest) -> Published:
        if len(request.text) > YOUTUBE_COMMENT_LIMIT:
            raise PublishRefused(f"a YouTube comment is at most {YOUTUBE_COMMENT_LIMIT} characters")
        comment = {"snippet": {"parentId": required(request.target.post_id, "the comment id"),
                               "textOriginal": request.text}}
        body = self.client.json("POST", f"{self.base_url}/comments", params={"part": "snippet"}, json=comment)
        snippet = body.get("snippet") if isinstance(body, dict) else None
        return self.published(body.get("id") if isinstance(body, dict) else None,
                              snippet.get("publishedAt") if isinstance(snippet, dict) else None)

    def find_published(self, request: ReplyRequest) -> Published | None:
        target = request.target
        with looking(self.platform):
            params = {"part": "snippet", "parentId": target.post_id, "maxResults": LOOKUP_LIMIT,
                      "textFormat": "plainText"}
            body = self.client.json("GET", f"{self.base_url}/comments", params=params)
            for item in body.get("items", []) if isinstance(body, dict) else []:
                snippet = item.get("snippet") if isinstance(item, dict) else None
                if not isinstance(snippet, dict):
                    continue
                author = snippet.get("authorChannelId")
                author_id = author.get("value") if isinstance(author, dict) else None
                if author_id == target.account and snippet.get("textOriginal") == request.text:
                    return self.published(item.get("id"), snippet.get("publishedAt"))
            return None


class GoogleBusinessPublisher(PublisherBase):
    def __init__(self, credentials: Mapping[str, str], base_url: str, token_url: str, clock: Clock,
                 on_refresh_token: Callable[[str], None] | None = None, **options: Any) -> None:
        super().__init__("google-business", Capabilities(frozenset({"review_reply"}), can_find_published=True), {},
                         clock)
        self.client = google_client("google-business", credentials, token_url, on_refresh_token, **options)
        self.base_url = base_url.rstrip("/")

    def _review_url(self, review: str) -> str:
        if not REVIEW_NAME.match(review):
            raise PublishRefused("a Google review is named accounts/<id>/locations/<id>/reviews/<id>")
        return f"{self.base_url}/{quote(review, safe='/')}"

    def send(self, request: ReplyRequest) -> Published:
        if len(request.text) > REVIEW_REPLY_LIMIT:
            raise PublishRefused(f"a review reply is at most {REVIEW_REPLY_LIMIT} characters")
        review = required(request.target.post_id, "the review name")
        body = self.client.json("PUT", f"{self._review_url(review)}/reply", json={"comment": request.text})
        return self.published(f"{review}/reply", body.get("updateTime") if isinstance(body, dict) else None)

    def find_published(self, request: ReplyRequest) -> Published | None:
        review = request.target.post_id
        with looking(self.platform):
            body = self.client.json("GET", self._review_url(review))
            reply = body.get("reviewReply") if isinstance(body, dict) else None
            if isinstance(reply, dict) and reply.get("comment") == request.text:
                return self.published(f"{review}/reply", reply.get("updateTime"))
            return None


def youtube(credentials: Mapping[str, str], base_url: str, token_url: str, clock: Clock,
            **options: Any) -> YouTubePublisher:
    return YouTubePublisher(credentials, base_url, token_url, clock, **options)


def google_business(credentials: Mapping[str, str], base_url: str, token_url: str, clock: Clock,
                    **options: Any) -> GoogleBusinessPublisher:
    return GoogleBusinessPublisher(credentials, base_url, token_url, clock, **options)
