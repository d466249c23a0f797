"""AgentPageFunction: the screen-pop page, GET /agent/customers/{customer_id} and /agent/phones/{phone}, and its
reply form, POST to the same paths, checked here and published by ReplyFunction (docs/replies.md, "The page")."""

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import light_wiring
from socialcrm.agent_page import respond
from socialcrm.observability import logger


# No custom metric: pages served by status are in the HTTP API's access log.
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps, now = light_wiring.agent_page_deps(), int(time.time())
    page = respond(event, deps.keys.at(now).in_force(now), now, deps.read_card, deps.default_region,
                   deps.retention_days, deps.ask_reply_function)
    return {"statusCode": page.status, "body": page.html, "headers": {
        "content-type": "text/html; charset=utf-8", "content-security-policy": deps.content_security_policy,
        "cache-control": "no-store", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff"}}
