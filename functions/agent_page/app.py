"""AgentPageFunction: the screen-pop page, GET /agent/customers/{customer_id} and /agent/phones/{phone}."""

import time
from functools import cache

from aws_lambda_powertools.metrics import MetricUnit

from socialcrm import config
from socialcrm.agent_page import content_security_policy, page_for, page_target
from socialcrm.lookup import card_reader
from socialcrm.observability import logger, metrics
from socialcrm.screen_pop import CachedKeys


@cache
def settings() -> dict:
    from socialcrm.adapters.secrets import screen_pop_secret

    return {"read_card": card_reader(config.required("CARDS_TABLE")), "keys": CachedKeys(screen_pop_secret),
            "region": config.phone_region(), "retention_days": config.positive_int("RETENTION_DAYS", 365),
            "csp": content_security_policy(
                config.optional("AGENT_PAGE_FRAME_ANCESTORS", "'none'"))}


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    chosen, now = settings(), int(time.time())
    path, key = page_target(event.get("pathParameters") or {}, chosen["region"])
    page = page_for(path, key, event.get("queryStringParameters") or {}, chosen["keys"].at(now).in_force(now),
                    now, chosen["read_card"], chosen["retention_days"])
    metrics.add_dimension(name="status", value=str(page.status))
    metrics.add_metric(name="ScreenPops", unit=MetricUnit.Count, value=1)
    return {"statusCode": page.status, "body": page.html, "headers": {
        "content-type": "text/html; charset=utf-8", "content-security-policy": chosen["csp"],
        "cache-control": "no-store", "referrer-policy": "no-referrer", "x-content-type-options": "nosniff"}}
