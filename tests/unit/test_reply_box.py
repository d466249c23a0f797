"""ReplyFunction's side of the screen-pop page's reply box (socialcrm.replies.box, functions/reply/app.py) and the
page's Lambda Invoke client (socialcrm.adapters.reply_function)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from socialcrm.adapters.reply_function import ReplyFunctionFailed, reply_function_asker
from socialcrm.errors import BadRequest
from socialcrm.model import PostKey
from socialcrm.replies.box import answer_box, is_box_request
from socialcrm.replies.policy import ReplyPolicy, reply_accounts
from socialcrm.replies.service import ReplyDeps
from socialcrm.stored import StoredPost
from tests.fakes import FakePosts, FakeReplyPublisher, FakeReplyStore, FixedClock
from tests.support.functions import LambdaContext, load_handler

ACCOUNT = "17841400000000001"
COMMENT = PostKey("instagram", "c-100")
POLICY = ReplyPolicy(official=frozenset({f"id:instagram:{ACCOUNT}"}), allowed=reply_accounts(f"instagram:{ACCOUNT}"),
                     approval="none", phone_region="GB")


@pytest.fixture
def deps() -> ReplyDeps:
    posts, publisher = FakePosts(), FakeReplyPublisher()
    posts.items[COMMENT.text] = StoredPost(COMMENT, "comment", "2026-11-20T09:00:00Z", text="Where is my parcel?",
                                           customer_id="cust-1", author_key="id:instagram:9001",
                                           author_user_id="9001", account=ACCOUNT)
    return ReplyDeps(posts, FakeReplyStore(), lambda _platform: publisher, POLICY,
                     FixedClock(datetime(2026, 11, 20, 10, 30, tzinfo=UTC)))


def submit(form: dict) -> dict:
    return {"reply_box": "submit", "post_key": COMMENT.text, "form": form}


def test_a_submission_is_published_and_answered_with_the_box_as_it_now_stands(deps):
    answer = answer_box(submit({"agent": "ada", "text": "On its way", "reply_id": "p-" + "1" * 32}), deps)
    assert answer["result"]["status"] == "sent" and answer["result"]["sender"] == "page:ada"
    assert answer["error"] is None and [r["status"] for r in answer["replies"]] == ["sent"]
    assert answer["outlook"] == {"kind": "comment_reply", "refusal": None, "window": None,
                                 "template_outside": False, "needs_approval": False}
    json.dumps(answer)  # what Lambda carries back


@pytest.mark.parametrize(("form", "reason"), [
    ({"agent": "", "text": "Hi", "reply_id": "p-" + "2" * 32}, "agent login"),
    ({"agent": "ada eve", "text": "Hi", "reply_id": "p-" + "2" * 32}, "agent login"),
    ({"agent": "ada", "text": "  ", "reply_id": "p-" + "2" * 32}, "needs some text"),
    ({"agent": "ada", "text": "Hi"}, "reply_id"),
    ({"agent": "ada", "text": "Hi", "reply_id": "p-" + "2" * 32, "template_name": "x"}, "name and language"),
    ({"agent": "ada", "text": 3, "reply_id": "p-" + "2" * 32}, "a string"),
])
def test_a_submission_the_use_case_refuses_is_an_answer_with_the_reason_and_nothing_recorded(deps, form, reason):
    answer = answer_box(submit(form), deps)
    assert answer["result"] is None and reason in answer["error"]
    assert deps.store.records == {}  # the fake's own record of what was written


@pytest.mark.parametrize("request_", [{"reply_box": "approve", "post_key": COMMENT.text},
                                      {"reply_box": "submit", "post_key": COMMENT.text},
                                      {"reply_box": "show", "post_key": "no-platform"}])
def test_a_malformed_request_is_refused(deps, request_):
    with pytest.raises(BadRequest):
        answer_box(request_, deps)


def test_only_a_direct_invocation_is_a_box_request_never_an_http_api_event():
    assert is_box_request({"reply_box": "show", "post_key": COMMENT.text})
    assert not is_box_request({"reply_box": "show", "routeKey": "POST /replies"})
    assert not is_box_request({"routeKey": "GET /replies"}) and not is_box_request(["reply_box"])


def test_the_reply_function_answers_the_page_and_still_refuses_an_unsigned_route(deps, monkeypatch):
    handler = load_handler("reply")
    monkeypatch.setattr(handler.wiring, "reply_deps", lambda: deps)
    shown = handler.lambda_handler({"reply_box": "show", "post_key": COMMENT.text}, LambdaContext())
    assert shown["outlook"]["kind"] == "comment_reply" and shown["replies"] == []
    refused = handler.lambda_handler({"reply_box": "show"}, LambdaContext())  # no post: an answer without a box
    assert list(refused) == ["error"] and refused["error"]
    routed = handler.lambda_handler({"routeKey": "POST /replies", "reply_box": "submit", "body": "{}"},
                                    LambdaContext())
    assert routed["statusCode"] == 403  # an HTTP API event is the IAM route's, whatever else it holds


# -- the page's client -------------------------------------------------------------------------------------
def stubbed_asker(answer: dict, payload: bytes) -> tuple[Stubber, Callable[[dict], dict]]:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response("invoke", {**answer, "Payload": StreamingBody(io.BytesIO(payload), len(payload))},
                      {"FunctionName": "socialcrm-ReplyFunction", "Payload": b'{"reply_box": "show"}'})
    stub.activate()
    return stub, reply_function_asker("socialcrm-ReplyFunction", client)


def test_the_page_invokes_the_reply_function_by_name_and_reads_its_answer():
    stub, ask = stubbed_asker({"StatusCode": 200}, b'{"outlook": {}}')
    assert ask({"reply_box": "show"}) == {"outlook": {}}
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(("answer", "payload"), [
    ({"StatusCode": 200, "FunctionError": "Unhandled"}, b'{"errorMessage": "boom"}'),
    ({"StatusCode": 200}, b"[]"),
    ({"StatusCode": 200}, b"not json"),
])
def test_a_reply_function_that_fails_or_answers_nonsense_is_a_failure(answer, payload):
    _stub, ask = stubbed_asker(answer, payload)
    with pytest.raises(ReplyFunctionFailed):
        ask({"reply_box": "show"})


def test_an_invocation_the_api_refuses_is_a_failure():
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("invoke", "ResourceNotFoundException", http_status_code=404)
        with pytest.raises(ReplyFunctionFailed, match="ResourceNotFoundException"):
            reply_function_asker("socialcrm-ReplyFunction", client)({"reply_box": "show"})
