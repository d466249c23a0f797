"""The local stack's AWS_IAM authorizer: only a correct SigV4 signature of a known principal passes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from infra.local.iam_auth import LOCAL_PRINCIPALS, iam_caller, signed_headers

URL = "http://127.0.0.1:3000/replies?post=instagram%23c-1"
AGENT, SUPERVISOR = sorted(LOCAL_PRINCIPALS)[:2]
BODY = b'{"post_key": "instagram#c-1", "text": "hi"}'


def headers(body: bytes = BODY, key: str = AGENT, method: str = "POST") -> dict[str, str]:
    return {name.lower(): value for name, value in signed_headers(method, URL, body, key, "us-east-1").items()}


def test_a_signed_request_names_its_principal():
    caller = iam_caller("POST", URL, headers(), BODY, "us-east-1")
    assert caller is not None and caller["userArn"] == LOCAL_PRINCIPALS[AGENT][1]
    other = iam_caller("POST", URL, headers(key=SUPERVISOR), BODY, "us-east-1")
    assert other is not None and other["userArn"] == LOCAL_PRINCIPALS[SUPERVISOR][1]


def test_anything_else_is_refused():
    good = headers()
    assert iam_caller("POST", URL, {}, BODY, "us-east-1") is None  # unsigned
    assert iam_caller("POST", URL, good, BODY + b" ", "us-east-1") is None  # body changed after signing
    assert iam_caller("GET", URL, good, BODY, "us-east-1") is None  # method changed
    assert iam_caller("POST", URL.replace("c-1", "c-2"), good, BODY, "us-east-1") is None  # query changed
    assert iam_caller("POST", URL, good, BODY, "eu-west-1") is None  # another region's signature
    unknown = {**good, "authorization": good["authorization"].replace(AGENT, "AKIAUNKNOWN000000000")}
    assert iam_caller("POST", URL, unknown, BODY, "us-east-1") is None
    later = datetime.now(timezone.utc) + timedelta(minutes=20)
    assert iam_caller("POST", URL, good, BODY, "us-east-1", now=later) is None  # a replay after the skew
