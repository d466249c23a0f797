"""Whether a messaging window lets the brand write now: checked before sending, with a reason that says why not."""

from __future__ import annotations

from datetime import datetime, timedelta

from socialcrm.replies.contract import PublishRefused, ReplyRequest, WindowRule

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
HUMAN_AGENT = "HUMAN_AGENT"


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.0f} hours" if hours < 48 else f"{hours / 24:.0f} days"


def check_window(rule: WindowRule | None, request: ReplyRequest, last_inbound: datetime | None,
                 now: datetime) -> None:
    """Raise PublishRefused unless `rule` lets this request go out `now`, the customer having last written at
    `last_inbound` (None: never, as far as we know). No rule: no window applies."""
    if rule is None:
        return
    if request.message_tag and request.message_tag != rule.tag:
        raise PublishRefused(f"message tag {request.message_tag!r} is not accepted here"
                             + (f"; only {rule.tag}" if rule.tag else ""))
    if request.template is not None:
        if rule.template_outside:
            return
        raise PublishRefused("message templates are not used on this platform")
    if last_inbound is None:
        raise PublishRefused("the customer has not written to us, so no messaging window is open"
                             + ("; only an approved template may be sent" if rule.template_outside else ""))
    age = now - last_inbound
    if age <= rule.standard:
        return
    closed = f"the {_hours(rule.standard)} messaging window closed {_hours(age - rule.standard)} ago"
    if rule.tag and rule.tagged is not None:
        if request.message_tag == rule.tag and age <= rule.tagged:
            return
        if age <= rule.tagged:
            raise PublishRefused(f"{closed}; a person may still answer with the {rule.tag} tag until "
                                 f"{_hours(rule.tagged)} after the customer's last message")
        raise PublishRefused(f"{closed}, and the {rule.tag} tag's {_hours(rule.tagged)} have passed too")
    if rule.template_outside:
        raise PublishRefused(f"{closed}; outside it only an approved message template may be sent")
    raise PublishRefused(closed)
