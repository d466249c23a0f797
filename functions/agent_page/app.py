"""AgentPageFunction: the screen-pop page, GET /agent/customers/{customer_id} and /agent/phones/{phone}, and its
reply form, POST to the same paths (docs/replies.md, "The page")."""

import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.agent_page import respond
from socialcrm.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps, now = wiring.agent_page_deps(), int(time.time())
    page = respond(event, deps.keys.at(now).in_force(now), now, deps.read_card, deps.default_region,
                   deps.retention_days, wiring.reply_deps)
    metrics.add_dimension(name="status", value=str(page.status))
    metrics.add_metric(name="ScreenPops", unit=MetricUnit.Count, value=1)
    return {"statusCode": page.status, "body": page.html, "headers": {
        "content-type": "text/html; charset=utf-8", "content-security-policy": deps.content_security_policy,
        "cache-control": "no-store", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff"}}
