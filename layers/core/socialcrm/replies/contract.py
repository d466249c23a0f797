"""The contract between the reply use case (socialcrm.replies) and the platform publishers
(socialcrm.reply_platforms): what to publish, where, and what came of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal, Protocol

ReplyKind = Literal["comment_reply", "message", "mention_reply", "review_reply"]
REPLY_KINDS: tuple[ReplyKind, ...] = ("comment_reply", "message", "mention_reply", "review_reply")
PUBLIC_KINDS: frozenset[ReplyKind] = frozenset({"comment_reply", "mention_reply", "review_reply"})


@dataclass(frozen=True)
class ReplyTarget:
    """Where the answer goes, in the platform's own ids."""

    platform: str
    kind: ReplyKind
    post_id: str  # the platform's id of the comment, message, mention or review being answered
    account: str  # our official account the reply is published as (page, IG user, WA phone number id, org, ...)
    recipient: str | None = None  # the customer's platform user id, for direct messages
    conversation: str | None = None  # the platform's thread id, where it has one


@dataclass(frozen=True)
class TemplateMessage:
    """An approved message template (WhatsApp outside its customer-service window)."""

    name: str
    language: str
    parameters: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplyRequest:
    reply_id: str  # idempotency key: the same for every resubmission of one answer
    target: ReplyTarget
    text: str
    message_tag: str | None = None  # e.g. Meta's HUMAN_AGENT, when the standard window has closed
    template: TemplateMessage | None = None


@dataclass(frozen=True)
class Published:
    platform_id: str  # the platform's id of what was published
    published_at: str  # ISO 8601, UTC
    note: str = ""  # what an operator must know although it went out (a rotated token not stored), else ""


@dataclass(frozen=True)
class WindowRule:
    """How long after the customer's last message a platform lets the brand write to them."""

    standard: timedelta
    tag: str | None = None  # the message tag that extends it, if the platform has one
    tagged: timedelta | None = None  # how long the tag allows
    template_outside: bool = False  # outside every window, an approved template may still be sent


class PublishRefused(Exception):
    """The platform (or its rules, checked before sending) will not take this reply; resending will not help."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PublishFailed(Exception):
    """The platform did not take the reply and nothing was published; the reply may be sent again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OutcomeUnknown(Exception):
    """The request may have reached the platform (a timeout or a dropped connection after sending):
    it must not be sent again before `find_published` has looked."""


@dataclass(frozen=True)
class Capabilities:
    kinds: frozenset[ReplyKind] = field(default_factory=frozenset)
    can_find_published: bool = False  # whether an unknown outcome can be settled by asking the platform


class ReplyPublisher(Protocol):
    platform: str
    capabilities: Capabilities

    def window(self, target: ReplyTarget) -> WindowRule | None:
        """The messaging window that applies to this target, or None where the platform has none."""
        ...

    def publish(self, request: ReplyRequest) -> Published:
        """Publish once. Raises PublishRefused, PublishFailed or OutcomeUnknown."""
        ...

    def find_published(self, request: ReplyRequest) -> Published | None:
        """After OutcomeUnknown: what our account published for this request, if the platform shows it."""
        ...
