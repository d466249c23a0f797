"""ProcessorFunction: consumes the ingest queue a batch at a time; a post that fails is retried alone (partial
batch response)."""

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.model import CanonicalPost
from socialcrm.observability import logger, metrics, tracer
from socialcrm.processing import Delivery, process_batch


def read_records(records: list[dict[str, Any]]) -> tuple[list[Delivery], list[str]]:
    """The deliveries of the batch, and the message ids of the records that are not a post."""
    deliveries, unreadable = [], []
    for record in records:
        try:
            deliveries.append(Delivery(CanonicalPost.from_message(json.loads(record["body"])), record["messageId"]))
        except Exception:  # a poison message fails alone
            logger.exception("unreadable message", extra={"message_id": record.get("messageId")})
            unreadable.append(str(record.get("messageId")))
    return deliveries, unreadable


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
    records = event.get("Records") or []
    metrics.add_metric(name="IngestRecords", unit=MetricUnit.Count, value=len(records))
    deliveries, failed = read_records(records)
    for delivery, result in zip(deliveries, process_batch(deliveries, wiring.processor_deps()), strict=True):
        post = delivery.post
        if isinstance(result, Exception):
            logger.error("post failed", exc_info=result, extra={"post_platform": post.platform, "kind": post.kind,
                                                                "message_id": delivery.delivery})
            failed.append(delivery.delivery)
            continue
        logger.info("post processed", extra={"post_platform": post.platform, "kind": post.kind,
                                             "outcome": result.status, "matched": result.matched})
        with single_metric(name="PostsProcessed", unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="platform", value=post.platform)
            metric.add_dimension(name="kind", value=post.kind)
            metric.add_dimension(name="outcome", value=result.status)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
