"""Fakes of each platform's reply API, installed on a FakePlatform: they check a request the way the documentation
describes it (docs/platforms.md, "Replying") and answer 4xx like the platform when it is wrong, keep what was
published so it can be listed, and apply the messaging windows the platform enforces."""

from __future__ import annotations

import base64
import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.fake_platform import Answer, FakePlatform, Seen

GRAPH = "/v25.0"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def graph_error(message: str, code: int, subcode: int | None = None) -> Answer:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "trace"}
    if subcode:
        error["error_subcode"] = subcode
    return 400, {"error": error}


@dataclass
class MetaGraph:
    """Facebook Pages, Messenger, Instagram and the WhatsApp Cloud API on one Graph host."""

    fake: FakePlatform
    tokens: tuple[str, ...] = ("page-token", "wa-token")  # the Page's token and the WhatsApp system user's
    page_id: str = "page-1"
    ig_id: str = "ig-1"
    phone_number_id: str = "phone-1"
    now: datetime = NOW
    last_inbound: dict[str, datetime] = field(default_factory=dict)  # the customer's last message, by their id
    templates: set[str] = field(default_factory=lambda: {"order_update"})
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    messages: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (sender, user) → sent
    wa_sent: list[dict[str, Any]] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.fake.route("POST", rf"{GRAPH}/(?P<node>[^/]+)/comments", self.post_comment)
        self.fake.route("GET", rf"{GRAPH}/(?P<node>[^/]+)/comments", self.list_comments)
        self.fake.route("POST", rf"{GRAPH}/(?P<node>[^/]+)/replies", self.post_comment)
        self.fake.route("GET", rf"{GRAPH}/(?P<node>[^/]+)/replies", self.list_comments)
        self.fake.route("POST", rf"{GRAPH}/(?P<node>[^/]+)/messages", self.send)
        self.fake.route("GET", rf"{GRAPH}/(?P<node>[^/]+)/conversations", self.conversations)

    def _authorised(self, seen: Seen) -> bool:
        return seen.headers.get("authorization") in {f"Bearer {token}" for token in self.tokens} \
            and "access_token" not in seen.query

    def post_comment(self, seen: Seen, match: re.Match[str]) -> Answer:
        if not self._authorised(seen):
            return graph_error("Invalid OAuth access token.", 190)
        if not seen.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return graph_error("(#100) message is required", 100)
        message = seen.form().get("message", "")
        if not message:
            return graph_error("(#100) message is required", 100)
        instagram = seen.path.endswith("/replies")
        reply_id = f"{match['node']}_r{next(self.ids)}"
        item: dict[str, Any] = {"id": reply_id, "from": {"id": self.ig_id if instagram else self.page_id}}
        if instagram:
            item.update(text=message, timestamp="2026-11-30T12:00:00+0000")
        else:
            item.update(message=message, created_time="2026-11-30T12:00:00+0000")
        self.comments.setdefault(match["node"], []).append(item)
        return 200, {"id": reply_id}

    def list_comments(self, seen: Seen, match: re.Match[str]) -> Answer:
        if not self._authorised(seen):
            return graph_error("Invalid OAuth access token.", 190)
        return 200, {"data": list(reversed(self.comments.get(match["node"], [])))}

    def _window_error(self, user: str, messaging_type: str, tag: str | None) -> Answer | None:
        last = self.last_inbound.get(user)
        if last is None:
            return graph_error("(#10) This message is sent outside of allowed window.", 10, 2018278)
        age = self.now - last
        if messaging_type == "RESPONSE" and age > timedelta(hours=24):
            return graph_error("(#10) This message is sent outside of allowed window.", 10, 2018278)
        if messaging_type == "MESSAGE_TAG" and (tag != "HUMAN_AGENT" or age > timedelta(days=7)):
            return graph_error("(#10) This message is sent outside of allowed window.", 10, 2018278)
        return None

    def send(self, seen: Seen, match: re.Match[str]) -> Answer:
        if not self._authorised(seen):
            return graph_error("Invalid OAuth access token.", 190)
        body = seen.json()
        if match["node"] == self.phone_number_id:
            return self._whatsapp(body)
        sender = self.page_id if match["node"] == self.page_id else self.ig_id if match["node"] == "me" else None
        if sender is None:
            return graph_error("(#100) Unsupported post request", 100)
        recipient = (body.get("recipient") or {}).get("id")
        messaging_type = body.get("messaging_type")
        text = (body.get("message") or {}).get("text")
        if not recipient or messaging_type not in ("RESPONSE", "UPDATE", "MESSAGE_TAG") or not text:
            return graph_error("(#100) Invalid parameter", 100)
        if (messaging_type == "MESSAGE_TAG") != ("tag" in body):
            return graph_error("(#100) tag is required with MESSAGE_TAG and only with it", 100)
        refused = self._window_error(recipient, messaging_type, body.get("tag"))
        if refused:
            return refused
        message_id = f"m_{next(self.ids)}"
        self.messages.setdefault((sender, recipient), []).append(
            {"id": message_id, "message": text, "from": {"id": sender}, "created_time": "2026-11-30T12:00:00+0000"})
        return 200, {"recipient_id": recipient, "message_id": message_id}

    def conversations(self, seen: Seen, match: re.Match[str]) -> Answer:
        if not self._authorised(seen):
            return graph_error("Invalid OAuth access token.", 190)
        sender = self.page_id if match["node"] == self.page_id else self.ig_id
        expected_platform = "messenger" if sender == self.page_id else "instagram"
        if seen.query.get("platform") != expected_platform or not seen.query.get("user_id") \
                or "messages" not in seen.query.get("fields", ""):
            return graph_error("(#100) Invalid parameter", 100)
        sent = self.messages.get((sender, seen.query["user_id"]), [])
        return 200, {"data": [{"id": "t_1", "messages": {"data": list(reversed(sent))}}]}

    def _whatsapp(self, body: dict[str, Any]) -> Answer:
        if body.get("messaging_product") != "whatsapp" or not body.get("to"):
            return graph_error("(#100) The parameter messaging_product is required.", 100)
        last = self.last_inbound.get(body["to"])
        if body.get("type") == "text":
            if not (body.get("text") or {}).get("body"):
                return graph_error("(#100) The parameter text['body'] is required.", 100)
            if last is None or self.now - last > timedelta(hours=24):
                return 400, {"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException",
                                       "code": 131047, "error_data": {"details": "Message failed to send because "
                                       "more than 24 hours have passed since the customer last replied."}}}
        elif body.get("type") == "template":
            template = body.get("template") or {}
            if template.get("name") not in self.templates or not (template.get("language") or {}).get("code"):
                return 400, {"error": {"message": "(#132001) Template name does not exist in the translation",
                                       "type": "OAuthException", "code": 132001}}
        else:
            return graph_error("(#100) Unsupported message type", 100)
        message_id = f"wamid.{next(self.ids)}"
        self.wa_sent.append({"id": message_id, **body})
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                     "messages": [{"id": message_id}]}


@dataclass
class OAuthServer:
    """A token endpoint (RFC 6749 §6): a refresh token for an access token, optionally rotating the refresh token."""

    fake: FakePlatform
    path: str
    client_id: str = "client-1"
    client_secret: str = "client-secret"
    refresh_token: str = "refresh-1"
    basic_auth: bool = False
    rotate: bool = False
    expires_in: int = 7200
    issued: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fake.route("POST", self.path, self.token)

    def token(self, seen: Seen, _match: re.Match[str]) -> Answer:
        form = seen.form()
        if self.basic_auth:
            expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            client_ok = seen.headers.get("authorization") == f"Basic {expected}" and form.get("client_id") == \
                self.client_id
        else:
            client_ok = form.get("client_id") == self.client_id and form.get("client_secret") == self.client_secret
        if not client_ok:
            return 401, {"error": "invalid_client", "error_description": "client authentication failed"}
        if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
            return 400, {"error": "invalid_grant", "error_description": "refresh token invalid or spent"}
        access = f"access-{len(self.issued) + 1}"
        self.issued.append(access)
        answer: dict[str, Any] = {"access_token": access, "token_type": "bearer", "expires_in": self.expires_in}
        if self.rotate:
            self.refresh_token = f"refresh-{len(self.issued) + 1}"
            answer["refresh_token"] = self.refresh_token
        return 200, answer

    def valid(self, seen: Seen) -> bool:
        return bool(self.issued) and seen.headers.get("authorization") == f"Bearer {self.issued[-1]}"


@dataclass
class XApi:
    fake: FakePlatform
    oauth: OAuthServer
    account: str = "brand-1"
    dms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tweets: list[dict[str, Any]] = field(default_factory=list)
    ids: Any = field(default_factory=lambda: itertools.count(1000))

    def __post_init__(self) -> None:
        self.fake.route("POST", r"/2/dm_conversations/with/(?P<pid>\d+)/messages", self.send_dm)
        self.fake.route("GET", r"/2/dm_conversations/with/(?P<pid>\d+)/dm_events", self.dm_events)
        self.fake.route("POST", r"/2/tweets", self.tweet)
        self.fake.route("GET", r"/2/users/(?P<uid>[^/]+)/tweets", self.user_tweets)

    def _unauthorised(self) -> Answer:
        return 401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}

    def send_dm(self, seen: Seen, match: re.Match[str]) -> Answer:
        if not self.oauth.valid(seen):
            return self._unauthorised()
        text = seen.json().get("text")
        if not text:
            return 400, {"title": "Invalid Request", "detail": "text or attachments is required"}
        event = {"id": str(next(self.ids)), "text": text, "sender_id": self.account, "event_type": "MessageCreate",
                 "created_at": "2026-11-30T12:00:00.000Z"}
        self.dms.setdefault(match["pid"], []).append(event)
        return 201, {"data": {"dm_conversation_id": f"{match['pid']}-{self.account}", "dm_event_id": event["id"]}}

    def dm_events(self, seen: Seen, match: re.Match[str]) -> Answer:
        if not self.oauth.valid(seen):
            return self._unauthorised()
        return 200, {"data": list(reversed(self.dms.get(match["pid"], [])))}

    def tweet(self, seen: Seen, _match: re.Match[str]) -> Answer:
        if not self.oauth.valid(seen):
            return self._unauthorised()
        body = seen.json()
        reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        if not body.get("text") or not reply_to:
            return 400, {"title": "Invalid Request", "detail": "text and reply.in_reply_to_tweet_id expected"}
        if any(t["text"] == body["text"] for t in self.tweets):
            return 403, {"title": "Forbidden", "status": 403,
                         "detail": "You are not allowed to create a Tweet with duplicate content."}
        tweet = {"id": str(next(self.ids)), "text": body["text"], "created_at": "2026-11-30T12:00:00.000Z",
                 "referenced_tweets": [{"type": "replied_to", "id": reply_to}]}
        self.tweets.append(tweet)
        return 201, {"data": {"id": tweet["id"], "text": tweet["text"], "edit_history_tweet_ids": [tweet["id"]]}}

    def user_tweets(self, seen: Seen, match: re.Match[str]) -> Answer:
        if not self.oauth.valid(seen):
            return self._unauthorised()
        return 200, {"data": list(reversed(self.tweets)) if match["uid"] == self.account else []}


@dataclass
class LinkedInApi:
    fake: FakePlatform
    oauth: OAuthServer
    organization: str = "urn:li:organization:42"
    comments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: itertools.count(500))

    def __post_init__(self) -> None:
        self.fake.route("POST", r"/rest/socialActions/(?P<urn>.+)/comments", self.create)
        self.fake.route("GET", r"/rest/socialActions/(?P<urn>.+)/comments", self.list)

    def _refused(self, seen: Seen) -> Answer | None:
        if not self.oauth.valid(seen):
            return 401, {"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN",
                         "message": "Invalid access token"}
        if not re.fullmatch(r"\d{6}", seen.headers.get("linkedin-version", "")) or \
                seen.headers.get("x-restli-protocol-version") != "2.0.0":
            return 400, {"status": 400, "message": "A version header of the form YYYYMM is required"}
        return None

    def create(self, seen: Seen, match: re.Match[str]) -> Answer:
        refused = self._refused(seen)
        if refused:
            return refused
        body = seen.json()
        parent = match["urn"]
        post = re.fullmatch(r"urn:li:comment:\((urn:li:\w+:[^,]+),[^)]+\)", parent)
        if body.get("parentComment") != parent or not post or body.get("object") != post.group(1):
            return 400, {"status": 400, "message": "parentComment and object must name the comment and its post"}
        if body.get("actor") != self.organization:
            return 403, {"status": 403, "message": "Not enough permissions to comment as this actor"}
        comment_id = str(next(self.ids))
        urn = f"urn:li:comment:({post.group(1)},{comment_id})"
        item = {"id": comment_id, "commentUrn": urn, "actor": body["actor"], "object": body["object"],
                "message": body["message"], "parentComment": parent, "created": {"time": 1796040000000}}
        self.comments.setdefault(parent, []).append(item)
        return 201, item, {"x-restli-id": urn}

    def list(self, seen: Seen, match: re.Match[str]) -> Answer:
        refused = self._refused(seen)
        if refused:
            return refused
        return 200, {"elements": self.comments.get(match["urn"], []), "paging": {"start": 0, "count": 100}}


@dataclass
class GoogleApis:
    """YouTube Data API comments and the Business Profile review reply, behind one Google token endpoint."""

    fake: FakePlatform
    oauth: OAuthServer
    channel: str = "UCbrand"
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reviews: dict[str, dict[str, Any]] = field(default_factory=dict)
    ids: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.fake.route("POST", r"/youtube/v3/comments", self.insert)
        self.fake.route("GET", r"/youtube/v3/comments", self.list)
        self.fake.route("PUT", r"/v4/(?P<review>accounts/[^/]+/locations/[^/]+/reviews/[^/]+)/reply", self.reply)
        self.fake.route("GET", r"/v4/(?P<review>accounts/[^/]+/locations/[^/]+/reviews/[^/]+)", self.review)

    def _unauthorised(self) -> Answer:
        return 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                               "status": "UNAUTHENTICATED"}}

    def insert(self, seen: Seen, _match: re.Match[str]) -> Answer:
        if not self.oauth.valid(seen):
            return self._unauthorised()
        snippet = seen.json().get("snippet") or {}
        if seen.query.get("part") != "snippet" or not snippet.get("parentId") or not snippet.get("textOriginal"):
            return 400, {"error": {"code": 400, "message": "parentId and textOriginal are required",
                                   "errors": [{"reason": "parentIdMissing", "message": "missing"}]}}
        item = {"kind": "youtube#comment", "id": f"{snippet['parentId']}.r{next(self.ids)}",
                "snippet": {"parentId": snippet["parentId"], "textOriginal": snippet["textOriginal"],
                            "textDisplay": snippet["textOriginal"], "authorChannelId": {"value": self.channel},
                            "publishedAt": "2026-11-30T12:00:00Z"}}
        self.replies.setdefault(snippet["parentId"], []).append(item)
        return 200, item

    def list(self, seen: Seen, _match: re.Match[str]) -> Answer:
        if not self.oauth.valid(seen):
            return self._unauthorised()
        return 200, {"kind": "youtube#commentListResponse", "items": self.replies.get(seen.query["parentId"], [])}

    def reply(self, seen: Seen, match: re.Match[str]) -> Answer:
        if not self.oauth.valid(seen):
            return self._unauthorised()
        comment = seen.json().get("comment")
        if not comment or match["review"] not in self.reviews:
            return 404 if comment else 400, {"error": {"code": 400, "message": "comment required or no review"}}
        reply = {"comment": comment, "updateTime": "2026-11-30T12:00:00Z"}
        self.reviews[match["review"]]["reviewReply"] = reply
        return 200, reply

    def review(self, seen: Seen, match: re.Match[str]) -> Answer:
        if not self.oauth.valid(seen):
            return self._unauthorised()
        found = self.reviews.get(match["review"])
        return (200, found) if found else (404, {"error": {"code": 404, "message": "not found"}})

