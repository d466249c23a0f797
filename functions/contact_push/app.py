"""ContactPushFunction: consumes the push queue and delivers each push (partial batch response)."""

import logging
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.observability import logger, tracer
from socialcrm.push import deliver_push

# A failed record is reported back to the queue and logged as a warning with its exception (masked) and, when
# Lambda gives one, its trace id: errors are always in the logs, whether or not the invocation is traced.
batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False,  # report, do not raise
                       logger=logging.getLogger(logger.name))
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


# No custom metric: each push's outcome is in its log line; failures reach PushDeadLetterQueue and its alarm.
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    invocation["context"] = context
    return process_partial_response(event=event, record_handler=handle_record, processor=batch, context=context)
