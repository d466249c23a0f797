"""The operator command's import: reading CRM exports, batching, problem lines, resuming (socialcrm_cli)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from socialcrm.customers import parse_customer
from socialcrm.errors import InvalidRecord
from socialcrm_cli import customers_file, importer
from socialcrm_cli.customers_file import FileProblem, Row, read_rows, social_entry
from socialcrm_cli.errors import CliError
from socialcrm_cli.target import FunctionFailed

HEADER = ",".join(customers_file.CSV_COLUMNS)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- reading ------------------------------------------------------------------------------------------

def test_a_csv_row_becomes_the_record_customer_sync_takes(tmp_path):
    path = write(tmp_path, "crm.csv", HEADER + "\n"
                 'cust-1,Ada Lovelace,07911 123456; +44 7911 654321,ada@example.com,'
                 '"facebook:6104410001;instagram:@ada.builds;x:99@ada_x",gold,GB,London,true\n')
    [row] = read_rows(path, "csv")
    assert row.line == 2 and row.error is None and row.warnings == []
    assert row.record == {
        "customer_id": "cust-1", "name": "Ada Lovelace", "segment": "gold", "country": "GB", "city": "London",
        "phones": ["07911 123456", "+44 7911 654321"], "emails": ["ada@example.com"],
        "social": [{"platform": "facebook", "user_id": "6104410001"},
                   {"platform": "instagram", "handle": "@ada.builds"},
                   {"platform": "x", "user_id": "99", "handle": "@ada_x"}],
        "returning": True,
    }


def test_csv_columns_may_be_left_out_and_come_in_any_order(tmp_path):
    path = write(tmp_path, "crm.csv", "phones,customer_id\n07911 123456,cust-2\n,cust-3\n")
    rows = list(read_rows(path, "csv"))
    assert [row.record for row in rows] == [{"customer_id": "cust-2", "phones": ["07911 123456"]},
                                            {"customer_id": "cust-3"}]


@pytest.mark.parametrize(("text", "expected"), [
    ("facebook:123", {"platform": "facebook", "user_id": "123"}),
    ("Instagram:@ada.builds", {"platform": "instagram", "handle": "@ada.builds"}),
    ("linkedin:urn:li:person:abc", {"platform": "linkedin", "user_id": "urn:li:person:abc"}),
    ("x:42@grace", {"platform": "x", "user_id": "42", "handle": "@grace"}),
    ("facebook", None), ("facebook:", None), (":123", None), ("x:42@", None),
])
def test_social_entries(text, expected):
    assert social_entry(text) == expected


def test_a_bad_csv_row_is_rejected_alone_and_a_bad_social_entry_dropped_with_a_warning(tmp_path):
    path = write(tmp_path, "crm.csv", HEADER + "\n"
                 "cust-1,Ada,,,,,,,maybe\n"
                 "cust-2,Grace,,,,,,,,extra\n"
                 "cust-3,Alan,,,facebook;instagram:@alan.t,,,,\n")
    first, second, third = read_rows(path, "csv")
    assert (first.line, first.record, first.error) == (2, None, "returning: must be true or false")
    assert (second.record, second.error) == (None, "has more cells than the header")
    assert third.record == {"customer_id": "cust-3", "name": "Alan",
                            "social": [{"platform": "instagram", "handle": "@alan.t"}]}
    assert [name for name, _ in third.warnings] == ["social[0]"]


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty file"),
    ("customer_id,phone\n1,2\n", "unknown column(s) 'phone'"),
    ("name,phones\nAda,\n", "no customer_id column"),
])
def test_a_malformed_csv_file_is_refused_whole(tmp_path, text, message):
    path = write(tmp_path, "crm.csv", text)
    with pytest.raises(FileProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        list(read_rows(path, "csv"))


def test_a_file_that_is_not_utf8_is_refused_whole(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_bytes(HEADER.encode() + b"\ncust-1,Ad\xe9,,,,,,,\n")
    with pytest.raises(FileProblem, match="not UTF-8"):
        list(read_rows(path, "csv"))


def test_json_lines_pass_records_through_and_reject_bad_lines_by_number(tmp_path):
    record = {"customer_id": "cust-1", "phones": ["07911 123456"], "returning": False}
    path = write(tmp_path, "crm.jsonl", json.dumps(record) + "\n\n{not json\n[1, 2]\n"
                 + json.dumps({"customer_id": "big", "name": "x" * 30_000}) + "\n")
    rows = list(read_rows(path, "jsonl"))
    assert [(row.line, row.record, row.error is None) for row in rows] == [
        (1, record, True), (3, None, False), (4, None, False), (5, None, False)]
    assert rows[1].error.startswith("not JSON")
    assert rows[2].error == "must be a JSON object"
    assert "larger than" in rows[3].error


def test_the_format_comes_from_the_name_or_the_option(tmp_path):
    assert customers_file.file_format(Path("a.CSV")) == "csv"
    assert customers_file.file_format(Path("a.ndjson")) == "jsonl"
    assert customers_file.file_format(Path("a.txt"), "jsonl") == "jsonl"
    with pytest.raises(FileProblem, match="--format"):
        customers_file.file_format(Path("a.txt"))
    with pytest.raises(FileProblem, match="unknown format"):
        customers_file.file_format(Path("a.csv"), "xml")
    with pytest.raises(FileProblem, match="no such file"):
        list(read_rows(tmp_path / "missing.csv", "csv"))


def test_generated_rows_are_what_the_real_validation_accepts_except_the_planted_problems(tmp_path):
    path = tmp_path / "generated.csv"
    made = customers_file.generate_csv(path, 1500, seed=3)
    rows = list(read_rows(path, "csv"))
    assert made["rows"] == len(rows) == 1500
    rejected = dropped = 0
    ids, phones = set(), set()
    for row in rows:
        problems: list[InvalidRecord] = []
        try:
            customer = parse_customer(row.record, "GB", problems)
        except InvalidRecord:
            rejected += 1
            continue
        dropped += len(problems)
        ids.add(customer.customer_id)
        phones.update(customer.phones)
    assert (rejected, dropped) == (made["bad_countries"], made["bad_phones"])
    assert made["bad_phones"] > 0 and len(ids) == len(phones) == 1500 - rejected  # unique: no shared cards
    assert customers_file.generate_csv(tmp_path / "again.csv", 1500, seed=3) == made
    assert (tmp_path / "again.csv").read_bytes() == path.read_bytes()


# -- batches and problem lines ----------------------------------------------------------------------

def rows(count: int, *, bad: frozenset[int] = frozenset()) -> list[Row]:
    return [Row(n + 2, error="bad") if n in bad else Row(n + 2, {"customer_id": f"c{n}"}) for n in range(count)]


def test_batches_keep_every_row_in_its_place():
    made = list(importer.batches(rows(450, bad=frozenset({5})), 200))
    assert [(batch.index, len(batch.rows), len(batch.sent)) for batch in made] == [(0, 200, 199), (1, 200, 200),
                                                                                   (2, 50, 50)]
    assert made[1].rows[0].line == 202
    assert made[0].payload()["customers"][5] == {"customer_id": "c6"}
    with pytest.raises(CliError, match="1 to 200"):
        list(importer.batches(rows(1), 201))


def test_bulk_batches_carry_the_flag_and_hold_up_to_500_rows():
    made = list(importer.batches(rows(1200, bad=frozenset({700})), 500, bulk=True))
    assert [(batch.index, len(batch.rows), len(batch.sent)) for batch in made] == [(0, 500, 500), (1, 500, 499),
                                                                                   (2, 200, 200)]
    assert made[1].payload() == {"customers": [row.record for row in made[1].sent], "bulk": True}
    assert "bulk" not in next(importer.batches(rows(3), 3)).payload()  # per-record: the sync's own shape
    with pytest.raises(CliError, match="1 to 500"):
        list(importer.batches(rows(1), 501, bulk=True))
    with pytest.raises(CliError, match="1 to 200 with --per-record"):
        importer.check_batch_size(201, bulk=False)


def test_a_batch_closes_early_rather_than_pass_the_payload_limit_and_always_the_same_way():
    wide = [Row(n + 2, {"customer_id": f"c{n:02d}", "name": "x" * 1000}) for n in range(30)]
    weight = importer.record_bytes(wide[0])
    first = [len(batch.rows) for batch in importer.batches(wide, 25, bulk=True, max_bytes=weight * 10)]
    assert first == [10, 10, 10]
    assert [len(batch.rows) for batch in importer.batches(wide, 25, bulk=True, max_bytes=weight * 10)] == first
    assert [len(batch.rows) for batch in importer.batches(wide, 4, bulk=True, max_bytes=weight * 10)] == [4] * 7 + [2]
    assert [batch.rows[0].line for batch in importer.batches(wide, 25, bulk=True, max_bytes=weight * 10)] == [2, 12,
                                                                                                              22]


def test_problem_lines_map_the_functions_indexes_back_to_file_lines():
    batch = importer.Batch(3, rows(5, bad=frozenset({1})))
    batch.rows[4].warnings.append(("social[0]", "dropped"))
    answer = {"upserted": 3, "rejected": [{"index": 2, "error": "country: must be a two-letter ISO 3166 code"}],
              "warnings": [{"index": 0, "field": "phones[0]", "error": "is not a valid phone number; dropped"}]}
    counts, lines = importer.problem_lines(batch, answer)
    assert counts == {"upserted": 3, "rejected": 2, "warnings": 2}
    assert [(item["line"], item["customer_id"], item["kind"], item["field"]) for item in lines] == [
        (2, "c0", "warning", "phones[0]"), (3, None, "rejected", None), (5, "c3", "rejected", None),
        (6, "c4", "warning", "social[0]")]
    assert {item["batch"] for item in lines} == {3}


def test_a_batch_refused_as_a_whole_or_a_strange_answer_is_an_error():
    batch = importer.Batch(0, rows(2))
    with pytest.raises(CliError, match="refused the whole batch: customers: has 300"):
        importer.problem_lines(batch, {"upserted": 0, "rejected": [{"index": None,
                                                                    "error": "customers: has 300"}], "warnings": []})
    with pytest.raises(CliError, match="answered something other"):
        importer.problem_lines(batch, {"errorMessage": "boom"})


# -- state and resuming -------------------------------------------------------------------------------

def test_state_round_trip_and_a_changed_file_is_refused(tmp_path):
    source = write(tmp_path, "crm.csv", "x")
    state = importer.ImportState.load(source, "abc", 200, restart=False)
    state.done = {0: {"upserted": 199, "rejected": 1, "warnings": 0}, 4: {"upserted": 7, "rejected": 0,
                                                                          "warnings": 2}}
    state.save()
    again = importer.ImportState.load(source, "abc", 200, restart=False)
    assert again.done == state.done and again.totals() == {"upserted": 206, "rejected": 1, "warnings": 2}
    with pytest.raises(CliError, match="changed since the interrupted import"):
        importer.ImportState.load(source, "def", 200, restart=False)
    with pytest.raises(CliError, match="changed since"):
        importer.ImportState.load(source, "abc", 100, restart=False)
    assert importer.ImportState.load(source, "def", 200, restart=True).done == {}
    importer.state_path(source).write_text("{broken", encoding="utf-8")
    with pytest.raises(CliError, match="not a state file"):
        importer.ImportState.load(source, "abc", 200, restart=False)


class FakeFunction:
    """CustomerSyncFunction's answers; fails the batches whose first customer id is in `failing`."""

    def __init__(self, failing: set[str] | None = None, refuse: set[str] | None = None) -> None:
        self.failing, self.refuse = failing or set(), refuse or set()
        self.sent: list[str] = []

    def __call__(self, payload):
        first = payload["customers"][0]["customer_id"]
        self.sent.append(first)
        if first in self.failing:
            raise FunctionFailed("CustomerSyncFunction failed: Sandbox.Timedout: Task timed out")
        if first in self.refuse:
            raise CliError("AWS refused Invoke: AccessDeniedException: not allowed")
        rejected = [{"index": i, "error": "bad"} for i, r in enumerate(payload["customers"])
                    if r["customer_id"].endswith("7")]
        return {"upserted": len(payload["customers"]) - len(rejected), "rejected": rejected, "warnings": []}


def run(tmp_path: Path, all_rows: list[Row], send: FakeFunction, workers: int = 3,
        attempts: int = 1) -> importer.Outcome:
    source = tmp_path / "crm.csv"
    source.touch()
    state = importer.ImportState.load(source, "sha", 10, restart=False)
    return importer.run_import(importer.batches(all_rows, 10), send, state, importer.problems_path(source), workers,
                               attempts=attempts)


def problem_lines_of(tmp_path: Path) -> list[int]:
    text = importer.problems_path(tmp_path / "crm.csv").read_text(encoding="utf-8")
    return sorted(json.loads(line)["line"] for line in text.splitlines())


def test_a_failed_batch_is_left_for_the_next_run_which_sends_it_alone(tmp_path):
    all_rows = rows(55)
    first = FakeFunction(failing={"c20"})
    outcome = run(tmp_path, all_rows, first)
    assert sorted(first.sent) == sorted(f"c{n}" for n in range(0, 55, 10))
    assert outcome.done_batches == 5 and [f["batch"] for f in outcome.failed] == [2]
    assert outcome.failed[0]["first_line"] == 22 and "timed out" in outcome.failed[0]["error"]
    assert outcome.counts == {"upserted": 41, "rejected": 4, "warnings": 0}  # c7, c17, c37, c47 rejected
    before = problem_lines_of(tmp_path)

    second = FakeFunction()
    outcome = run(tmp_path, all_rows, second)
    assert second.sent == ["c20"]
    assert (outcome.skipped_batches, outcome.done_batches, outcome.failed) == (5, 1, [])
    assert outcome.counts == {"upserted": 50, "rejected": 5, "warnings": 0}
    assert problem_lines_of(tmp_path) == sorted([*before, 29])  # c27 on line 29, once


def test_aws_refusing_stops_the_import_and_a_rerun_resumes_without_duplicate_problems(tmp_path):
    all_rows = rows(100)
    first = FakeFunction(refuse={"c30"})
    with pytest.raises(importer.ImportStopped, match="AccessDenied") as stopped:
        run(tmp_path, all_rows, first, workers=1)
    # c0, c10, c20 done; after the refusal only the batch already in flight (2 per worker) may still go
    assert first.sent[:4] == ["c0", "c10", "c20", "c30"] and len(first.sent) <= 5
    assert stopped.value.outcome.done_batches == len(first.sent) - 1
    # A line written for a batch that did not complete (a crash between the two writes) is dropped on resume.
    with importer.problems_path(tmp_path / "crm.csv").open("a", encoding="utf-8") as problems:
        problems.write(json.dumps({"line": 39, "batch": 3}) + "\n")
    again = FakeFunction()
    outcome = run(tmp_path, all_rows, again)
    assert sorted(again.sent) == sorted({f"c{n}" for n in range(30, 100, 10)} - set(first.sent) | {"c30"})
    assert outcome.counts == {"upserted": 90, "rejected": 10, "warnings": 0}
    assert problem_lines_of(tmp_path) == [n + 2 for n in range(7, 100, 10)]


def test_a_batch_of_only_locally_rejected_rows_is_not_sent_but_recorded(tmp_path):
    send = FakeFunction()
    outcome = run(tmp_path, rows(10, bad=frozenset(range(10))) + rows(3), send)
    assert send.sent == ["c0"] and outcome.done_batches == 2
    assert outcome.counts == {"upserted": 3, "rejected": 10, "warnings": 0}


class FailsOnce(FakeFunction):
    def __call__(self, payload):
        first = payload["customers"][0]["customer_id"]
        if first in self.failing:
            self.failing.discard(first)
            self.sent.append(first)
            raise FunctionFailed("CustomerSyncFunction failed: Sandbox.Timedout: Task timed out")
        return super().__call__(payload)


def test_a_batch_the_function_failed_on_is_sent_again_within_the_run(tmp_path):
    send = FailsOnce(failing={"c10"})
    outcome = run(tmp_path, rows(30), send, attempts=2)
    assert sorted(send.sent) == ["c0", "c10", "c10", "c20"]
    assert (outcome.done_batches, outcome.failed) == (3, [])


def test_a_batch_that_keeps_failing_is_tried_attempts_times_then_reported(tmp_path):
    send = FakeFunction(failing={"c0"})
    outcome = run(tmp_path, rows(10), send, attempts=2)
    assert send.sent == ["c0", "c0"] and [failure["batch"] for failure in outcome.failed] == [0]


def test_an_interruption_keeps_what_completed_and_the_next_run_sends_the_rest(tmp_path):
    source = tmp_path / "crm.csv"
    source.touch()
    first = FakeFunction()
    pressed = []

    def ctrl_c_after_the_first_batch(count: int, sent: bool) -> None:
        if not pressed:
            pressed.append(count)
            raise KeyboardInterrupt

    state = importer.ImportState.load(source, "sha", 10, restart=False)
    outcome = importer.run_import(importer.batches(rows(50), 10), first, state, importer.problems_path(source), 1,
                                  ctrl_c_after_the_first_batch)
    assert outcome.interrupted and 0 in state.done
    assert importer.state_path(source).exists()
    assert len(first.sent) <= 3  # the first batch and at most the two in flight (2 per worker)
    again = FakeFunction()
    outcome = run(tmp_path, rows(50), again)
    assert sorted(again.sent + [sent for sent in first.sent if int(sent[1:]) // 10 in state.done]) == [
        f"c{n}" for n in range(0, 50, 10)]
    assert outcome.counts == {"upserted": 45, "rejected": 5, "warnings": 0}
