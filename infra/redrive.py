"""Move messages from a dead-letter queue back to the queue that feeds it, in bounded batches.

    python -m infra.redrive --queue PushDeadLetterQueue [--max 500] [--endpoint-url http://127.0.0.1:5000]

`--queue` is a queue name or URL; the destination is the DLQ's source queue (ListDeadLetterSourceQueues)
unless `--to` names one. A message is deleted from the DLQ only after the destination accepted it, so
an interruption can duplicate a message (consumers are idempotent) but never lose one. For a deployed
stack, `aws sqs start-message-move-task` does the same server-side; this command also works on the
local stack and prints what it moved.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import boto3

BATCH = 10


def queue_url(sqs: Any, queue: str) -> str:
    return queue if queue.startswith(("http://", "https://")) else sqs.get_queue_url(QueueName=queue)["QueueUrl"]


def source_of(sqs: Any, dlq_url: str) -> str:
    sources = sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
    if len(sources) != 1:
        raise SystemExit(f"cannot tell where to move messages: {len(sources)} source queues; use --to")
    return sources[0]


def redrive(sqs: Any, dlq_url: str, destination: str, limit: int) -> dict[str, int]:
    moved = failed = 0
    while moved + failed < limit:
        batch = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=min(BATCH, limit - moved - failed),
                                    WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            break
        entries = [{"Id": str(i), "MessageBody": m["Body"],
                    **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {})}
                   for i, m in enumerate(batch)]
        answer = sqs.send_message_batch(QueueUrl=destination, Entries=entries)
        sent = {entry["Id"] for entry in answer.get("Successful", [])}
        done = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch) if str(i) in sent]
        if done:
            sqs.delete_message_batch(QueueUrl=dlq_url, Entries=done)
        moved += len(done)
        failed += len(batch) - len(done)
    return {"moved": moved, "not_moved": failed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", required=True, help="the dead-letter queue (name or URL)")
    parser.add_argument("--to", help="destination queue URL (default: the DLQ's source queue)")
    parser.add_argument("--max", type=int, default=1000, help="at most this many messages (default 1000)")
    parser.add_argument("--endpoint-url", help="e.g. http://127.0.0.1:5000 for the local stack")
    arguments = parser.parse_args()
    sqs = boto3.client("sqs", endpoint_url=arguments.endpoint_url)
    dlq = queue_url(sqs, arguments.queue)
    destination = arguments.to or source_of(sqs, dlq)
    result = redrive(sqs, dlq, destination, arguments.max)
    print(json.dumps({"from": dlq, "to": destination, **result}))
    sys.exit(0 if result["not_moved"] == 0 else 1)


if __name__ == "__main__":
    main()
