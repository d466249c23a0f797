"""ProcessorFunction: consumes the ingest queue; each post is processed on its own (partial batch response)."""

import json
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.model import CanonicalPost
from socialcrm.observability import logger, metrics, tracer
from socialcrm.processing import process_post

batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)  # report, do not raise


@tracer.capture_method(capture_response=False, capture_error=False)
def handle_record(record: SQSRecord) -> None:
    post = CanonicalPost.from_message(json.loads(record.body))
    outcome = process_post(post, wiring.processor_deps())
    logger.info("post processed", extra={"post_platform": post.platform, "kind": post.kind,
                                         "outcome": outcome.status, "matched": outcome.matched})
    with single_metric(name="PostsProcessed", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="platform", value=post.platform)
        metric.add_dimension(name="kind", value=post.kind)
        metric.add_dimension(name="outcome", value=outcome.status)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    metrics.add_metric(name="IngestRecords", unit=MetricUnit.Count, value=len(event.get("Records") or []))
    return process_partial_response(event=event, record_handler=handle_record, processor=batch, context=context)
