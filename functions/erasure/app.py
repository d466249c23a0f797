"""ErasureFunction: {"customer_id": "..."} or {"platform": "...", "user_id"|"handle": "..."} -> a receipt."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.erasure import erase
from socialcrm.errors import InvalidRecord
from socialcrm.observability import logger, tracer


# No custom metric: the counts are in the log line below (docs/metrics.md, "Operational counts").
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        receipt = erase(event, wiring.erasure_deps())
    except InvalidRecord as error:
        return {"error": error.message}
    logger.info("erasure done", extra={"counts": receipt.counts})  # counts only: no identifiers
    return {"erased": receipt.subject, "counts": receipt.counts, "total": receipt.total}
