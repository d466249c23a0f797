"""ReplyFunction: answer a captured post as the brand, approve a held reply, read replies (IAM-authorized routes);
and the screen-pop page's reply box, invoked by AgentPageFunction with the form it checked (socialcrm.replies.box)."""

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.errors import SocialCrmError
from socialcrm.observability import logger, tracer
from socialcrm.replies.api import handle
from socialcrm.replies.box import answer_box, is_box_request

# No custom metric: the counts are in the log lines below (docs/metrics.md, "Operational counts").


def answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "body": json.dumps(body),
            "headers": {"content-type": "application/json", "cache-control": "no-store"}}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if is_box_request(event):
        return reply_box(event)
    route = str(event.get("routeKey") or "") if isinstance(event, dict) else ""
    try:
        body = handle(event, wiring.reply_deps())
    except SocialCrmError as error:
        if error.http_status >= 500:
            raise
        logger.info("reply request refused", extra={"route": route, "status": error.http_status})
        return answer(error.http_status, {"error": error.message})
    status = str(body.get("status") or "listed")
    logger.info("reply request", extra={"route": route, "reply_status": status})  # never text or recipients
    return answer(200, body)


def reply_box(request: dict[str, Any]) -> dict[str, Any]:
    """The page's reply box (Lambda Invoke from AgentPageFunction): a malformed request is an answer with its
    `error` and no outlook, which the page shows as unavailable."""
    action = str(request.get("reply_box"))[:16]
    try:
        body = answer_box(request, wiring.reply_deps())
    except SocialCrmError as error:
        if error.http_status >= 500:
            raise
        logger.info("reply box request refused", extra={"action": action, "status": error.http_status})
        return {"error": error.message}
    result = body["result"] or {}
    logger.info("reply box request", extra={"action": action, "reply_status": result.get("status", "")})
    return body
