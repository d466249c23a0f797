"""ContactLookupFunction: Amazon Connect contact-flow lookup of the caller's social context.

Imports only the light lookup path (no PynamoDB, requests or pydantic) for a fast cold start.
"""

from aws_lambda_powertools.metrics import MetricUnit

from socialcrm.config import optional, phone_region, positive_int, required
from socialcrm.lookup import card_reader, channel_signals, lookup_contact, not_found, screen_pop_linker, utc_now
from socialcrm.observability import logger, metrics

_settings: dict = {}


def settings() -> dict:
    if not _settings:
        _settings.update(
            read_card=card_reader(required("CARDS_TABLE")),
            lookback_days=positive_int("LOOKBACK_DAYS", 7),
            default_region=phone_region(),
            screen_pop=screen_pop_linker(optional("AGENT_PAGE_BASE_URL", "")),
            retention_days=positive_int("RETENTION_DAYS", 365),
        )
    return _settings


# No Tracer here: the X-Ray SDK costs this hot path most of its cold start (docs/contact-centre.md);
# Lambda's active tracing still records the invocation.
@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context) -> dict:
    now = utc_now()
    try:
        answer = lookup_contact(event, now=now, **settings())
    except Exception:  # never send the caller down the flow's error branch
        logger.exception("lookup failed")
        answer = not_found("internal_error")
    metrics.add_dimension(name="outcome", value="found" if answer["found"] == "true" else answer["reason"])
    metrics.add_metric(name="Lookups", unit=MetricUnit.Count, value=1)
    for name, value in channel_signals(answer, now).items():  # channel switching (docs/metrics.md)
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("lookup answered", extra={"found": answer["found"], "reason": answer.get("reason", "")})
    return answer
