"""The webhook's domain service: handshake, or verify -> normalize -> enqueue. Nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import NamedTuple

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from socialcrm.errors import SocialCrmError, http_status_of
from socialcrm.observability import logger
from socialcrm.platforms import get_adapter, metric_platform
from socialcrm.platforms.base import BAD_ENTRY_ERRORS, WebhookRequest, WebhookResponse
from socialcrm.ports import IngestQueue, SecretStore, SetAsideStore


class WebhookResult(NamedTuple):
    response: WebhookResponse  # the answer for the platform
    accepted: int  # posts enqueued
    outcome: str  # "accepted" (a verified delivery), "handshake" (a subscription check answered), "MethodNotAllowed"


def handle_webhook(platform: str, request: WebhookRequest, secrets: SecretStore, queue: IngestQueue,
                   set_aside_store: Callable[[], SetAsideStore]) -> WebhookResult:
    """The answer for the platform, how many posts were enqueued, and what the request was.

    After the signature verified, one bad entry never costs the good ones: it is set aside (the raw body and
    the reason, in `set_aside_store()`) and counted, and the platform gets a 2xx, since a retry would fail again.
    """
    adapter = get_adapter(platform)
    if request.method not in ("GET", "POST"):
        return WebhookResult(WebhookResponse(405, json.dumps({"error": "method not allowed"})), 0, "MethodNotAllowed")
    credentials = secrets.platform_credentials(getattr(adapter, "credentials_name", platform))
    if request.method == "GET":
        return WebhookResult(adapter.handshake(request, credentials), 0, "handshake")
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
    return WebhookResult(WebhookResponse(200, json.dumps(answer)), answer["accepted"], "accepted")


def reason_of(where: str, error: BaseException) -> dict[str, str]:
    """Why an entry was set aside, for the operator who reads the stored object (never logged)."""
    detail = error.message if isinstance(error, SocialCrmError) else str(error)
    return {"where": where, "error": type(error).__name__, "detail": detail[:300]}


def set_aside(platform: str, body: bytes, reasons: list[dict[str, str]], store: SetAsideStore) -> None:
    """Keep the delivery and count its bad entries; a failure to store raises, so the platform retries."""
    key = store.keep(platform, body, reasons)
    logger.warning("delivery set aside", extra={"platform": platform, "key": key,
                                                "errors": sorted({reason["error"] for reason in reasons})})
    with single_metric(name="EntriesSetAside", unit=MetricUnit.Count, value=len(reasons)) as metric:
        metric.add_dimension(name="platform", value=metric_platform(platform))


def error_response(error: Exception) -> WebhookResponse:
    """The one place where errors become HTTP answers: typed errors say what, others say nothing."""
    status = http_status_of(error)
    message = error.public_message if status >= 500 or not isinstance(error, SocialCrmError) else error.message
    if status >= 500:
        message = "internal error"
    return WebhookResponse(status, json.dumps({"error": message}))
