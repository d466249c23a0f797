"""ContactLookupFunction: Amazon Connect contact-flow lookup of the caller's social context.

Imports only the light lookup path (no PynamoDB, requests or pydantic) for a fast cold start.
"""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.lookup import channel_signals, lookup_contact, not_found, utc_now
from socialcrm.observability import logger, metrics


# No Tracer here: the X-Ray SDK costs this hot path most of its cold start (docs/contact-centre.md);
# with FunctionTracing=Active, Lambda still records the invocation (docs/cost.md, "Tracing").
@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, str]:
    now = utc_now()
    try:
        deps = wiring.lookup_deps()
        answer = lookup_contact(event, deps.read_card, now=now, lookback_days=deps.lookback_days,
                                default_region=deps.default_region, screen_pop=deps.screen_pop,
                                retention_days=deps.retention_days)
    except Exception:  # never send the caller down the flow's error branch
        logger.exception("lookup failed")
        answer = not_found("internal_error")
    # Only what is read (metric_catalogue.EMITTED): calls for the rollup, errors for LookupErrorAlarm, and the
    # channel-switching signals of a call that found a card; the reason of any other outcome is in the log line.
    metrics.add_metric(name="Lookups", unit=MetricUnit.Count, value=1)
    if answer.get("reason") == "internal_error":
        metrics.add_metric(name="LookupErrors", unit=MetricUnit.Count, value=1)
    if answer["found"] == "true":
        for name, value in channel_signals(answer, now).items():  # channel switching (docs/metrics.md)
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("lookup answered", extra={"found": answer["found"], "reason": answer.get("reason", "")})
    return answer
