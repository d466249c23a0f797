"""ErasureFunction: {"customer_id": "..."} or {"platform": "...", "user_id"|"handle": "..."} -> a receipt."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.erasure import erase
from socialcrm.errors import InvalidRecord
from socialcrm.observability import logger, metrics, tracer


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        receipt = erase(event, wiring.erasure_deps())
    except InvalidRecord as error:
        return {"error": error.message}
    logger.info("erasure done", extra={"counts": receipt.counts})  # counts only: no identifiers
    metrics.add_metric(name="Erasures", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ErasedItems", unit=MetricUnit.Count, value=receipt.total)
    return {"erased": receipt.subject, "counts": receipt.counts, "total": receipt.total}
