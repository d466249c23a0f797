"""LinkedIn organization social action notifications.

Validation: GET ?challengeCode=C -> {"challengeCode": C, "challengeResponse": hex HMAC-SHA256(client secret, C)},
only for a C that is a UUID (the validation must not sign a delivery body for anyone who asks).
Signature: X-LI-Signature: hmacsha256=<hex HMAC-SHA256(client secret, raw body)>. LinkedIn's text
("the JSON-encoded string representation of the POST body") is ambiguous; like every verifier here
we hash the raw bytes as received and never re-serialize (docs/platforms.md).
Redeliveries carry the same notificationId; the post id is the comment or share URN, so a
redelivered notification is the same post and an edit or delete reaches the stored one.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from socialcrm.errors import BadRequest, SignatureInvalid
from socialcrm.model import Author, CanonicalPost, parse_time
from socialcrm.platforms.base import Entries, SetAside, WebhookRequest, WebhookResponse
from socialcrm.platforms.shapes import an_id, an_object, object_or_empty, optional_str, text_of
from socialcrm.platforms.signing import digest, encoded, matches_any, secrets_in_force, with_rotation

PLATFORM = "linkedin"
# LinkedIn's challengeCode is a UUID (Microsoft's webhook-validation docs). Only that is answered: the answer
# is the signature a POST of that body would carry.
CHALLENGE_CODE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ACTIONS = {
    "COMMENT": ("comment", "add"), "ADMIN_COMMENT": ("comment", "add"), "COMMENT_EDIT": ("comment", "edit"),
    "COMMENT_DELETE": ("comment", "remove"), "SHARE": ("post", "add"), "SHARE_MENTION": ("mention", "add"),
    "LIKE": ("reaction", "add"),
}


class LinkedInAdapter:
    name = PLATFORM
    credentials_name = PLATFORM
    secret_keys = with_rotation("client_secret")  # every key read from its PlatformSecret section

    def handshake(self, request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
        code = request.query.get("challengeCode", "")
        if not CHALLENGE_CODE.fullmatch(code):
            raise BadRequest("challengeCode missing or not a UUID")
        secret = secrets_in_force(credentials, "client_secret")[0]
        answer = encoded(digest(secret, code.encode()), "hex")
        return WebhookResponse(200, json.dumps({"challengeCode": code, "challengeResponse": answer}))

    def verify(self, request: WebhookRequest, credentials: dict[str, str]) -> None:
        header = request.header("x-li-signature") or ""
        if not header.startswith("hmacsha256=") or not matches_any(
                header.removeprefix("hmacsha256="), secrets_in_force(credentials, "client_secret"),
                request.body, "sha256", "hex", case_insensitive=True):
            raise SignatureInvalid("X-LI-Signature missing or wrong")

    def normalize(self, request: WebhookRequest, set_aside: SetAside | None = None) -> list[CanonicalPost]:
        payload = an_object(request.json_body(), "body")
        notifications = payload.get("notifications")
        if not isinstance(notifications, list):
            raise BadRequest("body must hold a notifications list")
        accepted = Entries(set_aside)
        for index, notification in enumerate(notifications):
            with accepted.entry(f"notifications[{index}]") as posts:
                post = self._notification(an_object(notification, f"notifications[{index}]"),
                                          f"notifications[{index}]")
                if post is not None:
                    posts.append(post)
        return accepted.posts

    @staticmethod
    def _notification(item: dict[str, Any], where: str) -> CanonicalPost | None:
        action = ACTIONS.get(str(item.get("action")))
        if action is None:
            return None
        kind, verb = action
        notification_id = an_id(item.get("notificationId"), f"{where}.notificationId")
        decorated = object_or_empty(item.get("decoratedGeneratedActivity"))
        detail = next((v for v in (decorated.get("comment"), decorated.get("share")) if isinstance(v, dict)), {})
        activity = an_id(item.get("generatedActivity"), f"{where}.generatedActivity", required=False)
        post_id = activity or f"notification:{notification_id}"
        actor = an_id(detail.get("owner") or item.get("actor"), f"{where}.actor", required=False)
        source_post = an_id(item.get("sourcePost"), f"{where}.sourcePost", required=False)
        return CanonicalPost(
            platform=PLATFORM, post_id=post_id, kind=kind,
            author=Author(PLATFORM, actor, None, optional_str(detail.get("ownerName"))),
            text=text_of(detail.get("text")), created_at=parse_time(item.get("lastModifiedAt")),
            url=f"https://www.linkedin.com/feed/update/{quote(source_post, safe=':')}" if source_post else None,
            reply_to=source_post,
            source=PLATFORM, verb=verb,
            account=an_id(item.get("organizationalEntity"), f"{where}.organizationalEntity", required=False))


ADAPTER = LinkedInAdapter()
