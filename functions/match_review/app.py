"""MatchReviewFunction: confirm, reject or unlink a match, list the posts held for review, issue a link code."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from socialcrm import wiring
from socialcrm.errors import SocialCrmError
from socialcrm.linking import Decision, IssuedCode
from socialcrm.observability import logger, tracer
from socialcrm.review import Pending, ReviewResult, handle


def answer_of(result: ReviewResult) -> dict[str, Any]:
    if isinstance(result, Pending):
        return {"pending": result.posts}
    if isinstance(result, Decision):
        return {"post_key": result.post_key, "customer_id": result.customer_id, result.outcome: True}
    if isinstance(result, IssuedCode):
        return {"customer_id": result.customer_id, "code": result.code, "expires_at": result.expires_at}
    raise TypeError(f"no answer for {type(result).__name__}")


# No custom metric: each review is in the log line below (docs/metrics.md, "Operational counts").
@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False, capture_error=False)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = event.get("action") if isinstance(event, dict) else None
    try:
        answer = answer_of(handle(event, wiring.linking_deps()))
    except SocialCrmError as error:
        if error.http_status >= 500:
            raise
        return {"error": error.message, "status": error.http_status}
    logger.info("match review", extra={"action": action})  # never the post, customer or code
    return answer
