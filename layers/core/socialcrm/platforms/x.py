"""X (Twitter) Account Activity API webhooks.

CRC: GET ?crc_token=T -> {"response_token": "sha256=" + base64(HMAC-SHA256(consumer secret, T))}, only for
a T of up to 96 URL-safe base64 characters (the CRC must not sign a delivery body for anyone who asks).
Signature: x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, raw body)>.
Events: tweet_create_events, direct_message_events (+ users), favorite_events (counted only),
tweet_delete_events (the stored post is deleted). Ids are taken from `id_str` (exact beyond 2^53).
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from socialcrm.errors import BadRequest, SignatureInvalid
from socialcrm.model import Author, CanonicalPost, parse_time
from socialcrm.platforms.base import Entries, SetAside, WebhookRequest, WebhookResponse
from socialcrm.platforms.shapes import a_list, an_id, an_object, object_or_empty, optional_str, text_of
from socialcrm.platforms.signing import digest, encoded, matches_any, secrets_in_force, with_rotation

PLATFORM = "x"
# X's crc_token is a short URL-safe base64 string (seen: 48 characters, a UUID encoded). Anything else,
# a JSON document above all, is refused: the answer is the signature a POST of that body would carry.
CRC_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,96}={0,2}")


def _tweet_id(tweet: dict[str, Any], where: str) -> str:
    return an_id(tweet.get("id_str") or tweet.get("id"), f"{where}.id_str") or ""


def _when(item: dict[str, Any], where: str) -> str:
    for name in ("timestamp_ms", "created_timestamp", "created_at"):
        value = item.get(name)
        if value not in (None, ""):
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            return parse_time(value)
    raise BadRequest(f"{where} has no time")


def _user(user: Any, where: str) -> Author:
    user = an_object(user, where)
    return Author(PLATFORM, an_id(user.get("id_str") or user.get("id"), f"{where}.id_str"),
                  optional_str(user.get("screen_name")), optional_str(user.get("name")))


class XAdapter:
    name = PLATFORM
    credentials_name = PLATFORM
    secret_keys = with_rotation("consumer_secret")  # every key read from its PlatformSecret section

    def handshake(self, request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
        token = request.query.get("crc_token", "")
        if not CRC_TOKEN.fullmatch(token):
            raise BadRequest("crc_token missing or not a token X would send")
        secret = secrets_in_force(credentials, "consumer_secret")[0]
        answer = "sha256=" + encoded(digest(secret, token.encode()), "base64")
        return WebhookResponse(200, json.dumps({"response_token": answer}))

    def verify(self, request: WebhookRequest, credentials: dict[str, str]) -> None:
        header = request.header("x-twitter-webhooks-signature") or ""
        if not header.startswith("sha256=") or not matches_any(
                header.removeprefix("sha256="), secrets_in_force(credentials, "consumer_secret"),
                request.body, "sha256", "base64"):
            raise SignatureInvalid("x-twitter-webhooks-signature missing or wrong")

    def normalize(self, request: WebhookRequest, set_aside: SetAside | None = None) -> list[CanonicalPost]:
        payload = an_object(request.json_body(), "body")
        account = an_id(payload.get("for_user_id"), "for_user_id", required=False)
        accepted = Entries(set_aside)
        for index, tweet in enumerate(a_list(payload.get("tweet_create_events"), "tweet_create_events")):
            with accepted.entry(f"tweet_create_events[{index}]") as posts:
                posts.append(self._tweet(an_object(tweet, f"tweet_create_events[{index}]"),
                                         f"tweet_create_events[{index}]", account))
        users = object_or_empty(payload.get("users"))
        for index, event in enumerate(a_list(payload.get("direct_message_events"), "direct_message_events")):
            with accepted.entry(f"direct_message_events[{index}]") as posts:
                post = self._direct_message(an_object(event, f"direct_message_events[{index}]"), users,
                                            f"direct_message_events[{index}]", account)
                if post is not None:
                    posts.append(post)
        for index, favorite in enumerate(a_list(payload.get("favorite_events"), "favorite_events")):
            where = f"favorite_events[{index}]"
            with accepted.entry(where) as posts:
                favorite = an_object(favorite, where)
                posts.append(CanonicalPost(PLATFORM, f"favorite:{an_id(favorite.get('id'), f'{where}.id')}",
                                           "reaction", _user(favorite.get("user"), f"{where}.user"), "",
                                           _when(favorite, where), source=PLATFORM, account=account))
        for index, deletion in enumerate(a_list(payload.get("tweet_delete_events"), "tweet_delete_events")):
            where = f"tweet_delete_events[{index}]"
            with accepted.entry(where) as posts:
                status = an_object(an_object(deletion, where).get("status"), f"{where}.status")
                posts.append(CanonicalPost(PLATFORM, _tweet_id(status, f"{where}.status"), "post",
                                           Author(PLATFORM, an_id(status.get("user_id"), f"{where}.status.user_id",
                                                                  required=False)),
                                           "", _when(deletion, where), source=PLATFORM, verb="remove",
                                           account=account))
        return accepted.posts

    @staticmethod
    def _tweet(tweet: dict[str, Any], where: str, account: str | None) -> CanonicalPost:
        author = _user(tweet.get("user"), f"{where}.user")
        tweet_id = _tweet_id(tweet, where)
        extended = object_or_empty(tweet.get("extended_tweet"))
        text = text_of(extended.get("full_text")) or text_of(tweet.get("full_text")) or text_of(tweet.get("text"))
        reply_to = an_id(tweet.get("in_reply_to_status_id_str") or tweet.get("in_reply_to_status_id"),
                         f"{where}.in_reply_to_status_id_str", required=False)
        quoted = an_id(tweet.get("quoted_status_id_str") or tweet.get("quoted_status_id"),
                       f"{where}.quoted_status_id_str", required=False)
        if isinstance(tweet.get("retweeted_status"), dict):
            kind = "reaction"  # a retweet repeats someone else's words: counted, not stored
        elif reply_to:
            kind = "comment"
        elif account and any(isinstance(m, dict) and str(m.get("id_str") or m.get("id")) == account
                             for m in (tweet.get("entities") or {}).get("user_mentions") or []):
            kind = "mention"
        else:
            kind = "post"
        return CanonicalPost(
            platform=PLATFORM, post_id=tweet_id, kind=kind, author=author, text=text,
            created_at=_when(tweet, where),
            url=f"https://x.com/{quote(author.handle or 'i', safe='')}/status/{quote(tweet_id, safe='')}",
            reply_to=reply_to or quoted, source=PLATFORM, account=account)

    @staticmethod
    def _direct_message(event: dict[str, Any], users: dict[str, Any], where: str,
                        account: str | None) -> CanonicalPost | None:
        if event.get("type") != "message_create":
            return None
        create = an_object(event.get("message_create"), f"{where}.message_create")
        sender_id = an_id(create.get("sender_id"), f"{where}.message_create.sender_id")
        if account and sender_id == account:
            return None  # our own outgoing message
        data = object_or_empty(create.get("message_data"))
        user = object_or_empty(users.get(sender_id))
        return CanonicalPost(
            platform=PLATFORM, post_id=f"dm:{an_id(event.get('id'), f'{where}.id')}", kind="message",
            author=Author(PLATFORM, sender_id, optional_str(user.get("screen_name")), optional_str(user.get("name"))),
            text=text_of(data.get("text")), created_at=_when(event, where), source=PLATFORM, account=account)


ADAPTER = XAdapter()
