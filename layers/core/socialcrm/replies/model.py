"""A reply and its governance record: who asked for it, who approved it, what the platform published.

Reply ids are the idempotency key. A client (the page, an API caller) may supply one; without it the id is derived
from the post key, the sender's identity and the text (`derived_reply_id`), so an agent who submits the same
answer twice gets the same id, and two agents, or two different answers, get different ones.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any, Literal

from socialcrm.errors import BadRequest
from socialcrm.model import PostKey
from socialcrm.replies.contract import REPLY_KINDS, ReplyKind, ReplyRequest, ReplyTarget, TemplateMessage

# held: waiting for a second person's approval (why: `reason`) | sending: claimed, the request is going out |
# sent: published (platform_id) | failed: nothing was published, it may be sent again | unknown: the request may
# have been published; never resent before the platform has been asked | refused: will not be published (why)
ReplyStatus = Literal["held", "sending", "sent", "failed", "unknown", "refused"]
REPLY_STATUSES: tuple[ReplyStatus, ...] = ("held", "sending", "sent", "failed", "unknown", "refused")
SenderVia = Literal["iam", "page"]

MAX_TEXT = 4000
_REPLY_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True)
class Sender:
    """Who asks: `principal` is the IAM principal ARN (via "iam", verified by API Gateway's SigV4 check) or the
    agent's Connect user (via "page", as verified as the page's signed link makes it: docs/replies.md)."""

    principal: str
    via: SenderVia

    def __post_init__(self) -> None:
        if not self.principal or len(self.principal) > 2048 or any(ord(c) < 0x20 for c in self.principal):
            raise BadRequest("a reply needs an authenticated sender")

    @property
    def label(self) -> str:
        return f"{self.via}:{self.principal}"


def clean_text(text: object) -> str:
    """The reply's text: a string, at most MAX_TEXT characters, without control characters other than newlines."""
    if not isinstance(text, str):
        raise BadRequest("a reply's text is a string")
    cleaned = "".join(ch for ch in unicodedata.normalize("NFC", text)
                      if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))
    cleaned = cleaned.strip()
    if not cleaned:
        raise BadRequest("a reply needs some text")
    if len(cleaned) > MAX_TEXT:
        raise BadRequest(f"a reply is at most {MAX_TEXT} characters")
    return cleaned


def checked_reply_id(value: object) -> str:
    if not isinstance(value, str) or not _REPLY_ID.match(value):
        raise BadRequest("reply_id: 8 to 64 letters, digits, '-' or '_'")
    return value


def derived_reply_id(post_key: PostKey, sender: Sender, text: str) -> str:
    """Stable across one sender's resubmissions of one answer to one post."""
    digest = hashlib.sha256("\n".join((post_key.text, sender.label, text)).encode()).hexdigest()
    return f"r-{digest[:40]}"


@dataclass(frozen=True)
class ReplyRecord:
    """The governance record of one reply (RepliesTable `REPLY#<reply id>`)."""

    reply_id: str
    post_key: PostKey
    target: ReplyTarget
    text: str
    status: ReplyStatus
    sender: str  # Sender.label
    submitted_at: str
    updated_at: str
    reason: str = ""  # why it is held, refused, failed or unknown
    customer_id: str | None = None  # the answered post's customer, for erasure
    approved_by: str | None = None
    approved_at: str | None = None
    platform_id: str | None = None  # the platform's id of what was published
    published_at: str | None = None
    message_tag: str | None = None
    template: TemplateMessage | None = None
    expires_at: int | None = None  # TTL: the answered post's retention

    @property
    def request(self) -> ReplyRequest:
        return ReplyRequest(self.reply_id, self.target, self.text, self.message_tag, self.template)

    @property
    def public(self) -> bool:
        from socialcrm.replies.contract import PUBLIC_KINDS

        return self.target.kind in PUBLIC_KINDS

    def moved(self, status: ReplyStatus, at: str, **changes: Any) -> ReplyRecord:
        return replace(self, status=status, updated_at=at, **changes)

    def summary(self) -> dict[str, Any]:
        """What the page and the API show of a reply (no recipient ids)."""
        return {
            "reply_id": self.reply_id, "post_key": self.post_key.text, "platform": self.target.platform,
            "kind": self.target.kind, "account": self.target.account, "status": self.status, "reason": self.reason,
            "text": self.text, "sender": self.sender, "submitted_at": self.submitted_at,
            "approved_by": self.approved_by or "", "approved_at": self.approved_at or "",
            "platform_id": self.platform_id or "", "published_at": self.published_at or "",
            "message_tag": self.message_tag or "", "template": self.template.name if self.template else "",
        }


def status_of(value: str) -> ReplyStatus:
    for status in REPLY_STATUSES:
        if status == value:
            return status
    raise ValueError(f"unknown reply status {value!r}")


def reply_kind_of(value: str) -> ReplyKind:
    for kind in REPLY_KINDS:
        if kind == value:
            return kind
    raise BadRequest(f"unknown reply kind {value!r}")


@dataclass(frozen=True)
class PublishedReply:
    """What the processor needs to recognise a reply's echo: which reply it is and which post it answered."""

    reply_id: str
    answered: PostKey
    customer_id: str | None = None
