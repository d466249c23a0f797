"""The webhook's domain service: handshake, or verify -> normalize -> enqueue. Nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from socialcrm.errors import SocialCrmError, http_status_of
from socialcrm.observability import logger
from socialcrm.platforms import get_adapter
from socialcrm.platforms.base import BAD_ENTRY_ERRORS, WebhookRequest, WebhookResponse
from socialcrm.ports import IngestQueue, SecretStore, SetAsideStore

WebhookOutcome = Literal["accepted", "handshake", "MethodNotAllowed"]


@dataclass(frozen=True)
class WebhookResult:
    response: WebhookResponse  # the answer for the platform
    outcome: WebhookOutcome  # a verified delivery, a subscription check answered, or a method we do not take
    accepted: int = 0  # posts enqueued
    set_aside: int = 0  # entries set aside (kept in the set-aside store with their reasons)


def handle_webhook(platform: str, request: WebhookRequest, secrets: SecretStore, queue: IngestQueue,
                   set_aside_store: Callable[[], SetAsideStore]) -> WebhookResult:
    """The answer for the platform, what the request was, how many posts were enqueued and how many entries
    were set aside.

    After the signature verified, one bad entry never costs the good ones: it is set aside (the raw body and
    the reason, in `set_aside_store()`) and counted, and the platform gets a 2xx, since a retry would fail again.
    """
    adapter = get_adapter(platform)
    if request.method not in ("GET", "POST"):
        return WebhookResult(WebhookResponse(405, json.dumps({"error": "method not allowed"})), "MethodNotAllowed")
    credentials = secrets.platform_credentials(getattr(adapter, "credentials_name", platform))
    if request.method == "GET":
        return WebhookResult(adapter.handshake(request, credentials), "handshake")
    adapter.verify(request, credentials)  # before the body is even parsed
    reasons: list[dict[str, str]] = []
    try:
        posts = adapter.normalize(request, lambda where, error: reasons.append(reason_of(where, error)))
    except BAD_ENTRY_ERRORS as error:  # the delivery as a whole is unreadable
        posts, reasons = [], [reason_of("body", error)]
    unsent = (queue.send_posts(posts) if posts else None) or []
    reasons += [{"where": post.key.text, "error": "Unsendable", "detail": why} for post, why in unsent]
    answer = {"accepted": len(posts) - len(unsent)}
    if reasons:
        set_aside(platform, request.body, reasons, set_aside_store())
        answer["set_aside"] = len(reasons)
    return WebhookResult(WebhookResponse(200, json.dumps(answer)), "accepted", answer["accepted"], len(reasons))


def reason_of(where: str, error: BaseException) -> dict[str, str]:
    """Why an entry was set aside, for the operator who reads the stored object (never logged)."""
    detail = error.message if isinstance(error, SocialCrmError) else str(error)
    return {"where": where, "error": type(error).__name__, "detail": detail[:300]}


def set_aside(platform: str, body: bytes, reasons: list[dict[str, str]], store: SetAsideStore) -> None:
    """Keep the delivery (the handler counts its bad entries); a failure to store raises, so the platform retries."""
    key = store.keep(platform, body, reasons)
    logger.warning("delivery set aside", extra={"platform": platform, "key": key,
                                                "errors": sorted({reason["error"] for reason in reasons})})


def error_response(error: Exception) -> WebhookResponse:
    """The one place where errors become HTTP answers: typed errors say what, others say nothing."""
    status = http_status_of(error)
    message = error.message if isinstance(error, SocialCrmError) and status < 500 else "internal error"
    return WebhookResponse(status, json.dumps({"error": message}))
