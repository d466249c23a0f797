"""MetricsRollupFunction: hourly and daily schedules, or {"hour": "..."} / {"day": "YYYY-MM-DD"} to back-fill."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.observability import logger, tracer
from socialcrm.rollup import roll_up_event


# The figures go to CloudWatch by PutMetricData (rollup.py); what was sent is in the log line below.
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    counters, publisher = wiring.rollup_deps()
    result = roll_up_event(event, wiring.utc_now(), counters, publisher, wiring.call_figures)
    logger.info("rollup done", extra={"period": result.hour, "figures": len(result.figures),
                                      "published": len(result.published), "cloudwatch_requests": result.requests})
    return {"hour": result.hour, "figures": result.figures, "published": result.published,
            "cloudwatch_requests": result.requests}
