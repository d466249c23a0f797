"""SQS adapters: the ingest queue (one message per post) and the push queue."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3

from socialcrm.model import CanonicalPost, ContactPush

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

MAX_BATCH_ENTRIES = 10  # SendMessageBatch limit
MAX_BATCH_BYTES = 256 * 1024  # SendMessageBatch payload limit, kept as the conservative figure
MAX_MESSAGE_BYTES = MAX_BATCH_BYTES - 1024  # one message, leaving room for its attributes
# Characters SQS refuses in a message body (InvalidMessageContents) that json.dumps writes as they are; they can only
# be inside strings. (Control characters json.dumps escapes itself; a lone surrogate is refused by message_body.)
_REFUSED_BY_SQS = re.compile("[\ufffe\uffff]")


def json_message(document: Any) -> str:
    """`document` as JSON that SQS accepts: characters it refuses (U+FFFE, U+FFFF) are written as \\u escapes."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return _REFUSED_BY_SQS.sub(lambda found: f"\\u{ord(found.group()):04x}", body)


@cache
def sqs_client() -> SQSClient:
    return boto3.client("sqs")


class QueueSendFailed(Exception):
    """Some messages could not be enqueued; the caller must not acknowledge the delivery."""


def batches(bodies: Sequence[str]) -> list[list[str]]:
    """Groups of at most 10 messages whose bodies add up to at most 256 KiB."""
    groups: list[list[str]] = []
    current: list[str] = []
    size = 0
    for body in bodies:
        length = len(body.encode())
        if length > MAX_BATCH_BYTES:
            raise QueueSendFailed("a single post is larger than an SQS message")
        if current and (len(current) == MAX_BATCH_ENTRIES or size + length > MAX_BATCH_BYTES):
            groups.append(current)
            current, size = [], 0
        current.append(body)
        size += length
    if current:
        groups.append(current)
    return groups


def message_body(post: CanonicalPost) -> tuple[str | None, str]:
    """The post as a message body, or None and why it cannot be one (checked before a batch is sent)."""
    body = json_message(post.to_message())
    try:
        size = len(body.encode())
    except UnicodeEncodeError:
        return None, "not encodable as UTF-8 (a lone surrogate)"
    if size > MAX_MESSAGE_BYTES:
        return None, f"larger than a queue message ({size} bytes)"
    return body, ""


class SqsIngestQueue:
    def __init__(self, queue_url: str, client: Any = None) -> None:
        self.queue_url = queue_url
        self._client = client

    def send_posts(self, posts: Sequence[CanonicalPost]) -> list[tuple[CanonicalPost, str]]:
        """Send the posts in batches; those that cannot be a message are returned unsent, with the reason."""
        client = self._client or sqs_client()
        bodies, sources, unsendable = [], [], []
        for post in posts:
            body, reason = message_body(post)
            if body is None:
                unsendable.append((post, reason))
                continue
            bodies.append(body)
            sources.append(post.source)
        offset = 0
        for group in batches(bodies):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(i), "MessageBody": body,
                 "MessageAttributes": {"source": {"DataType": "String",
                                                  "StringValue": sources[offset + i] or "unknown"}}}
                for i, body in enumerate(group)]
            offset += len(group)
            failed = client.send_message_batch(QueueUrl=self.queue_url, Entries=entries).get("Failed", [])
            if failed:  # one retry of just the failed entries
                retry = [e for e in entries if e["Id"] in {f["Id"] for f in failed}]
                again = client.send_message_batch(QueueUrl=self.queue_url, Entries=retry).get("Failed", [])
                if again:
                    raise QueueSendFailed(f"{len(again)} posts could not be enqueued")
        return unsendable


class SqsPushQueue:
    def __init__(self, queue_url: str, client: Any = None) -> None:
        self.queue_url = queue_url
        self._client = client

    def enqueue(self, push: ContactPush) -> None:
        client = self._client or sqs_client()
        client.send_message(QueueUrl=self.queue_url,
                            MessageBody=json_message(push.to_message()))


class SqsDeadLetterSink:
    """Where a push that can never succeed goes at once, with the reason as a message attribute."""

    def __init__(self, queue_url: str, client: Any = None) -> None:
        self.queue_url = queue_url
        self._client = client

    def send(self, body: str, reason: str, connector: str) -> None:
        client = self._client or sqs_client()
        client.send_message(QueueUrl=self.queue_url, MessageBody=body, MessageAttributes={
            "reason": {"DataType": "String", "StringValue": reason[:256] or "unknown"},
            "connector": {"DataType": "String", "StringValue": connector or "none"},
        })
