"""`make redrive`: messages go back from a DLQ to its source queue, in bounded batches, none lost."""

from __future__ import annotations

from infra.redrive import redrive, source_of


def test_dead_letters_are_moved_back_to_their_source_queue(aws):
    sqs = aws.client("sqs")
    dlq = aws.resources.queue_urls["PushDeadLetterQueue"]
    source = aws.resources.queue_urls["PushQueue"]
    for n in range(25):
        sqs.send_message(QueueUrl=dlq, MessageBody=f"push-{n}",
                         MessageAttributes={"reason": {"DataType": "String", "StringValue": "contact centre down"}})
    assert source_of(sqs, dlq) == source
    assert redrive(sqs, dlq, source, limit=12) == {"moved": 12, "not_moved": 0}  # bounded
    assert redrive(sqs, dlq, source, limit=1000) == {"moved": 13, "not_moved": 0}
    bodies = []
    while batch := sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10,
                                       MessageAttributeNames=["All"]).get("Messages", []):
        bodies += [m["Body"] for m in batch]
        assert all(m["MessageAttributes"]["reason"]["StringValue"] == "contact centre down" for m in batch)
        sqs.delete_message_batch(QueueUrl=source, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                            for i, m in enumerate(batch)])
    assert sorted(bodies) == sorted(f"push-{n}" for n in range(25))
    assert sqs.receive_message(QueueUrl=dlq).get("Messages", []) == []
