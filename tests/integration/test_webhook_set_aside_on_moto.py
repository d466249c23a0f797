"""One bad entry in a signed delivery is set aside, whole and readable, and the good entries still go on.

Through WebhookFunction's handler against moto: the ingest queue and the set-aside bucket of template.yaml.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from infra.local import samples
from tests.emf import emf_documents
from tests.support.functions import LambdaContext, load_handler

SECRETS = json.loads(open("infra/local/secrets.json", encoding="utf-8").read())  # noqa: SIM115
WHEN = 1795338843
SECRET_WORDS = "my-card-number-is-4929"  # in every bad entry: it must reach the bucket and never a log


def good_entry(n: int) -> dict:
    return samples.page_comment(f"good{n}", f"6104490{n:03d}", "Someone", f"fine entry {n}", when=WHEN)["entry"][0]


def bad_entry(kind: str) -> dict:
    entry = samples.page_comment("bad", "6104499999", "Mallory", SECRET_WORDS, when=WHEN)["entry"][0]
    value = entry["changes"][0]["value"]
    if kind == "time-out-of-range":
        value["created_time"] = 10**400
    elif kind == "lone-surrogate":
        value["message"] = SECRET_WORDS + " \ud800"
    elif kind == "oversized-comment":
        value["message"] = SECRET_WORDS + " " + "x" * 300_000
    elif kind == "wrong-shape":
        entry["changes"][0]["value"] = {"item": "comment", "from": {"id": ["a", "list"]}, "note": SECRET_WORDS}
    return entry


def post_delivery(body: bytes, signature: str | None = None) -> dict:
    signature = signature or samples.sign(body, SECRETS["meta"]["app_secret"])
    event = {"version": "2.0", "pathParameters": {"platform": "meta"}, "requestContext": {"http": {"method": "POST"}},
             "headers": {"x-hub-signature-256": signature}, "body": body.decode(), "isBase64Encoded": False}
    return load_handler("webhook").lambda_handler(event, LambdaContext())


def queued_post_ids(aws) -> list[str]:
    sqs, url = aws.client("sqs"), aws.specs["WebhookFunction"].environment["INGEST_QUEUE_URL"]
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        found += [json.loads(m["Body"])["post_id"] for m in messages]
    return sorted(found)


def set_aside_objects(aws) -> list[dict]:
    s3, bucket = aws.client("s3"), aws.specs["WebhookFunction"].environment["SET_ASIDE_BUCKET"]
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return [{"key": key, **json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())} for key in keys]


def set_aside_counts(printed: str) -> list[tuple[list[list[str]], float]]:
    """(dimension sets, entries) of each EntriesSetAside the function printed: one metric, no per-platform
    dimension (the platform is in the log line and the object's key)."""
    values = [(document["_aws"]["CloudWatchMetrics"][0]["Dimensions"], document["EntriesSetAside"])
              for document in emf_documents(printed) if "EntriesSetAside" in document]
    return [(dimensions, sum(value) if isinstance(value, list) else value) for dimensions, value in values]


@pytest.mark.parametrize("kind", ["time-out-of-range", "lone-surrogate", "oversized-comment", "wrong-shape"])
def test_a_bad_entry_is_set_aside_and_the_good_ones_are_enqueued(aws, capsys, caplog, kind):
    aws.use("WebhookFunction")
    body = json.dumps({"object": "page", "entry": [good_entry(1), bad_entry(kind), good_entry(2)]}).encode()

    answer = post_delivery(body)

    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"accepted": 2, "set_aside": 1})
    assert queued_post_ids(aws) == [f"{samples.PAGE_ID}_555_good1", f"{samples.PAGE_ID}_555_good2"]
    [kept] = set_aside_objects(aws)
    assert base64.b64decode(kept["body_base64"]) == body  # the raw bytes as signed, for a replay
    assert kept["platform"] == "meta" and kept["key"].startswith("meta/")
    [reason] = kept["reasons"]
    assert reason["where"] in ("entry[1]", f"facebook#{samples.PAGE_ID}_555_bad") and reason["error"]
    printed = capsys.readouterr()
    assert set_aside_counts(printed.out) == [([["service"]], 1.0)]
    [logged] = [record for record in caplog.records if record.getMessage() == "delivery set aside"]
    assert (logged.platform, logged.key) == ("meta", kept["key"])  # logs name the object, never its content
    assert SECRET_WORDS not in printed.out + printed.err + "".join(str(vars(r)) for r in caplog.records)


def test_a_signed_body_nested_100000_deep_is_set_aside_whole_not_a_500(aws, capsys):
    aws.use("WebhookFunction")
    body = b'{"object": "page", "entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    answer = post_delivery(body)

    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"accepted": 0, "set_aside": 1})
    assert queued_post_ids(aws) == []
    [kept] = set_aside_objects(aws)
    assert base64.b64decode(kept["body_base64"]) == body
    assert [reason["where"] for reason in kept["reasons"]] == ["body"]
    assert set_aside_counts(capsys.readouterr().out) == [([["service"]], 1.0)]


def test_a_forged_delivery_is_401_and_never_stored(aws):
    aws.use("WebhookFunction")
    body = b'{"object": "page", "entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"

    answer = post_delivery(body, signature="sha256=" + "0" * 64)

    assert answer["statusCode"] == 401
    assert queued_post_ids(aws) == [] and set_aside_objects(aws) == []


def test_a_set_aside_delivery_replays_its_good_entries_and_reports_the_rest(aws, capsys):
    from infra import replay

    aws.use("WebhookFunction")
    body = json.dumps({"object": "page", "entry": [good_entry(1), bad_entry("wrong-shape")]}).encode()
    assert post_delivery(body)["statusCode"] == 200
    assert queued_post_ids(aws) == [f"{samples.PAGE_ID}_555_good1"]
    [kept] = set_aside_objects(aws)
    bucket = aws.specs["WebhookFunction"].environment["SET_ASIDE_BUCKET"]
    capsys.readouterr()

    code = replay.main(["--bucket", bucket, "--prefix", "meta/", "--queue", "IngestQueue", "--delete"])

    [outcome] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (code, outcome["key"], outcome["enqueued"], outcome["deleted"]) == (1, kept["key"], 1, False)
    assert outcome["still_set_aside"] == [{"where": "entry[1]", "error": "BadRequest"}]
    assert queued_post_ids(aws) == [f"{samples.PAGE_ID}_555_good1"]  # again: the processor stores it once
    assert SECRET_WORDS not in json.dumps(outcome)


# SQS refuses a message holding a character outside #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF
# (InvalidMessageContents; moto does not check), so a comment with U+FFFF would fail its batch on every retry.
SQS_REFUSES = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def test_a_comment_with_a_character_sqs_refuses_is_still_enqueued_as_a_valid_message(aws):
    aws.use("WebhookFunction")
    odd = samples.page_comment("odd", "6104491000", "Someone", "noncharacters \ufffe and \uffff", when=WHEN)
    body = json.dumps({"object": "page", "entry": [good_entry(1), odd["entry"][0]]}).encode()

    answer = post_delivery(body)

    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"accepted": 2})
    sqs, url = aws.client("sqs"), aws.specs["WebhookFunction"].environment["INGEST_QUEUE_URL"]
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert len(bodies) == 2
    assert [SQS_REFUSES.findall(b) for b in bodies] == [[], []]  # every message is one SQS accepts
    assert "noncharacters \ufffe and \uffff" in [json.loads(b)["text"] for b in bodies]  # and reads back as posted
