"""CustomerSyncFunction: upserts CRM customer records; bad records are rejected one by one, unusable entries
(a phone, an email, a social account) are dropped with a warning and the rest of the record is kept."""

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.customers import sync_customers
from socialcrm.errors import InvalidRecord
from socialcrm.observability import logger, tracer


# No custom metric: the counts are in the log line below (docs/metrics.md, "Operational counts").
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    records = event.get("customers") if isinstance(event, dict) else None
    try:
        result = sync_customers(records, wiring.sync_deps())
    except InvalidRecord as error:
        return {"upserted": 0, "rejected": [{"index": None, "error": error.message}], "warnings": []}
    logger.info("customers synced", extra={"upserted": result.upserted, "rejected": len(result.rejected),
                                           "dropped": len(result.warnings)})
    return {"upserted": result.upserted, "rejected": [asdict(rejected) for rejected in result.rejected],
            "warnings": [asdict(dropped) for dropped in result.warnings]}
