"""AgentPageFunction: the screen-pop page, GET /agent/customers/{customer_id} and /agent/phones/{phone}."""

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.agent_page import page_for, page_target
from socialcrm.observability import logger


# No custom metric: pages served by status are in the HTTP API's access log.
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps, now = wiring.agent_page_deps(), int(time.time())
    path, key = page_target(event.get("pathParameters") or {}, deps.default_region)
    page = page_for(path, key, event.get("queryStringParameters") or {}, deps.keys.at(now).in_force(now),
                    now, deps.read_card, deps.retention_days)
    return {"statusCode": page.status, "body": page.html, "headers": {
        "content-type": "text/html; charset=utf-8", "content-security-policy": deps.content_security_policy,
        "cache-control": "no-store", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff"}}
