"""The parts every publisher has in common: which kinds it answers, the time stamp of what it published, and the
answer of a platform that cannot list what we published."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from socialcrm.replies.contract import (
    Capabilities,
    OutcomeUnknown,
    Published,
    PublishFailed,
    PublishRefused,
    ReplyKind,
    ReplyRequest,
    ReplyTarget,
    WindowRule,
)
from socialcrm.reply_platforms.http import Client

Clock = Callable[[], datetime]
_NO_TEMPLATES = WindowRule(standard=timedelta(0))


WITHHELD = "[the reply's text]"
ECHO_PREFIX = 16  # a reason holding this many leading characters of the reply is cut there


def withheld(reason: str, text: str) -> str:
    """`reason` without the reply's text (whole, or a cut-off start of it)."""
    stripped = text.strip()
    if not stripped:
        return reason
    if stripped in reason:
        return reason.replace(stripped, WITHHELD)
    start = reason.find(stripped[:ECHO_PREFIX]) if len(stripped) >= ECHO_PREFIX else -1
    return reason if start < 0 else reason[:start] + WITHHELD


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def platform_time(value: Any, fallback: datetime) -> str:
    """A platform's creation time (ISO 8601 with Z or an offset, or Meta's +0000) as ISO 8601 UTC."""
    if isinstance(value, str) and value:
        text = value.replace("Z", "+00:00")
        if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
            text = f"{text[:-2]}:{text[-2:]}"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return iso(fallback)
        return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return iso(fallback)


@dataclass
class PublisherBase:
    platform: str
    capabilities: Capabilities
    windows: dict[ReplyKind, WindowRule]
    clock: Clock

    def window(self, target: ReplyTarget) -> WindowRule | None:
        return self.windows.get(target.kind)

    def accept(self, request: ReplyRequest) -> None:
        """Refuse before sending what this publisher cannot do."""
        target = request.target
        if target.platform != self.platform:
            raise PublishRefused(f"a {target.platform} reply was handed to the {self.platform} publisher")
        if target.kind not in self.capabilities.kinds:
            kinds = ", ".join(sorted(self.capabilities.kinds)) or "nothing"
            raise PublishRefused(f"{self.platform} cannot publish a {target.kind}; it answers {kinds}")
        if not request.text.strip() and request.template is None:
            raise PublishRefused("the reply is empty")
        if request.template is not None and not self.windows.get(target.kind, _NO_TEMPLATES).template_outside:
            raise PublishRefused(f"{self.platform} has no message templates")

    def publish(self, request: ReplyRequest) -> Published:
        """Refuse what cannot be done before sending, send once, and keep the reply's text out of any reason a
        platform gives (some echo what they were sent)."""
        self.accept(request)
        try:
            return self.send(request)
        except (PublishRefused, PublishFailed, OutcomeUnknown) as error:
            reason = str(error)
            cleaned = withheld(reason, request.text)
            if cleaned == reason:
                raise
            raise type(error)(cleaned) from None

    def send(self, request: ReplyRequest) -> Published:
        raise NotImplementedError

    def published(self, platform_id: Any, when: Any = None) -> Published:
        """What was published, with what an operator must know about it (its client's auth: a rotated refresh
        token that could not be stored)."""
        if not isinstance(platform_id, (str, int)) or str(platform_id) == "":
            raise OutcomeUnknown(f"{self.platform} accepted the reply without saying its id")
        client = getattr(self, "client", None)
        note = client.caveat() if isinstance(client, Client) else ""
        return Published(str(platform_id), platform_time(when, self.clock()), note)

    def cannot_list(self) -> Published | None:
        raise OutcomeUnknown(f"{self.platform} cannot list what we published: the reply must not be sent again; "
                             "check on the platform")

