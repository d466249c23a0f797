"""ReplyFunction: answer a captured post as the brand, approve a held reply, read replies (IAM-authorized routes)."""

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.errors import SocialCrmError
from socialcrm.observability import logger, tracer
from socialcrm.replies.api import handle

# No custom metric: the counts are in the log lines below (docs/metrics.md, "Operational counts").


def answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "body": json.dumps(body),
            "headers": {"content-type": "application/json", "cache-control": "no-store"}}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
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
