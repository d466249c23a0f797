"""WebhookFunction: GET handshake and POST deliveries of /webhooks/{platform} (HTTP API payload 2.0)."""

import base64
import binascii
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.errors import BadRequest, SignatureInvalid, SocialCrmError
from socialcrm.ingest import error_response, handle_webhook
from socialcrm.observability import logger, tracer
from socialcrm.platforms import GENERIC_PREFIX, metric_platform
from socialcrm.platforms.base import WebhookRequest

# The dependencies, by these names so a test can stand in for them.
secrets = wiring.platform_secrets
ingest_queue = wiring.ingest_queue
set_aside_store = wiring.set_aside_store


def count_signature_failure() -> None:
    """Alarmed on (SignatureFailureAlarm); single_metric adds only Powertools' service dimension."""
    with single_metric(name="SignatureFailures", unit=MetricUnit.Count, value=1):
        pass


def count_handshake() -> None:
    """Alarmed on (HandshakeBurstAlarm): platforms check a subscription a few times an hour at most."""
    with single_metric(name="Handshakes", unit=MetricUnit.Count, value=1):
        pass


def count_set_aside(entries: int) -> None:
    """Entries of a verified delivery kept in the set-aside bucket (the dashboard's webhook widget); which
    platform is in the warning logged and in the bucket's key."""
    with single_metric(name="EntriesSetAside", unit=MetricUnit.Count, value=entries):
        pass


def utf8_text(values: dict[str, Any], what: str) -> dict[str, Any]:
    """Headers or query parameters whose names and values are all UTF-8 text (a lone surrogate is not)."""
    try:
        for name, value in values.items():
            f"{name}{value}".encode()
    except UnicodeEncodeError:
        raise BadRequest(f"{what} are not UTF-8 text") from None
    return values


def parse_request(event: dict[str, Any]) -> WebhookRequest:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("body is not valid base64") from None
    else:
        try:
            raw = body.encode()
        except UnicodeEncodeError:
            raise BadRequest("body is not UTF-8 text") from None
    return WebhookRequest(
        method=event.get("requestContext", {}).get("http", {}).get("method", "").upper(),
        headers={k.lower(): v for k, v in utf8_text(event.get("headers") or {}, "headers").items()},
        query=dict(utf8_text(event.get("queryStringParameters") or {}, "query parameters")),
        body=raw,
    )


# Requests by route and status are in the HTTP API's access log, refusals in the warning below with their
# platform, posts by platform in the rollups. The only custom metrics here are the alarmed and charted ones above
# (metric_catalogue.EMITTED).
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    path = event.get("pathParameters") or {}
    platform = GENERIC_PREFIX + path["source"] if "source" in path else path.get("platform", "")
    try:
        result = handle_webhook(platform, parse_request(event), secrets(), ingest_queue(), set_aside_store)
        response = result.response
        if str(result.outcome) == "handshake":
            count_handshake()
        if result.set_aside:
            count_set_aside(result.set_aside)
    except SocialCrmError as error:
        response = error_response(error)
        logger.warning("webhook refused", extra={"status": response.status, "reason": type(error).__name__,
                                                 "post_platform": metric_platform(platform)})
        if isinstance(error, SignatureInvalid):
            count_signature_failure()
    return {"statusCode": response.status, "headers": {"content-type": response.content_type},
            "body": response.body}
