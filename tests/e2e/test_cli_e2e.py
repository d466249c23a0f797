"""The operator command `socialcrm` against the local stack: every command, through typer's CliRunner.

Its customers (cli-*) and phones (07911 2000xx) are its own, and it leaves the dead-letter queues empty, so the
other end-to-end tests on the same stack see nothing of it.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from infra.local import samples
from socialcrm.model import Author, CanonicalPost
from socialcrm_cli import app as commands
from socialcrm_cli import customers_file, importer
from socialcrm_cli.app import app
from tests.e2e.test_pipeline_e2e import post

pytestmark = pytest.mark.e2e
HEADER = ",".join(customers_file.CSV_COLUMNS)


@pytest.fixture(scope="module")
def cli(stack, monkeypatch_module):
    for name in ("SOCIALCRM_STACK", "SOCIALCRM_ENDPOINT_URL", "SOCIALCRM_LAMBDA_ENDPOINT_URL"):
        monkeypatch_module.delenv(name, raising=False)
    monkeypatch_module.setattr(commands.out, "width", 200)  # one line per table row, whatever the terminal
    runner = CliRunner()

    def run(*arguments: str):
        result = runner.invoke(app, ["--endpoint-url", stack.aws_endpoint, "--lambda-endpoint-url",
                                     stack.lambda_endpoint, *arguments])
        assert "Traceback" not in result.output
        return result

    return run


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def as_json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def imported(cli, tmp_path_factory):
    """Six customers through `customers import`: one rejected (its country), one phone dropped (a warning)."""
    export = tmp_path_factory.mktemp("crm") / "crm.csv"
    export.write_text(HEADER + "\n"
                      "cli-1,Ada Import,07911 200001,ada.import@example.com,facebook:7100000001,gold,GB,,\n"
                      "cli-2,Grace Import,07911 200002;12345,,,standard,GB,,\n"
                      "cli-3,Alan Import,07911 200003,,instagram:@alan.import,standard,GBR,,\n"
                      "cli-4,Edsger Import,07911 200004,,,,GB,,\n"
                      "cli-5,Barbara Import,07911 200005,,,,GB,,\n"
                      "cli-6,Donald Import,07911 200006,,,,GB,,\n", encoding="utf-8")
    summary = as_json(cli("customers", "import", str(export), "--batch-size", "2", "--workers", "2", "--json"))
    return export, summary


def test_import_sends_every_batch_and_writes_the_problems_beside_the_file(cli, imported):
    export, summary = imported
    assert (summary["rows"], summary["batches"], summary["done_batches"], summary["failed_batches"]) == (6, 3, 3, [])
    assert (summary["upserted"], summary["rejected"], summary["warnings"]) == (5, 1, 1)
    assert summary["state_file"] is None and not importer.state_path(export).exists()  # complete: nothing to resume
    lines = importer.problems_path(export).read_text().splitlines()  # in the order batches completed
    problems = sorted((json.loads(line) for line in lines), key=lambda problem: problem["line"])
    assert [(p["line"], p["customer_id"], p["kind"], p["field"]) for p in problems] == [
        (3, "cli-2", "warning", "phones[1]"), (4, "cli-3", "rejected", None)]
    assert "ISO 3166" in problems[1]["error"]
    seen = as_json(cli("lookup", "+447911200001", "--json"))
    assert (seen["found"], seen["customer_id"], seen["customer_name"]) == ("true", "cli-1", "Ada Import")
    assert as_json(cli("lookup", "+447911200003", "--json"))["reason"] == "no_customer"


def test_an_interrupted_import_resumes_with_the_batches_not_done(cli, tmp_path):
    export = tmp_path / "crm.jsonl"
    records = [{"customer_id": f"cli-resume-{n}", "phones": [f"07911 2001{n:02d}"], "country": "GB"} for n in range(4)]
    export.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    # What an interruption after the first batch leaves behind.
    state = importer.ImportState.load(export, customers_file.fingerprint(export), 2, restart=False)
    state.done[0] = {"upserted": 2, "rejected": 0, "warnings": 0}
    state.save()
    summary = as_json(cli("customers", "import", str(export), "--batch-size", "2", "--json"))
    assert (summary["skipped_batches"], summary["done_batches"], summary["rows_this_run"]) == (1, 1, 2)
    assert summary["upserted"] == 4  # the whole file, the earlier run's batch included
    assert as_json(cli("lookup", "+447911200102", "--json"))["customer_id"] == "cli-resume-2"
    assert as_json(cli("lookup", "+447911200100", "--json"))["reason"] == "no_customer"  # batch 0 was skipped


def test_the_bulk_import_shows_a_shared_number_to_nobody_and_a_rerun_refuses_an_erased_customer(cli, tmp_path):
    export = tmp_path / "bulk.csv"
    export.write_text(HEADER + "\n"
                      "cli-bulk-1,Ada Bulk,07911 200201,ada.bulk@example.com,facebook:7100000201,gold,GB,,\n"
                      "cli-bulk-2,Home One,07911 200202,,,,GB,,\n"
                      "cli-bulk-3,Home Two,07911 200202,,,,GB,,\n"
                      "cli-bulk-4,Bad Country,07911 200204,,,,GBR,,\n"
                      "cli-bulk-5,Erin Bulk,07911 200205,,,,GB,,\n", encoding="utf-8")
    summary = as_json(cli("customers", "import", str(export), "--batch-size", "3", "--workers", "2", "--json"))
    assert (summary["batches"], summary["upserted"], summary["rejected"], summary["failed_batches"]) == (2, 4, 1, [])
    seen = as_json(cli("lookup", "+447911200201", "--json"))
    assert (seen["found"], seen["customer_id"], seen["customer_name"]) == ("true", "cli-bulk-1", "Ada Bulk")
    assert as_json(cli("lookup", "+447911200202", "--json"))["reason"] == "shared_number"  # a household
    as_json(cli("erase", "--customer", "cli-bulk-5", "--yes", "--json"))

    again = as_json(cli("customers", "import", str(export), "--batch-size", "3", "--json"))  # the same export
    assert (again["upserted"], again["rejected"]) == (3, 2)
    problems = [json.loads(line) for line in importer.problems_path(export).read_text().splitlines()]
    refused = [p for p in problems if p["customer_id"] == "cli-bulk-5"]
    assert [(p["line"], p["kind"]) for p in refused] == [(6, "rejected")] and "erased on" in refused[0]["error"]
    assert as_json(cli("lookup", "+447911200205", "--json"))["reason"] == "no_customer"
    assert as_json(cli("lookup", "+447911200201", "--json"))["customer_id"] == "cli-bulk-1"


def test_the_per_record_sync_is_still_there_and_batch_sizes_are_checked_per_mode(cli, tmp_path):
    export = tmp_path / "few.jsonl"
    export.write_text(json.dumps({"customer_id": "cli-per-record-1", "phones": ["07911 200301"]}) + "\n",
                      encoding="utf-8")
    summary = as_json(cli("customers", "import", str(export), "--per-record", "--json"))
    assert (summary["upserted"], summary["rejected"]) == (1, 0)
    assert as_json(cli("lookup", "+447911200301", "--json"))["customer_id"] == "cli-per-record-1"
    too_big = cli("customers", "import", str(export), "--batch-size", "501")
    assert too_big.exit_code == 2 and "the batch size must be 1 to 500" in too_big.stderr
    too_big = cli("customers", "import", str(export), "--per-record", "--batch-size", "201")
    assert too_big.exit_code == 2 and "1 to 200 with --per-record" in too_big.stderr


def test_a_malformed_file_and_a_function_error_are_one_line_errors(cli, tmp_path):
    export = tmp_path / "crm.csv"
    export.write_text("customer_id,telephone\ncli-x,07911 200099\n", encoding="utf-8")
    result = cli("customers", "import", str(export))
    assert result.exit_code == 1 and "unknown column(s) 'telephone'" in result.stderr
    result = cli("review", "confirm", "facebook#nothing-here", "cli-1")
    assert result.exit_code == 1 and result.stderr.startswith("Error: MatchReviewFunction:")


def test_lookup_shows_what_the_agent_sees(cli, imported, stack, app_secret):
    message = samples.page_comment("cli-comment-1", "7100000001", "Ada Import", "Where is my refund, Acme?")
    assert post(stack, message, app_secret).status_code == 200
    stack.wait_idle(timeout=120)
    result = cli("lookup", "07911 200001", "--country", "GB")
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Whispered to the agent" in text and "Ada Import. 1 social post in the last" in text
    assert "Where is my refund, Acme?" in text and re.search(r"customer_name\W+Ada Import", text)
    assert "No social context (reason: no_customer)" in " ".join(cli("lookup", "+447911200077").stdout.split())


def test_review_list_show_confirm_and_unlink_a_held_post(cli, imported, stack, app_secret):
    # A stranger's direct message with Grace Import's phone in it: typed evidence, held for review.
    message = samples.messenger_message("m_cli_held_1", "7100000999", "hello, my number is 07911 200002")
    assert post(stack, message, app_secret).status_code == 200
    stack.wait_idle(timeout=120)
    held = as_json(cli("review", "list", "--json"))["pending"]
    mine = [item for item in held if any(c["customer_id"] == "cli-2" for c in item["candidates"])]
    assert len(mine) == 1
    post_key = mine[0]["post_key"]
    assert post_key in cli("review", "list").stdout
    shown = as_json(cli("review", "show", post_key, "--json"))
    assert shown["candidates"][0]["customer_id"] == "cli-2" and shown["candidates"][0]["evidence"]
    assert "phone_in_message" in cli("review", "show", post_key).stdout

    assert as_json(cli("review", "confirm", post_key, "cli-2", "--json")) == {
        "post_key": post_key, "customer_id": "cli-2", "linked": True}
    assert as_json(cli("lookup", "+447911200002", "--json"))["recent_posts"] == "1"
    assert post_key not in [item["post_key"] for item in as_json(cli("review", "list", "--json"))["pending"]]
    assert as_json(cli("review", "unlink", post_key, "--json")) == {
        "post_key": post_key, "customer_id": "cli-2", "rejected": True}
    assert as_json(cli("lookup", "+447911200002", "--json"))["recent_posts"] == "0"
    again = cli("review", "reject", post_key, "cli-nobody")
    assert again.exit_code == 1 and "no customer cli-nobody" in again.stderr


def test_link_code(cli, imported):
    answer = as_json(cli("link-code", "cli-4", "--json"))
    assert answer["customer_id"] == "cli-4" and re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", answer["code"])
    assert "Code for cli-4:" in cli("link-code", "cli-4").stdout
    assert cli("link-code", "cli-absent").exit_code == 1


def test_erase_a_customer_and_again(cli, imported):
    receipt = as_json(cli("erase", "--customer", "cli-5", "--yes", "--json"))
    assert receipt["erased"] == "customer cli-5"
    assert receipt["counts"]["customer_records"] == 1 and receipt["counts"]["cards"] >= 1
    assert as_json(cli("lookup", "+447911200005", "--json"))["reason"] == "no_customer"
    again = as_json(cli("erase", "--customer", "cli-5", "--yes", "--json"))
    assert again["counts"]["customer_records"] == 0 and again["total"] == 0
    assert "customer records" in cli("erase", "--customer", "cli-5", "--yes").stdout


def test_dlq_list_show_and_redrive(cli, stack):
    stack.wait_idle(timeout=60)
    sqs = stack.client("sqs")
    stranger = Author("facebook", user_id="7100000777", name="Someone")
    message = CanonicalPost("facebook", "cli-dlq-1", "comment", stranger, "a post that failed five times",
                            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")).to_message()
    sqs.send_message(QueueUrl=stack.resources.queue_urls["IngestDeadLetterQueue"], MessageBody=json.dumps(message))

    queues = {q["queue"]: q for q in as_json(cli("dlq", "list", "--json"))["queues"]}
    assert set(queues) == {"IngestDeadLetterQueue", "PushDeadLetterQueue"}
    assert (queues["IngestDeadLetterQueue"]["source"], queues["IngestDeadLetterQueue"]["messages"]) == ("IngestQueue",
                                                                                                         1)
    assert "IngestDeadLetterQueue" in cli("dlq", "list").stdout
    for _ in range(2):  # looking does not take the message away
        shown = as_json(cli("dlq", "show", "ingest", "--json"))["messages"]
        assert [json.loads(m["body"])["post_id"] for m in shown] == ["cli-dlq-1"]
    assert "cli-dlq-1" in cli("dlq", "show", "IngestDeadLetterQueue").stdout

    moved = as_json(cli("dlq", "redrive", "ingest", "--json"))
    assert (moved["from"], moved["to"], moved["moved"], moved["not_moved"]) == ("IngestDeadLetterQueue",
                                                                              "IngestQueue", 1, 0)
    stack.wait_idle(timeout=120)
    stored = stack.client("dynamodb").get_item(TableName="PostsTable", Key={"pk": {"S": "facebook#cli-dlq-1"}})
    assert "Item" in stored  # processed once back on its queue
    assert {q["queue"]: q["messages"] for q in as_json(cli("dlq", "list", "--json"))["queues"]} == {
        "IngestDeadLetterQueue": 0, "PushDeadLetterQueue": 0}
    assert cli("dlq", "show", "nonesuch").exit_code == 1


def test_report_reads_the_rollups(cli, stack, imported, lambda_client):
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer = lambda_client.invoke(FunctionName="MetricsRollupFunction", Payload=json.dumps({"hour": hour}).encode())
    assert "FunctionError" not in answer
    summary = as_json(cli("report", "--days", "1", "--json"))
    assert summary["days"] == [hour[:10]] and summary["totals"]["Posts"] >= 1
    text = cli("report", "--days", "1").stdout
    assert "Per day" in text and hour[:10] in text
    assert cli("report", "--until", "yesterday").exit_code == 2
