"""Meta (Facebook Page feed, Messenger, Instagram) webhooks.

Handshake: GET hub.mode=subscribe & hub.verify_token -> echo hub.challenge.
Signature: X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>.
Payloads: {"object": "page" | "instagram", "entry": [...]}, see shared/reference/platform-specs.md.
`entry[].messaging[]` holds Messenger messages under "page" and Instagram direct messages under "instagram"
(Instagram messaging webhooks, field `messages`): each is stored as that platform's message.
"""

from __future__ import annotations

import hmac
from typing import Any

from socialcrm.errors import BadRequest, ConfigurationError, HandshakeRefused, SignatureInvalid
from socialcrm.model import Author, CanonicalPost, parse_time
from socialcrm.platforms.base import Entries, SetAside, WebhookRequest, WebhookResponse
from socialcrm.platforms.shapes import a_list as _list
from socialcrm.platforms.shapes import an_id as _id
from socialcrm.platforms.shapes import an_object as _object
from socialcrm.platforms.shapes import object_or_empty
from socialcrm.platforms.shapes import text_of as _text
from socialcrm.platforms.signing import matches_any, secrets_in_force, with_rotation

FEED_POST_ITEMS = {"status", "post", "photo", "video", "share", "link"}
FEED_VERBS = {"add": "add", "edited": "edit", "edit": "edit", "remove": "remove", "delete": "remove"}


def verify_meta_signature(request: WebhookRequest, credentials: dict[str, str]) -> None:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>; shared by Meta and WhatsApp."""
    header = request.header("x-hub-signature-256") or ""
    secrets = secrets_in_force(credentials, "app_secret")
    if not header.startswith("sha256=") or not matches_any(
            header.removeprefix("sha256="), secrets, request.body, "sha256", "hex", case_insensitive=True):
        raise SignatureInvalid("X-Hub-Signature-256 missing or wrong")


def meta_handshake(request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
    """GET hub.mode=subscribe & hub.verify_token -> the hub.challenge, verbatim, as text."""
    token = credentials.get("verify_token")
    if not token:
        raise ConfigurationError("meta credentials have no verify_token")
    mode = request.query.get("hub.mode", "")
    offered = request.query.get("hub.verify_token", "")
    challenge = request.query.get("hub.challenge", "")
    if mode != "subscribe" or not challenge or not hmac.compare_digest(offered.encode(), token.encode()):
        raise HandshakeRefused("verify token or mode does not match")
    return WebhookResponse(200, challenge, "text/plain")


class MetaAdapter:
    name = "meta"
    credentials_name = "meta"
    secret_keys = (*with_rotation("app_secret"), "verify_token")  # every key read from its PlatformSecret section

    def handshake(self, request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
        return meta_handshake(request, credentials)

    def verify(self, request: WebhookRequest, credentials: dict[str, str]) -> None:
        verify_meta_signature(request, credentials)

    def normalize(self, request: WebhookRequest, set_aside: SetAside | None = None) -> list[CanonicalPost]:
        payload = _object(request.json_body(), "body")
        kind = payload.get("object")
        entries = payload.get("entry")
        if kind not in ("page", "instagram") or not isinstance(entries, list):
            raise BadRequest("body must be a Meta delivery with object 'page' or 'instagram' and an entry list")
        accepted = Entries(set_aside)
        for index, raw_entry in enumerate(entries):
            where = f"entry[{index}]"
            with accepted.entry(where) as posts:
                self._entry(kind, _object(raw_entry, where), where, posts)
        return accepted.posts

    def _entry(self, kind: str, entry: dict[str, Any], where: str, posts: list[CanonicalPost]) -> None:
        for position, change in enumerate(_list(entry.get("changes"), f"{where}.changes")):
            change_at = f"{where}.changes[{position}]"
            change = _object(change, change_at)
            value = _object(change.get("value"), f"{change_at}.value")
            field = change.get("field")
            if kind == "page" and field == "feed":
                post = self._feed(value, entry, f"{change_at}.value")
            elif kind == "instagram" and field == "comments":
                post = self._instagram_comment(value, entry, f"{change_at}.value")
            elif kind == "instagram" and field == "mentions":
                post = self._instagram_mention(value, entry, f"{change_at}.value")
            else:
                post = None  # fields we do not capture are acknowledged and dropped
            if post is not None:
                posts.append(post)
        platform = "facebook" if kind == "page" else "instagram"  # Messenger, or Instagram direct messages
        for position, event in enumerate(_list(entry.get("messaging"), f"{where}.messaging")):
            post = self._message(platform, _object(event, f"{where}.messaging[{position}]"),
                                 f"{where}.messaging[{position}]")
            if post is not None:
                posts.append(post)

    @staticmethod
    def _feed(value: dict[str, Any], entry: dict[str, Any], where: str) -> CanonicalPost | None:
        item = value.get("item")
        verb = FEED_VERBS.get(str(value.get("verb", "add")))
        if verb is None or (item != "comment" and item not in FEED_POST_ITEMS):
            return None  # reactions, likes, hides: not posts
        sender = value.get("from")
        user_id: str | None
        if isinstance(sender, dict):
            user_id = _id(sender.get("id"), f"{where}.from.id")
            name = sender.get("name")
        else:  # legacy shape: sender_id (a JSON number) and sender_name
            user_id = _id(value.get("sender_id"), f"{where}.sender_id", required=verb != "remove")
            name = value.get("sender_name")
        post_id = _id(value.get("post_id"), f"{where}.post_id")
        if item == "comment":
            comment_id = _id(value.get("comment_id"), f"{where}.comment_id")
            own_id, kind = comment_id, "comment"
            reply_to = _id(value.get("parent_id"), f"{where}.parent_id", required=False) or post_id
        else:
            own_id, kind, reply_to = post_id, "post", None
        created = value.get("created_time") or entry.get("time")
        return CanonicalPost(
            platform="facebook",
            post_id=own_id or "",
            kind=kind,
            author=Author("facebook", user_id, None, name if isinstance(name, str) else None),
            text=_text(value.get("message")),
            created_at=parse_time(created),
            url=f"https://www.facebook.com/{own_id}",
            reply_to=reply_to,
            source="meta",
            verb=verb,
            account=_id(entry.get("id"), "entry.id", required=False),  # the Page the change happened on
        )

    @staticmethod
    def _message(platform: str, event: dict[str, Any], where: str) -> CanonicalPost | None:
        """One `messaging[]` event: sender = the customer's PSID (Messenger) or IGSID (Instagram), recipient = our
        Page or Instagram professional account."""
        message = event.get("message")
        if not isinstance(message, dict) or message.get("is_echo"):
            return None  # deliveries, reads, postbacks, and our own messages echoed back
        sender = _object(event.get("sender"), f"{where}.sender")
        reply = message.get("reply_to")
        return CanonicalPost(
            platform=platform,
            post_id=_id(message.get("mid"), f"{where}.message.mid") or "",
            kind="message",
            author=Author(platform, _id(sender.get("id"), f"{where}.sender.id")),
            text=_text(message.get("text")),
            created_at=parse_time(event.get("timestamp")),
            url=None,
            reply_to=_id(reply.get("mid"), f"{where}.message.reply_to.mid", required=False)
            if isinstance(reply, dict) else None,
            source="meta",
            account=_id(object_or_empty(event.get("recipient")).get("id"), f"{where}.recipient.id", required=False),
        )

    @staticmethod
    def _instagram_comment(value: dict[str, Any], entry: dict[str, Any], where: str) -> CanonicalPost:
        sender = _object(value.get("from"), f"{where}.from")
        media = object_or_empty(value.get("media"))
        username = sender.get("username")
        return CanonicalPost(
            platform="instagram",
            post_id=_id(value.get("id"), f"{where}.id") or "",
            kind="comment",
            author=Author("instagram", _id(sender.get("id"), f"{where}.from.id", required=False),
                          username if isinstance(username, str) else None),
            text=_text(value.get("text")),
            created_at=parse_time(value.get("timestamp") or entry.get("time")),
            url=None,
            reply_to=_id(value.get("parent_id"), f"{where}.parent_id", required=False)
            or _id(media.get("id"), f"{where}.media.id", required=False),
            source="meta",
            account=_id(entry.get("id"), "entry.id", required=False),  # our Instagram account
        )

    @staticmethod
    def _instagram_mention(value: dict[str, Any], entry: dict[str, Any], where: str) -> CanonicalPost:
        comment_id = _id(value.get("comment_id"), f"{where}.comment_id", required=False)
        media_id = _id(value.get("media_id"), f"{where}.media_id", required=not comment_id)
        return CanonicalPost(
            platform="instagram",
            post_id=comment_id or media_id or "",
            kind="mention",
            author=Author("instagram"),  # the mention webhook does not name the author
            text=_text(value.get("text")),
            created_at=parse_time(entry.get("time")),
            url=None,
            reply_to=media_id if comment_id else None,
            source="meta",
            account=_id(entry.get("id"), "entry.id", required=False),
        )


ADAPTER = MetaAdapter()
