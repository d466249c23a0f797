"""ContactPushFunction: consumes the push queue and delivers each push (partial batch response)."""

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.observability import logger, metrics, tracer
from socialcrm.push import deliver_push

batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)  # report, do not raise
invocation: dict[str, LambdaContext] = {}


def seconds_left() -> float:
    context = invocation.get("context")
    return context.get_remaining_time_in_millis() / 1000 if context else 0.0


@tracer.capture_method(capture_response=False, capture_error=False)
def handle_record(record: SQSRecord) -> None:
    outcome = deliver_push(record.body, wiring.push_deps(), seconds_left)
    logger.info("push handled", extra={"message_id": record.message_id, "outcome": outcome.status,
                                       "attempts": outcome.attempts, "connector": outcome.connector,
                                       "reason": outcome.reason})
    with single_metric(name="PushesHandled", unit=MetricUnit.Count, value=1) as metric:
        metric.add_dimension(name="outcome", value=outcome.status)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    invocation["context"] = context
    metrics.add_metric(name="PushRecords", unit=MetricUnit.Count, value=len(event.get("Records") or []))
    return process_partial_response(event=event, record_handler=handle_record, processor=batch, context=context)
