"""The reply function's routes: the IAM caller is the sender, answers are the record, errors are typed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from socialcrm import wiring
from socialcrm.errors import BadRequest, Forbidden
from socialcrm.model import PostKey
from socialcrm.replies.api import handle, iam_sender
from socialcrm.replies.policy import ReplyPolicy, reply_accounts
from socialcrm.replies.service import ReplyDeps
from socialcrm.stored import StoredPost
from tests.fakes import FakePosts, FakeReplyPublisher, FakeReplyStore, FixedClock
from tests.support.functions import LambdaContext, load_handler

ACCOUNT = "17841400000000000"
ADA = "arn:aws:sts::123456789012:assumed-role/SocialAgents/ada"
GRACE = "arn:aws:sts::123456789012:assumed-role/SocialSupervisors/grace"


@pytest.fixture
def deps() -> ReplyDeps:
    posts = FakePosts()
    key = PostKey("instagram", "c-1")
    posts.items[key.text] = StoredPost(key, "comment", "2026-11-20T10:00:00Z", customer_id="cust-1", account=ACCOUNT)
    publisher = FakeReplyPublisher()
    policy = ReplyPolicy(official=frozenset({f"id:instagram:{ACCOUNT}"}),
                         allowed=reply_accounts(f"instagram:{ACCOUNT}"), approval="public")
    return ReplyDeps(posts, FakeReplyStore(), lambda _platform: publisher, policy,
                     FixedClock(datetime(2026, 11, 20, 10, 30, tzinfo=UTC)))


def request(route: str, arn: str | None = ADA, body: object = None, **extra) -> dict:
    context: dict = {"http": {"method": route.split()[0]}}
    if arn is not None:
        context["authorizer"] = {"iam": {"userArn": arn, "accountId": "123456789012"}}
    event = {"routeKey": route, "requestContext": context, **extra}
    if body is not None:
        event["body"] = json.dumps(body)
    return event


def test_the_iam_caller_sends_and_another_approves(deps):
    held = handle(request("POST /replies", body={"post_key": "instagram#c-1", "text": "We are on it"}), deps)
    assert held["status"] == "held" and held["sender"] == f"iam:{ADA}"
    with pytest.raises(Forbidden):
        handle(request("POST /replies/{reply_id}/approve", pathParameters={"reply_id": held["reply_id"]}), deps)
    sent = handle(request("POST /replies/{reply_id}/approve", GRACE, pathParameters={"reply_id": held["reply_id"]}),
                  deps)
    assert (sent["status"], sent["approved_by"], sent["platform_id"]) == ("sent", f"iam:{GRACE}", "instagram-1")
    listed = handle(request("GET /replies", queryStringParameters={"post": "instagram#c-1"}), deps)
    assert listed == {"replies": [sent]}
    assert handle(request("GET /replies/{reply_id}", pathParameters={"reply_id": held["reply_id"]}), deps) == sent


def test_a_request_without_a_verified_iam_caller_is_refused(deps):
    for arn in (None, "", "ada"):
        with pytest.raises(Forbidden):
            handle(request("POST /replies", arn, body={"post_key": "instagram#c-1", "text": "hi"}), deps)
    with pytest.raises(Forbidden):
        iam_sender({"requestContext": {"authorizer": {"jwt": {"claims": {"sub": "x"}}}}})


def test_bodies_that_are_not_a_reply_are_bad_requests(deps):
    for body in ("not json", "[1]"):
        with pytest.raises(BadRequest):
            handle({**request("POST /replies"), "body": body}, deps)
    with pytest.raises(BadRequest):
        handle({**request("POST /replies"), "body": "e30=!", "isBase64Encoded": True}, deps)


def test_the_handler_answers_json_and_maps_errors(deps, monkeypatch):
    monkeypatch.setattr(wiring, "reply_deps", lambda: deps)
    app = load_handler("reply")
    ok = app.lambda_handler(request("POST /replies", body={"post_key": "instagram#c-1", "text": "We are on it"}),
                            LambdaContext())
    assert ok["statusCode"] == 200 and json.loads(ok["body"])["status"] == "held"
    assert ok["headers"]["content-type"] == "application/json"
    missing = app.lambda_handler(request("POST /replies", body={"post_key": "instagram#nope", "text": "hi"}),
                                 LambdaContext())
    assert (missing["statusCode"], json.loads(missing["body"])) == (404, {"error": "no such post"})
    unsigned = app.lambda_handler(request("GET /replies", None, queryStringParameters={"post": "instagram#c-1"}),
                                  LambdaContext())
    assert unsigned["statusCode"] == 403
