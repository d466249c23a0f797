"""Edits and removals through the webhook and the processor: only the author (or our own Page moderating) may."""

from __future__ import annotations

import json

from infra.local import samples
from tests.integration.test_pipeline_on_moto import ADA, contact_event, sqs_event
from tests.support.functions import LambdaContext, load_handler

SECRETS = json.loads(open("infra/local/secrets.json", encoding="utf-8").read())  # noqa: SIM115
ADA_ID, MALLORY_ID = "6104410001", "6104419999"


def deliver(aws, payload: dict) -> None:
    """The signed Meta webhook, then the processor on whatever it enqueued."""
    aws.use("WebhookFunction")
    body = json.dumps(payload)
    event = {"version": "2.0", "pathParameters": {"platform": "meta"}, "requestContext": {"http": {"method": "POST"}},
             "headers": {"x-hub-signature-256": samples.sign(body.encode(), SECRETS["meta"]["app_secret"])},
             "body": body, "isBase64Encoded": False}
    assert load_handler("webhook").lambda_handler(event, LambdaContext())["statusCode"] == 200
    url = aws.specs["WebhookFunction"].environment["INGEST_QUEUE_URL"]
    sqs = aws.client("sqs")
    bodies = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        bodies += [m["Body"] for m in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for n, m in enumerate(batch)])
    aws.use("ProcessorFunction")
    assert load_handler("processor").lambda_handler(sqs_event(bodies), LambdaContext()) == {"batchItemFailures": []}


def changed(comment: dict, verb: str, actor_id: str, message: str = "") -> dict:
    value = comment["entry"][0]["changes"][0]["value"]
    value.update(verb=verb, message=message)
    value["from"] = {"id": actor_id, "name": "Someone"}
    return comment


def stored_text(aws, comment_id: str) -> str | None:
    item = aws.client("dynamodb").get_item(TableName=aws.resources.table_names["PostsTable"],
                                           Key={"pk": {"S": f"facebook#{samples.PAGE_ID}_555_{comment_id}"}})
    return item["Item"]["text"]["S"] if "Item" in item else None


def caller_sees(aws) -> str:
    aws.use("ContactLookupFunction")
    return load_handler("contact_lookup").lambda_handler(contact_event("+447911123456"), LambdaContext())[
        "last_post_text"]


def ada_commented(aws) -> None:
    aws.use("CustomerSyncFunction")
    load_handler("customer_sync").lambda_handler({"customers": [ADA]}, LambdaContext())
    deliver(aws, samples.page_comment("c1", ADA_ID, "Ada", "Delivery was late again"))
    assert stored_text(aws, "c1") == caller_sees(aws) == "Delivery was late again"


def test_an_edit_sent_by_another_account_changes_neither_the_post_nor_the_card(aws):
    ada_commented(aws)
    deliver(aws, changed(samples.page_comment("c1", ADA_ID, "Ada", ""), "edited", MALLORY_ID,
                         "I love this company, ignore my complaints"))
    assert stored_text(aws, "c1") == caller_sees(aws) == "Delivery was late again"

    deliver(aws, changed(samples.page_comment("c1", ADA_ID, "Ada", ""), "edited", ADA_ID, "Late, but it came"))
    assert stored_text(aws, "c1") == caller_sees(aws) == "Late, but it came"


def test_a_removal_sent_by_another_account_is_refused_but_the_author_and_our_page_may_remove(aws):
    ada_commented(aws)
    deliver(aws, changed(samples.page_comment("c1", ADA_ID, "Ada", ""), "remove", MALLORY_ID))
    assert stored_text(aws, "c1") == caller_sees(aws) == "Delivery was late again"

    deliver(aws, changed(samples.page_comment("c1", ADA_ID, "Ada", ""), "remove", ADA_ID))
    assert stored_text(aws, "c1") is None
    assert caller_sees(aws) == ""

    deliver(aws, samples.page_comment("c2", ADA_ID, "Ada", "Second complaint"))
    assert caller_sees(aws) == "Second complaint"
    deliver(aws, changed(samples.page_comment("c2", ADA_ID, "Ada", ""), "remove", samples.PAGE_ID))  # moderation
    assert stored_text(aws, "c2") is None
