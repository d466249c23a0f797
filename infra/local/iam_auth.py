"""The HTTP API's AWS_IAM authorizer, locally: a route whose event says `Auth: {Authorizer: AWS_IAM}` takes only
requests signed with Signature Version 4 (service execute-api) by one of LOCAL_PRINCIPALS, and passes the caller
to the function as API Gateway does (payload 2.0, requestContext.authorizer.iam). Anything else: 403."""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCOUNT = "123456789012"
# access key id -> (secret access key, the principal's ARN): the identities the local stack knows
LOCAL_PRINCIPALS: dict[str, tuple[str, str]] = {
    "AKIALOCALAGENT000001": ("local-agent-secret-key-0000000000000001", f"arn:aws:iam::{ACCOUNT}:user/local-agent"),
    "AKIALOCALSUPERVISOR1": ("local-supervisor-secret-key-00000000001",
                             f"arn:aws:iam::{ACCOUNT}:user/local-supervisor"),
}
MAX_SKEW = timedelta(minutes=15)
_AUTHORIZATION = re.compile(r"^AWS4-HMAC-SHA256 Credential=(?P<key>[A-Z0-9]+)/(?P<day>\d{8})/(?P<region>[a-z0-9-]+)/"
                            r"(?P<service>[a-z-]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]+), ?"
                            r"Signature=(?P<signature>[0-9a-f]{64})$")


def requires_iam(event_properties: dict[str, Any]) -> bool:
    auth = event_properties.get("Auth")
    return isinstance(auth, dict) and auth.get("Authorizer") == "AWS_IAM"


def iam_caller(method: str, url: str, headers: dict[str, str], body: bytes, region: str,
               now: datetime | None = None) -> dict[str, str] | None:
    """The authorizer's `iam` context for a correctly signed request (lower-cased header names), else None."""
    found = _AUTHORIZATION.match(headers.get("authorization", ""))
    amz_date = headers.get("x-amz-date", "")
    if found is None or found["service"] != "execute-api" or found["region"] != region:
        return None
    principal = LOCAL_PRINCIPALS.get(found["key"])
    signed = found["signed"].split(";")
    if principal is None or "host" not in signed or not amz_date.startswith(found["day"]):
        return None
    try:
        moment = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if abs((now or datetime.now(timezone.utc)) - moment) > MAX_SKEW or any(name not in headers for name in signed):
        return None
    request = AWSRequest(method=method, url=url, data=body, headers={name: headers[name] for name in signed})
    request.context["timestamp"] = amz_date
    auth = SigV4Auth(Credentials(found["key"], principal[0]), "execute-api", region)
    expected = auth.signature(auth.string_to_sign(request, auth.canonical_request(request)), request)
    if not hmac.compare_digest(expected, found["signature"]):
        return None
    return {"accessKey": found["key"], "accountId": ACCOUNT, "callerId": found["key"], "principalOrgId": "",
            "userArn": principal[1], "userId": found["key"]}


def signed_headers(method: str, url: str, body: bytes, access_key: str, region: str,
                   headers: dict[str, str] | None = None) -> dict[str, str]:
    """What a client sends: the request signed as one of LOCAL_PRINCIPALS (for tests and `make demo`)."""
    request = AWSRequest(method=method, url=url, data=body, headers={"host": urlsplit(url).netloc, **(headers or {})})
    SigV4Auth(Credentials(access_key, LOCAL_PRINCIPALS[access_key][0]), "execute-api", region).add_auth(request)
    return dict(request.headers.items())
