"""TikTok for Developers webhooks.

Signature: TikTok-Signature: t=<unix seconds>,s=<hex HMAC-SHA256(client secret, t + "." + raw body)>;
a timestamp more than 300 s from our clock is refused (replay window). The envelope's `content`
is a JSON string inside the JSON. TikTok sends no handshake GET; a GET is refused.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from socialcrm.errors import BadRequest, HandshakeRefused, SignatureInvalid
from socialcrm.model import Author, CanonicalPost, parse_time
from socialcrm.platforms.base import SetAside, WebhookRequest, WebhookResponse
from socialcrm.platforms.shapes import an_id, an_object, text_of
from socialcrm.platforms.signing import any_offered_matches, ascii_integer, secrets_in_force, with_rotation

PLATFORM = "tiktok"
TOLERANCE_SECONDS = 300
MAX_SIGNATURES = 4  # TikTok sends one; a few allow for a rotation. More is refused, not hashed.
POST_EVENTS = ("post.publish.", "video.publish.")


def signature_parts(header: str) -> tuple[str, list[str]]:
    timestamp, signatures = "", []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "s":
            signatures.append(value)
    return timestamp, signatures


class TikTokAdapter:
    name = PLATFORM
    credentials_name = PLATFORM
    secret_keys = with_rotation("client_secret")  # every key read from its PlatformSecret section

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock

    def handshake(self, request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
        raise HandshakeRefused("TikTok has no subscription handshake")

    def verify(self, request: WebhookRequest, credentials: dict[str, str]) -> None:
        timestamp, signatures = signature_parts(request.header("tiktok-signature") or "")
        seconds = ascii_integer(timestamp)
        if seconds is None or abs(self.clock() - seconds) > TOLERANCE_SECONDS:
            raise SignatureInvalid("TikTok-Signature missing, or its timestamp is outside the 300 s window")
        if not 0 < len(signatures) <= MAX_SIGNATURES:
            raise SignatureInvalid("TikTok-Signature has no signature or too many")
        signed = timestamp.encode() + b"." + request.body
        if not any_offered_matches(signatures, secrets_in_force(credentials, "client_secret"), signed, "sha256",
                                   "hex", case_insensitive=True):
            raise SignatureInvalid("TikTok-Signature wrong")

    def normalize(self, request: WebhookRequest, set_aside: SetAside | None = None) -> list[CanonicalPost]:
        # one post per delivery: a bad one is the whole delivery, which the caller sets aside
        payload = an_object(request.json_body(), "body")
        event = payload.get("event")
        if not isinstance(event, str):
            raise BadRequest("event missing")
        content = self._content(payload.get("content"))
        if not event.startswith(POST_EVENTS):
            return []  # authorization and portability events: acknowledged, not posts
        # video.publish.completed (Video Kit) names the video by share_id; Content Posting by publish_id/post_id
        post_id = an_id(content.get("post_id") or content.get("publish_id") or content.get("share_id"),
                        "content.post_id")
        return [CanonicalPost(
            platform=PLATFORM, post_id=post_id or "", kind="post",
            author=Author(PLATFORM, an_id(payload.get("user_openid"), "user_openid")),
            text=text_of(content.get("text") or content.get("title")),
            created_at=parse_time(payload.get("create_time")),
            url=f"https://www.tiktok.com/@/video/{quote(post_id or '', safe='')}" if content.get("post_id") else None,
            source=PLATFORM, account=an_id(payload.get("client_key"), "client_key", required=False))]

    @staticmethod
    def _content(raw: Any) -> dict[str, Any]:
        if raw is None or raw == "":
            return {}
        if not isinstance(raw, str):
            raise BadRequest("content must be a JSON string")
        try:
            return an_object(json.loads(raw), "content")
        except ValueError:
            raise BadRequest("content is not valid JSON") from None


ADAPTER = TikTokAdapter()
