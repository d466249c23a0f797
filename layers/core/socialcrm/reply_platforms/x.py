"""X API v2 with an OAuth 2.0 user token of the brand's account (docs/platforms.md, "Replying").

- Direct message: POST /2/dm_conversations/with/{participant_id}/messages {"text"}; looked up in GET
  /2/dm_conversations/with/{participant_id}/dm_events (our sender id, the same text).
- Reply to a mention: POST /2/tweets {"text", "reply": {"in_reply_to_tweet_id"}}; looked up in GET
  /2/users/{our id}/tweets (replied_to that tweet, the same text).

Access tokens live two hours; the refresh token (scope offline.access) is exchanged at POST /2/oauth2/token
(Basic auth for a confidential client) and X rotates it on every use: the new one is handed to
`on_refresh_token` to be stored, or the next cold start holds a spent one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from socialcrm.replies.contract import Capabilities, OutcomeUnknown, Published, PublishRefused, ReplyRequest
from socialcrm.reply_platforms.base import Clock, PublisherBase
from socialcrm.reply_platforms.http import Client, PlatformHttp, RefreshingBearer, looking, required

API_URL = "https://api.x.com"
TOKEN_URL = "https://api.x.com/2/oauth2/token"  # noqa: S105 (the token endpoint, not a secret)
SECRET_KEYS = ("client_id", "client_secret", "refresh_token", "access_token")
TWEET_LIMIT = 280
DM_LIMIT = 10000
LOOKUP_LIMIT = 100
LINK = re.compile(r"https?://|www\.", re.IGNORECASE)


class XPublisher(PublisherBase):
    def __init__(self, credentials: Mapping[str, str], base_url: str, token_url: str, clock: Clock,
                 on_refresh_token: Callable[[str], None] | None = None, **options: Any) -> None:
        super().__init__("x", Capabilities(frozenset({"message", "mention_reply"}), can_find_published=True), {},
                         clock)
        http = PlatformHttp("x", **options)
        self.auth = RefreshingBearer(http, token_url, credentials, basic_auth=True,
                                     on_refresh_token=on_refresh_token)
        self.client = Client(http, self.auth)
        self.base_url = base_url.rstrip("/")

    def _dm_url(self, participant: str | None, tail: str) -> str:
        participant_id = required(participant, "the customer's X user id (recipient)")
        return f"{self.base_url}/2/dm_conversations/with/{quote(participant_id, safe='')}/{tail}"

    def send(self, request: ReplyRequest) -> Published:
        target = request.target
        if target.kind == "message":
            if len(request.text) > DM_LIMIT:
                raise PublishRefused(f"an X direct message is at most {DM_LIMIT} characters")
            body = self.client.json("POST", self._dm_url(target.recipient, "messages"), json={"text": request.text})
            data = body.get("data") if isinstance(body, dict) else None
            return self.published(data.get("dm_event_id") if isinstance(data, dict) else None)
        if len(request.text) > TWEET_LIMIT:
            raise PublishRefused(f"a reply on X is at most {TWEET_LIMIT} characters")
        post = {"text": request.text,
                "reply": {"in_reply_to_tweet_id": required(target.post_id, "the id of the mention")}}
        body = self.client.json("POST", f"{self.base_url}/2/tweets", json=post)
        data = body.get("data") if isinstance(body, dict) else None
        return self.published(data.get("id") if isinstance(data, dict) else None)

    def find_published(self, request: ReplyRequest) -> Published | None:
        target = request.target
        with looking(self.platform):
            if target.kind == "message":
                params = {"dm_event.fields": "id,text,sender_id,created_at", "event_types": "MessageCreate",
                          "max_results": LOOKUP_LIMIT}
                body = self.client.json("GET", self._dm_url(target.recipient, "dm_events"), params=params)
                ours = [event for event in _data(body) if str(event.get("sender_id", "")) == target.account]
                return self._match(request, ours)
            account = required(target.account, "our X user id (account)")
            params = {"tweet.fields": "id,text,created_at,referenced_tweets", "max_results": LOOKUP_LIMIT}
            body = self.client.json("GET", f"{self.base_url}/2/users/{quote(account, safe='')}/tweets",
                                    params=params)
            replies = [tweet for tweet in _data(body) if any(
                isinstance(ref, dict) and ref.get("type") == "replied_to" and str(ref.get("id")) == target.post_id
                for ref in tweet.get("referenced_tweets") or [])]
            return self._match(request, replies)

    def _match(self, request: ReplyRequest, ours: list[dict[str, Any]]) -> Published | None:
        """Ours with the same text; X rewrites links (t.co), so a text with a link and any candidate is unknown."""
        for item in ours:
            if item.get("text") == request.text:
                return self.published(item.get("id"), item.get("created_at"))
        if ours and LINK.search(request.text):
            raise OutcomeUnknown("x: X rewrites links, so whether this reply was published cannot be told by its "
                                 "text; check on X")
        return None


def _data(body: Any) -> list[dict[str, Any]]:
    data = body.get("data") if isinstance(body, dict) else None
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def x(credentials: Mapping[str, str], base_url: str, token_url: str, clock: Clock, **options: Any) -> XPublisher:
    return XPublisher(credentials, base_url, token_url, clock, **options)
