"""ProcessorFunction: consumes the ingest queue a batch at a time; a post that fails is retried alone (partial
batch response)."""

import json
from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.model import CanonicalPost
from socialcrm.observability import logger, tracer
from socialcrm.processing import Delivery, process_batch


def read_records(records: list[dict[str, Any]]) -> tuple[list[Delivery], list[str]]:
    """The deliveries of the batch, and the message ids of the records that are not a post."""
    deliveries, unreadable = [], []
    for record in records:
        try:
            deliveries.append(Delivery(CanonicalPost.from_message(json.loads(record["body"])), record["messageId"]))
        except Exception:  # a poison message fails alone
            logger.warning("record failed", exc_info=True, extra={"message_id": record.get("messageId")})
            unreadable.append(str(record.get("messageId")))
    return deliveries, unreadable


# One log line per batch, no custom metric: posts by platform, kind and outcome are the rollup's counters
# (docs/metrics.md). A record that fails is logged as a warning with its exception (errors are always in the logs,
# whether or not the invocation is traced) and retried by the queue.
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
    records = event.get("Records") or []
    deliveries, failed = read_records(records)
    outcomes: Counter[str] = Counter()
    for delivery, result in zip(deliveries, process_batch(deliveries, wiring.processor_deps()), strict=True):
        if isinstance(result, Exception):
            logger.warning("record failed", exc_info=result, extra={"message_id": delivery.delivery})
            failed.append(delivery.delivery)
            continue
        outcomes[result.status] += 1
        outcomes["matched"] += result.matched
    logger.info("batch processed", extra={"records": len(records), "failed": len(failed), "outcomes": dict(outcomes)})
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
