"""The reply function's HTTP API (IAM-authorized routes): what each route asks of the use case.

POST /replies                          {"post_key", "text", "reply_id"?, "template"?} -> the reply's record
POST /replies/{reply_id}/approve       -> the reply's record (approved by the caller, who is not its sender)
GET  /replies/{reply_id}               -> the reply's record
GET  /replies?post=<platform>#<id>     -> {"replies": [records]}

The caller is the IAM principal API Gateway verified (requestContext.authorizer.iam.userArn, payload 2.0);
a request without one is refused, whatever the route says.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from socialcrm.errors import BadRequest, Forbidden, NotFound
from socialcrm.model import PostKey
from socialcrm.replies.model import Sender
from socialcrm.replies.service import (
    ReplyDeps,
    approve_reply,
    replies_for_post,
    reply_state,
    submission_of,
    submit_reply,
)

MAX_BODY = 64 * 1024


def iam_sender(event: Mapping[str, Any]) -> Sender:
    """The verified IAM caller of an HTTP API payload 2.0 event."""
    context = event.get("requestContext")
    authorizer = context.get("authorizer") if isinstance(context, Mapping) else None
    iam = authorizer.get("iam") if isinstance(authorizer, Mapping) else None
    arn = iam.get("userArn") if isinstance(iam, Mapping) else None
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise Forbidden("this route needs an IAM-signed request")
    return Sender(arn, "iam")


def json_body(event: Mapping[str, Any]) -> Any:
    raw = event.get("body") or ""
    if not isinstance(raw, str) or len(raw) > MAX_BODY * 2:
        raise BadRequest("body too large")
    try:
        text = base64.b64decode(raw, validate=True).decode() if event.get("isBase64Encoded") else raw
        return json.loads(text) if text else {}
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest("the body is not JSON") from None


def handle(event: Mapping[str, Any], deps: ReplyDeps) -> dict[str, Any]:
    """The answer's JSON body for one request; raises the domain's typed errors."""
    sender = iam_sender(event)
    route = str(event.get("routeKey") or "")
    parameters = event.get("pathParameters") or {}
    query = event.get("queryStringParameters") or {}
    if route == "POST /replies":
        body = json_body(event)
        if not isinstance(body, dict):
            raise BadRequest("a reply is a JSON object")
        return submit_reply(submission_of(body), sender, deps).summary()
    if route == "POST /replies/{reply_id}/approve":
        return approve_reply(str(parameters.get("reply_id") or ""), sender, deps).summary()
    if route == "GET /replies/{reply_id}":
        return reply_state(str(parameters.get("reply_id") or ""), deps).summary()
    if route == "GET /replies":
        post = query.get("post")
        return {"replies": [record.summary() for record in replies_for_post(PostKey.parse(post), deps)]}
    raise NotFound("no such route")
