"""PollerFunction: on a schedule, captures new posts from sources without webhooks (Reddit, YouTube comments).

{"websub": "subscribe" | "unsubscribe"} instead asks the WebSub hub to (un)subscribe our YouTube channels
(daily schedule: lease renewal; docs/platforms.md)."""

import time
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.observability import logger, tracer
from socialcrm.polling import poll
from socialcrm.websub import request_subscriptions


# No custom metric: each source's run is in its log line (docs/metrics.md, "Operational counts").
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "websub" in event:
        results = [asdict(answer) for answer in
                   request_subscriptions(*wiring.websub_request(str(event["websub"])), now=time.time)]
        for result in results:
            logger.info("websub requested", extra=result)
        return {"websub": results}
    listings, state_store, queue = wiring.poller_deps()
    seconds_left = lambda: context.get_remaining_time_in_millis() / 1000  # noqa: E731
    results = [poll(listing, state_store, queue, seconds_left=seconds_left).summary() for listing in listings]
    for result in results:
        logger.info("source polled", extra=result)
    return {"sources": results}
