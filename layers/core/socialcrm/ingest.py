"""The webhook's domain service: handshake, or verify -> normalize -> enqueue. Nothing else."""

from __future__ import annotations

import json
from typing import NamedTuple

from socialcrm.errors import SocialCrmError, http_status_of
from socialcrm.platforms import get_adapter
from socialcrm.platforms.base import WebhookRequest, WebhookResponse
from socialcrm.ports import IngestQueue, SecretStore


class WebhookResult(NamedTuple):
    response: WebhookResponse  # the answer for the platform
    accepted: int  # posts enqueued
    outcome: str  # "accepted" (a verified delivery), "handshake" (a subscription check answered), "MethodNotAllowed"


def handle_webhook(platform: str, request: WebhookRequest, secrets: SecretStore, queue: IngestQueue
                   ) -> WebhookResult:
    adapter = get_adapter(platform)
    if request.method not in ("GET", "POST"):
        return WebhookResult(WebhookResponse(405, json.dumps({"error": "method not allowed"})), 0, "MethodNotAllowed")
    credentials = secrets.platform_credentials(getattr(adapter, "credentials_name", platform))
    if request.method == "GET":
        return WebhookResult(adapter.handshake(request, credentials), 0, "handshake")
    adapter.verify(request, credentials)  # before the body is even parsed
    posts = adapter.normalize(request)
    if posts:
        queue.send_posts(posts)
    return WebhookResult(WebhookResponse(200, json.dumps({"accepted": len(posts)})), len(posts), "accepted")


def error_response(error: Exception) -> WebhookResponse:
    """The one place where errors become HTTP answers: typed errors say what, others say nothing."""
    status = http_status_of(error)
    message = error.public_message if status >= 500 or not isinstance(error, SocialCrmError) else error.message
    if status >= 500:
        message = "internal error"
    return WebhookResponse(status, json.dumps({"error": message}))
