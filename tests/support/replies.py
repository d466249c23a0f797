"""Replies to publish in tests, and the retry path the reply use case takes after an unknown outcome."""

from __future__ import annotations

from socialcrm.replies.contract import (
    OutcomeUnknown,
    Published,
    ReplyKind,
    ReplyPublisher,
    ReplyRequest,
    ReplyTarget,
    TemplateMessage,
)

SHORT_TIMEOUT = (2.0, 0.3)  # the fakes stall longer than this to play "received, but no answer in time"
STALL_SECONDS = 0.8


def a_reply(platform: str, kind: ReplyKind, post_id: str, account: str, *, recipient: str | None = None,
            text: str = "Sorry about that, we are on it.", tag: str | None = None,
            template: TemplateMessage | None = None, reply_id: str = "reply-1",
            conversation: str | None = None) -> ReplyRequest:
    return ReplyRequest(reply_id, ReplyTarget(platform, kind, post_id, account, recipient, conversation), text,
                        message_tag=tag, template=template)


def publish_settled(publisher: ReplyPublisher, request: ReplyRequest) -> Published:
    """Publish; after an unknown outcome, ask the platform before anything else, and send again only when it
    says nothing was published (what the reply use case does with its idempotency record)."""
    try:
        return publisher.publish(request)
    except OutcomeUnknown:
        found = publisher.find_published(request)
        if found is not None:
            return found
        return publisher.publish(request)
