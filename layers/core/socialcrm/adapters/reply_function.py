"""ReplyFunction, asked by the screen-pop page over the Lambda Invoke API (its reply box: socialcrm.replies.box).

The page publishes nothing itself: its form, once checked, and the box it draws are ReplyFunction's answers.
The client is created on first use and kept; botocore's retries are off (a submission is idempotent by its
reply id, but a retried invocation would only double the agent's wait).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

CONNECT_TIMEOUT = 2
READ_TIMEOUT = 27  # within the page's 30 s (the HTTP API's own limit); ReplyFunction may take that to publish


class ReplyFunctionFailed(Exception):
    """ReplyFunction could not be invoked, failed, or answered something that is not an object."""


@cache
def lambda_client() -> LambdaClient:
    import boto3
    from botocore.config import Config

    return boto3.client("lambda", config=Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                                                retries={"total_max_attempts": 1, "mode": "standard"}))


def reply_function_asker(function_name: str,
                         client: LambdaClient | None = None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A request in, ReplyFunction's answer out (a synchronous invocation of `function_name`)."""

    def ask(request: dict[str, Any]) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = (client or lambda_client()).invoke(FunctionName=function_name,
                                                        Payload=json.dumps(request).encode())
            payload = json.loads(answer["Payload"].read() or b"null")
        except (BotoCoreError, ClientError, ValueError) as error:
            raise ReplyFunctionFailed(type(error).__name__) from error
        if answer.get("FunctionError"):
            raise ReplyFunctionFailed(f"ReplyFunction failed: {answer['FunctionError']}")
        if not isinstance(payload, dict):
            raise ReplyFunctionFailed("ReplyFunction's answer is not an object")
        return payload

    return ask
