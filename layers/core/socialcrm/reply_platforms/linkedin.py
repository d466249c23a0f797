"""LinkedIn Community Management API: a reply to a comment on the organisation's post, as the organisation
(docs/platforms.md, "Replying").

POST /rest/socialActions/{comment URN, encoded}/comments with {"actor": "urn:li:organization:<id>", "object": the
post's URN, "message": {"text"}, "parentComment": the comment URN}, headers `LinkedIn-Version: YYYYMM` and
`X-Restli-Protocol-Version: 2.0.0`. The answer is 201 with the new comment (its URN also in `x-restli-id`). Looked
up in GET of the same collection (our organisation as actor, the same text).

The comment URN names its post: urn:li:comment:(urn:li:activity:123,456) → urn:li:activity:123 (or the target's
`conversation`, when given). Tokens: 60 days; programmatic refresh tokens (approved apps) at
www.linkedin.com/oauth/v2/accessToken, client id and secret in the form.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from socialcrm.replies.contract import Capabilities, Published, PublishRefused, ReplyRequest
from socialcrm.reply_platforms.base import Clock, PublisherBase
from socialcrm.reply_platforms.http import Client, PlatformHttp, RefreshingBearer, json_of, looking, required

API_URL = "https://api.linkedin.com"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"  # noqa: S105 (the token endpoint, not a secret)
API_VERSION = "202609"
SECRET_KEYS = ("client_id", "client_secret", "refresh_token", "access_token", "api_version")
COMMENT_URN = re.compile(r"^urn:li:comment:\((urn:li:[A-Za-z]+:[^,()]+),([^,()]+)\)$")
ORGANIZATION = "urn:li:organization:"
COMMENT_LIMIT = 1250
LOOKUP_LIMIT = 100


def post_of(comment_urn: str) -> str:
    match = COMMENT_URN.match(comment_urn)
    if not match:
        raise PublishRefused("a LinkedIn comment is named urn:li:comment:(<post urn>,<id>)")
    return match.group(1)


def organization(account: str | None) -> str:
    value = required(account, "our LinkedIn organisation (account)")
    return value if value.startswith(ORGANIZATION) else ORGANIZATION + value


class LinkedInPublisher(PublisherBase):
    def __init__(self, credentials: Mapping[str, str], base_url: str, token_url: str, clock: Clock,
                 on_refresh_token: Callable[[str], None] | None = None, **options: Any) -> None:
        super().__init__("linkedin", Capabilities(frozenset({"comment_reply"}), can_find_published=True), {}, clock)
        http = PlatformHttp("linkedin", **options)
        self.client = Client(http, RefreshingBearer(http, token_url, credentials, basic_auth=False,
                                                    on_refresh_token=on_refresh_token))
        self.base_url = base_url.rstrip("/")
        self.version = credentials.get("api_version") or API_VERSION

    def _headers(self) -> dict[str, str]:
        return {"LinkedIn-Version": self.version, "X-Restli-Protocol-Version": "2.0.0"}

    def _comments_url(self, comment_urn: str) -> str:
        return f"{self.base_url}/rest/socialActions/{quote(comment_urn, safe='')}/comments"

    def send(self, request: ReplyRequest) -> Published:
        target = request.target
        comment_urn = required(target.post_id, "the comment URN")
        if len(request.text) > COMMENT_LIMIT:
            raise PublishRefused(f"a LinkedIn comment is at most {COMMENT_LIMIT} characters")
        body = {"actor": organization(target.account), "object": target.conversation or post_of(comment_urn),
                "message": {"text": request.text}, "parentComment": comment_urn}
        answer = self.client.call("POST", self._comments_url(comment_urn), json=body, headers=self._headers())
        created = json_of(answer) if answer.content else {}
        new_urn = (created.get("commentUrn") if isinstance(created, dict) else None) \
            or answer.headers.get("x-restli-id")
        stamp = created.get("created") if isinstance(created, dict) else None
        return self.published(new_urn, _millis(stamp.get("time") if isinstance(stamp, dict) else None))

    def find_published(self, request: ReplyRequest) -> Published | None:
        target = request.target
        with looking(self.platform):
            actor = organization(target.account)
            body = self.client.json("GET", self._comments_url(required(target.post_id, "the comment URN")),
                                    params={"count": LOOKUP_LIMIT}, headers=self._headers())
            elements = body.get("elements") if isinstance(body, dict) else None
            for item in elements if isinstance(elements, list) else []:
                if not isinstance(item, dict) or item.get("actor") != actor:
                    continue
                message = item.get("message")
                if isinstance(message, dict) and message.get("text") == request.text:
                    created = item.get("created")
                    return self.published(item.get("commentUrn") or item.get("id"),
                                          _millis(created.get("time") if isinstance(created, dict) else None))
            return None


def _millis(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC).isoformat()
    return None


def linkedin(credentials: Mapping[str, str], base_url: str, token_url: str, clock: Clock,
             **options: Any) -> LinkedInPublisher:
    return LinkedInPublisher(credentials, base_url, token_url, clock, **options)
