"""ContactPushFunction: consumes the push queue a batch at a time and delivers each push (partial batch response)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.observability import logger, tracer
from socialcrm.push import deliver_pushes


# A failed record is reported back to the queue and logged as a warning with its exception (masked) and, when
# Lambda gives one, its trace id: errors are always in the logs, whether or not the invocation is traced.
# No custom metric: each push's outcome is in its log line; failures reach PushDeadLetterQueue and its alarm.
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, list[dict[str, str]]]:
    records = event.get("Records") or []

    def seconds_left() -> float:
        return context.get_remaining_time_in_millis() / 1000

    failed = []
    results = deliver_pushes([str(record.get("body", "")) for record in records], wiring.push_deps(), seconds_left)
    for record, outcome in zip(records, results, strict=True):
        message_id = str(record.get("messageId"))
        if isinstance(outcome, Exception):
            logger.warning("record failed", exc_info=outcome, extra={"message_id": message_id})
            failed.append(message_id)
            continue
        logger.info("push handled", extra={"message_id": message_id, "outcome": outcome.status,
                                           "attempts": outcome.attempts, "connector": outcome.connector,
                                           "reason": outcome.reason})
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
