"""ProcessorFunction: consumes the ingest queue; each post is processed on its own (partial batch response)."""

import json
import logging
from collections import Counter
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.model import CanonicalPost
from socialcrm.observability import logger, tracer
from socialcrm.processing import process_post

# A failed record is reported back to the queue and logged as a warning with its exception (masked) and, when
# Lambda gives one, its trace id: errors are always in the logs, whether or not the invocation is traced.
batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False,  # report, do not raise
                       logger=logging.getLogger(logger.name))
outcomes: Counter[str] = Counter()  # this invocation's outcomes, logged once for the batch


@tracer.capture_method(capture_response=False, capture_error=False)
def handle_record(record: SQSRecord) -> None:
    post = CanonicalPost.from_message(json.loads(record.body))
    outcome = process_post(post, wiring.processor_deps())
    outcomes[outcome.status] += 1
    outcomes["matched"] += outcome.matched


# One log line per batch, no custom metric: posts by platform, kind and outcome are the rollup's counters
# (docs/metrics.md); a record that fails is logged by the batch processor and retried by the queue.
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    outcomes.clear()
    answer = process_partial_response(event=event, record_handler=handle_record, processor=batch, context=context)
    logger.info("batch processed", extra={"records": len(event.get("Records") or []),
                                          "failed": len(answer.get("batchItemFailures", [])),
                                          "outcomes": dict(outcomes)})
    return answer
