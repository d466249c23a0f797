"""Facebook and Instagram through Meta's Graph API, with a Page access token (docs/platforms.md, "Replying").

- Facebook comment: POST /{comment-id}/comments (form field `message`); looked up in GET /{comment-id}/comments.
- Messenger: POST /{page-id}/messages {recipient: {id: PSID}, messaging_type: RESPONSE, message: {text}}; after
  the 24-hour standard window, messaging_type MESSAGE_TAG with tag HUMAN_AGENT (7 days, when the app has that
  feature); looked up in the Page's conversation with that person (Conversations API).
- Instagram comment: POST /{ig-comment-id}/replies (`message`); looked up in GET /{ig-comment-id}/replies.
- Instagram direct message: POST /me/messages with the linked Page's token, recipient = the IGSID; same windows.

The token goes in the Authorization header (never in a URL). Graph errors: code 190 (token) and permission
errors are refusals, rate limits (4, 17, 32, 613) and `is_transient` errors are failures to try again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from socialcrm.replies.contract import Capabilities, Published, PublishRefused, ReplyRequest, WindowRule
from socialcrm.reply_platforms.base import Clock, PublisherBase
from socialcrm.reply_platforms.http import Client, PlatformHttp, StaticBearer, json_of, looking, required
from socialcrm.reply_platforms.windows import HUMAN_AGENT, HUMAN_AGENT_WINDOW, STANDARD_WINDOW

GRAPH_VERSION = "v25.0"
GRAPH_URL = f"https://graph.facebook.com/{GRAPH_VERSION}"
SECRET_KEYS = ("page_access_token",)
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001, 80006})
OUTSIDE_WINDOW_SUBCODES = frozenset({2018278, 2534022})
MESSENGER_WINDOW = WindowRule(standard=STANDARD_WINDOW, tag=HUMAN_AGENT, tagged=HUMAN_AGENT_WINDOW)
LOOKUP_LIMIT = 100
MESSENGER_TEXT_LIMIT = 2000
INSTAGRAM_TEXT_BYTES = 1000


def _graph_error(answer: requests.Response) -> dict[str, Any]:
    body = json_of(answer)
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def graph_reason(answer: requests.Response) -> str:
    error = _graph_error(answer)
    if not error:
        return ""
    code, subcode = error.get("code"), error.get("error_subcode")
    if subcode in OUTSIDE_WINDOW_SUBCODES:
        return f"outside the messaging window (code {code}/{subcode}): {error.get('message', '')}"
    where = f"code {code}" + (f"/{subcode}" if subcode else "")
    return f"{error.get('message', '')} ({where})"


def graph_transient(answer: requests.Response) -> bool:
    error = _graph_error(answer)
    return bool(error.get("is_transient")) or error.get("code") in RATE_LIMIT_CODES


def graph_http(platform: str, **options: Any) -> PlatformHttp:
    return PlatformHttp(platform, read_error=graph_reason, transient=graph_transient, **options)


def _sender_id(item: dict[str, Any]) -> str:
    sender = item.get("from")
    return str(sender.get("id", "")) if isinstance(sender, dict) else ""


class MetaPublisher(PublisherBase):
    """One of Meta's two platforms: comments under `comments_edge`, messages with the Send API."""

    def __init__(self, platform: str, credentials: Mapping[str, str], base_url: str, clock: Clock,
                 comments_edge: str, text_field: str, messages_node: str | None, http: PlatformHttp) -> None:
        super().__init__(platform, Capabilities(frozenset({"comment_reply", "message"}), can_find_published=True),
                         {"message": MESSENGER_WINDOW}, clock)
        self.client = Client(http, StaticBearer(credentials.get("page_access_token", ""), "page_access_token"))
        self.base_url = base_url.rstrip("/")
        self.comments_edge = comments_edge  # "comments" (Facebook) or "replies" (Instagram)
        self.text_field = text_field  # the comment's text: "message" (Facebook) or "text" (Instagram)
        self.messages_node = messages_node  # None: the target's account (the Page); "me" for Instagram

    def _node(self, node_id: str) -> str:
        return f"{self.base_url}/{quote(node_id, safe='')}"

    def send(self, request: ReplyRequest) -> Published:
        target = request.target
        if target.kind == "comment_reply":
            url = f"{self._node(required(target.post_id, 'the comment id'))}/{self.comments_edge}"
            body = self.client.json("POST", url, data={"message": request.text})
            return self.published(body.get("id") if isinstance(body, dict) else None)
        if self.platform == "facebook" and len(request.text) >= MESSENGER_TEXT_LIMIT:
            raise PublishRefused(f"a Messenger text must be under {MESSENGER_TEXT_LIMIT} characters")
        if self.platform == "instagram" and len(request.text.encode()) > INSTAGRAM_TEXT_BYTES:
            raise PublishRefused(f"an Instagram message is at most {INSTAGRAM_TEXT_BYTES} bytes of UTF-8")
        message: dict[str, Any] = {
            "recipient": {"id": required(target.recipient, "the customer's platform id (recipient)")},
            "messaging_type": "MESSAGE_TAG" if request.message_tag else "RESPONSE",
            "message": {"text": request.text},
        }
        if request.message_tag:
            message["tag"] = request.message_tag
        node = self.messages_node or required(target.account, "the Page id (account)")
        body = self.client.json("POST", f"{self._node(node)}/messages", json=message)
        return self.published(body.get("message_id") if isinstance(body, dict) else None)

    def find_published(self, request: ReplyRequest) -> Published | None:
        target = request.target
        with looking(self.platform):
            if target.kind == "comment_reply":
                return self._find_comment(request)
            return self._find_message(request)

    def _find_comment(self, request: ReplyRequest) -> Published | None:
        target = request.target
        time_field = "created_time" if self.text_field == "message" else "timestamp"
        params = {"fields": f"id,{self.text_field},from,{time_field}", "limit": LOOKUP_LIMIT}
        if self.comments_edge == "comments":
            params.update(filter="stream", order="reverse_chronological")
        body = self.client.json("GET", f"{self._node(target.post_id)}/{self.comments_edge}", params=params)
        for item in body.get("data", []) if isinstance(body, dict) else []:
            if isinstance(item, dict) and _sender_id(item) == target.account \
                    and item.get(self.text_field) == request.text:
                return self.published(item.get("id"), item.get(time_field))
        return None

    def _find_message(self, request: ReplyRequest) -> Published | None:
        target = request.target
        node = self.messages_node or target.account
        params = {"platform": "messenger" if self.platform == "facebook" else "instagram",
                  "user_id": required(target.recipient, "the customer's platform id (recipient)"),
                  "fields": f"messages.limit({LOOKUP_LIMIT}){{id,message,from,created_time}}"}
        body = self.client.json("GET", f"{self._node(node)}/conversations", params=params)
        for conversation in body.get("data", []) if isinstance(body, dict) else []:
            messages = conversation.get("messages") if isinstance(conversation, dict) else None
            for item in messages.get("data", []) if isinstance(messages, dict) else []:
                if isinstance(item, dict) and _sender_id(item) == target.account \
                        and item.get("message") == request.text:
                    return self.published(item.get("id"), item.get("created_time"))
        return None


def facebook(credentials: Mapping[str, str], base_url: str, clock: Clock, **options: Any) -> MetaPublisher:
    return MetaPublisher("facebook", credentials, base_url, clock, comments_edge="comments", text_field="message",
                         messages_node=None, http=graph_http("facebook", **options))


def instagram(credentials: Mapping[str, str], base_url: str, clock: Clock, **options: Any) -> MetaPublisher:
    return MetaPublisher("instagram", credentials, base_url, clock, comments_edge="replies", text_field="text",
                         messages_node="me", http=graph_http("instagram", **options))
