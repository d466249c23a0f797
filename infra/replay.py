"""Replay set-aside deliveries: normalize each stored body again and enqueue what can be taken in now.

    python -m infra.replay --bucket <SetAsideBucket> --key meta/2026/11/30/091403-....json --queue <IngestQueue URL>
    python -m infra.replay --bucket <SetAsideBucket> --prefix meta/2026/11/30/ --queue <IngestQueue URL> [--delete]
    [--endpoint-url http://127.0.0.1:5000] [--dry-run]

A stored body was verified when it arrived and only WebhookFunction may write the bucket, so its signature
is not checked again. Posts are idempotent (`<platform>#<post id>`): replaying a delivery whose good entries
were taken in already stores and counts nothing twice. Prints one JSON line per object: what was enqueued
and what still cannot be (where, error class; never content). `--delete` removes an object once all of it
was enqueued. Run it with the code that fixed the cause (the same checkout as the deployed layer).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "core"))

from socialcrm.adapters.sqs import SqsIngestQueue  # noqa: E402
from socialcrm.platforms import get_adapter  # noqa: E402
from socialcrm.platforms.base import BAD_ENTRY_ERRORS, WebhookRequest  # noqa: E402


def queue_url(sqs: Any, queue: str) -> str:
    return queue if queue.startswith(("http://", "https://")) else sqs.get_queue_url(QueueName=queue)["QueueUrl"]


def keys_under(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [item["Key"] for item in page.get("Contents", [])]
    return keys


def replay(s3: Any, bucket: str, key: str, queue: SqsIngestQueue | None, delete: bool = False) -> dict[str, Any]:
    """Normalize the stored delivery and enqueue its posts (unless `queue` is None: a dry run)."""
    document = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    problems: list[dict[str, str]] = []
    request = WebhookRequest("POST", body=base64.b64decode(document["body_base64"]))
    try:
        posts = get_adapter(document["platform"]).normalize(
            request, lambda where, error: problems.append({"where": where, "error": type(error).__name__}))
    except BAD_ENTRY_ERRORS as error:
        posts, problems = [], [{"where": "body", "error": type(error).__name__}]
    unsent = (queue.send_posts(posts) if queue is not None and posts else None) or []
    problems += [{"where": post.key.text, "error": "Unsendable"} for post, _why in unsent]
    deleted = bool(delete and queue is not None and not problems)
    if deleted:
        s3.delete_object(Bucket=bucket, Key=key)
    return {"key": key, "platform": document["platform"], "posts": len(posts),
            "enqueued": len(posts) - len(unsent) if queue is not None else 0, "still_set_aside": problems,
            "deleted": deleted}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bucket", required=True)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--key")
    which.add_argument("--prefix")
    parser.add_argument("--queue", default="IngestQueue", help="IngestQueue name or URL")
    parser.add_argument("--endpoint-url")
    parser.add_argument("--dry-run", action="store_true", help="normalize and report, enqueue nothing")
    parser.add_argument("--delete", action="store_true", help="delete an object once all of it was enqueued")
    args = parser.parse_args(argv)
    s3 = boto3.client("s3", endpoint_url=args.endpoint_url)
    sqs = boto3.client("sqs", endpoint_url=args.endpoint_url)
    queue = None if args.dry_run else SqsIngestQueue(queue_url(sqs, args.queue), client=sqs)
    keys = [args.key] if args.key else keys_under(s3, args.bucket, args.prefix)
    failed = 0
    for key in keys:
        outcome = replay(s3, args.bucket, key, queue, delete=args.delete)
        failed += bool(outcome["still_set_aside"])
        print(json.dumps(outcome))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
