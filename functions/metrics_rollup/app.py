"""MetricsRollupFunction: hourly schedule, or {"hour": "..."} to back-fill one hour."""

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.observability import logger, metrics, tracer
from socialcrm.rollup import hour_to_roll, roll_up


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    counters, publisher = wiring.rollup_deps()
    result = roll_up(hour_to_roll(event), counters, publisher)
    logger.info("rollup done", extra={"hour": result.hour, "figures": len(result.figures),
                                      "cloudwatch_requests": result.requests})
    metrics.add_metric(name="RollupFiguresPublished", unit=MetricUnit.Count, value=len(result.published))
    return result.as_dict()
