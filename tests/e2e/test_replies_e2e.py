"""The reply routes on the local stack over HTTP: behind the AWS_IAM authorizer (SigV4), the caller recorded as
the sender, a held reply approved only by someone else. (The Instagram story with a fake platform is its own.)"""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import pytest
import requests

from infra.local import samples
from infra.local.cfn import REGION
from infra.local.iam_auth import LOCAL_PRINCIPALS, signed_headers

pytestmark = pytest.mark.e2e
TIMEOUT = (3, 20)
AGENT, SUPERVISOR = "AKIALOCALAGENT000001", "AKIALOCALSUPERVISOR1"


def signed(stack, method: str, path: str, key: str, body: dict | None = None) -> requests.Response:
    url = f"{stack.api_url}{path}"
    data = json.dumps(body).encode() if body is not None else b""
    headers = signed_headers(method, url, data, key, REGION, {"content-type": "application/json"} if data else {})
    return requests.request(method, url, data=data, headers=headers, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def comment(stack, app_secret):
    comment_id = f"1789{time.time_ns() % 10**12:012d}"
    payload = samples.instagram_comment(comment_id, "17841499999999999", "zed.quinn", "Where is my refund?")
    body = samples.encode(payload)
    answer = requests.post(f"{stack.api_url}/webhooks/meta", data=body, timeout=TIMEOUT, headers={
        "content-type": "application/json", "x-hub-signature-256": samples.sign(body, app_secret)})
    assert answer.status_code == 200, answer.text
    stack.wait_idle(timeout=120)
    return f"instagram#{comment_id}"


def test_the_reply_routes_refuse_an_unsigned_or_forged_request(stack, comment):
    body = json.dumps({"post_key": comment, "text": "Hello"}).encode()
    unsigned = requests.post(f"{stack.api_url}/replies", data=body, timeout=TIMEOUT)
    assert (unsigned.status_code, unsigned.json()) == (403, {"message": "Forbidden"})
    headers = signed_headers("POST", f"{stack.api_url}/replies", body, AGENT, REGION)
    forged = requests.post(f"{stack.api_url}/replies", data=body + b" ", headers=headers, timeout=TIMEOUT)
    assert forged.status_code == 403
    listing = requests.get(f"{stack.api_url}/replies", params={"post": comment}, timeout=TIMEOUT)
    assert listing.status_code == 403


def test_the_signed_caller_is_the_sender_and_only_someone_else_approves(stack, comment):
    text = "Please call us on 020 7946 0958 about the refund"  # a phone number in public: held
    submitted = signed(stack, "POST", "/replies", AGENT, {"post_key": comment, "text": text})
    assert submitted.status_code == 200, submitted.text
    held = submitted.json()
    assert held["status"] == "held" and "a phone number" in held["reason"]
    assert held["sender"] == f"iam:{LOCAL_PRINCIPALS[AGENT][1]}" and held["account"] == "17841400000000000"
    again = signed(stack, "POST", "/replies", AGENT, {"post_key": comment, "text": text}).json()
    assert again["reply_id"] == held["reply_id"]  # the same answer resubmitted is the same reply

    own = signed(stack, "POST", f"/replies/{held['reply_id']}/approve", AGENT)
    assert own.status_code == 403
    listed = signed(stack, "GET", f"/replies?post={quote(comment, safe='')}", AGENT)
    assert [(r["reply_id"], r["status"]) for r in listed.json()["replies"]] == [(held["reply_id"], "held")]

    approved = signed(stack, "POST", f"/replies/{held['reply_id']}/approve", SUPERVISOR)
    assert approved.status_code == 200, approved.text
    record = approved.json()
    assert record["approved_by"] == f"iam:{LOCAL_PRINCIPALS[SUPERVISOR][1]}" and record["status"] != "held"
    state = signed(stack, "GET", f"/replies/{held['reply_id']}", SUPERVISOR).json()
    assert state == record


def test_a_reply_to_a_post_we_never_captured_is_not_found(stack):
    answer = signed(stack, "POST", "/replies", AGENT, {"post_key": "instagram#000", "text": "Hello"})
    assert (answer.status_code, answer.json()) == (404, {"error": "no such post"})
