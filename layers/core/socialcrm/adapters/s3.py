"""S3 adapter: the set-aside bucket, where verified deliveries that could not be taken in whole are kept.

One object per delivery, JSON: {"platform", "received_at", "reasons": [{"where", "error", "detail"}],
"body_base64"} (the raw bytes as signed). Key: <platform>/<yyyy>/<mm>/<dd>/<hhmmss>-<random>.json.
The bucket encrypts at rest, blocks public access and expires objects (template.yaml, docs/deploy.md).
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3

from socialcrm.model import utc_iso

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@cache
def s3_client() -> S3Client:
    return boto3.client("s3")


class S3SetAsideStore:
    def __init__(self, bucket: str, client: Any = None, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
                 ) -> None:
        self.bucket = bucket
        self._client = client
        self.clock = clock

    def keep(self, platform: str, body: bytes, reasons: Sequence[dict[str, str]]) -> str:
        now = self.clock()
        key = f"{platform}/{now:%Y/%m/%d/%H%M%S}-{uuid.uuid4().hex}.json"
        document = {"platform": platform, "received_at": utc_iso(now), "reasons": list(reasons),
                    "body_base64": base64.b64encode(body).decode()}
        (self._client or s3_client()).put_object(
            Bucket=self.bucket, Key=key, Body=json.dumps(document).encode(), ContentType="application/json")
        return key
