"""`socialcrm customers import`: a CRM export to CustomerSyncFunction in batches, in parallel, resumable.

Batches go as bulk imports ({"bulk": true}, up to 500 records: socialcrm.customer_import) or, with --per-record,
as the CRM's incremental syncs (up to 200). A batch is `size` consecutive rows of the file (rows rejected locally
keep their place), fewer when the records would pass MAX_BATCH_BYTES, so the batches of a file are always the
same. Beside the input FILE:
- FILE.state.json: the file's SHA-256, the batch size and each completed batch with its counts. A re-run of the
  same file skips those batches; the state goes once every batch is done.
- FILE.problems.jsonl: one line per rejected row or dropped entry: {"line", "customer_id", "kind", "field",
  "error", "batch"}. On a resume, lines of batches that did not complete are dropped (they are sent again).
A batch is recorded as done only after its problems are written, so an interruption loses nothing; a batch that
was in flight is sent again, which is safe (an upsert of the same record).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from socialcrm_cli.customers_file import Row
from socialcrm_cli.errors import CliError

BATCH_SIZE = 200  # CustomerSyncFunction's limit per per-record call (socialcrm.customers.MAX_RECORDS_PER_SYNC)
BULK_BATCH_SIZE = 500  # its limit per bulk call (socialcrm.customer_import.MAX_RECORDS_PER_IMPORT)
MAX_BATCH_BYTES = 5_000_000  # of records per call: under Lambda's 6 MB request payload
STATE_VERSION = 1
COUNTS = ("upserted", "rejected", "warnings")


@dataclass
class Batch:
    index: int
    rows: list[Row]
    bulk: bool = False

    @property
    def sent(self) -> list[Row]:
        return [row for row in self.rows if row.record is not None]

    def payload(self) -> dict[str, Any]:
        return {"customers": [row.record for row in self.sent], **({"bulk": True} if self.bulk else {})}


def record_bytes(row: Row) -> int:
    return len(json.dumps(row.record, ensure_ascii=False).encode()) + 2 if row.record is not None else 0


def check_batch_size(size: int, bulk: bool) -> None:
    largest = BULK_BATCH_SIZE if bulk else BATCH_SIZE
    if not 1 <= size <= largest:
        raise CliError(f"the batch size must be 1 to {largest}" + ("" if bulk else " with --per-record"), code=2)


def batches(rows: Iterable[Row], size: int = BATCH_SIZE, *, bulk: bool = False,
            max_bytes: int = MAX_BATCH_BYTES) -> Iterator[Batch]:
    """Consecutive rows, `size` to a batch, or fewer where their records would pass `max_bytes`."""
    check_batch_size(size, bulk)
    current: list[Row] = []
    used = 0
    index = 0
    for row in rows:
        weight = record_bytes(row)
        if current and used + weight > max_bytes:
            yield Batch(index, current, bulk)
            index, current, used = index + 1, [], 0
        current.append(row)
        used += weight
        if len(current) == size:
            yield Batch(index, current, bulk)
            index, current, used = index + 1, [], 0
    if current:
        yield Batch(index, current, bulk)


def state_path(source: Path) -> Path:
    return source.with_name(source.name + ".state.json")


def problems_path(source: Path) -> Path:
    return source.with_name(source.name + ".problems.jsonl")


@dataclass
class ImportState:
    """Completed batches of one file, with what each one did."""

    path: Path
    sha256: str
    batch_size: int
    done: dict[int, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def load(cls, source: Path, sha256: str, batch_size: int, restart: bool) -> ImportState:
        path = state_path(source)
        fresh = cls(path, sha256, batch_size)
        if restart or not path.exists():
            return fresh
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            done = {int(index): {name: int(counts[name]) for name in COUNTS}
                    for index, counts in data["done"].items()}
            same = (data["version"], data["sha256"], data["batch_size"]) == (STATE_VERSION, sha256, batch_size)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise CliError(f"{path.name} is not a state file this command wrote; remove it or use --restart",
                           code=2) from error
        if not same:
            raise CliError(f"{source.name} changed since the interrupted import recorded in {path.name} (or the "
                           "batch size did); use --restart to import it from the start", code=2)
        fresh.done = done
        return fresh

    def save(self) -> None:
        data = {"version": STATE_VERSION, "sha256": self.sha256, "batch_size": self.batch_size,
                "done": {str(index): counts for index, counts in sorted(self.done.items())}}
        partial = self.path.with_name(self.path.name + ".tmp")
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, self.path)  # atomic: a crash leaves the old state or the new one

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)

    def totals(self) -> dict[str, int]:
        return {name: sum(counts[name] for counts in self.done.values()) for name in COUNTS}


def keep_problems_of(path: Path, done: Iterable[int]) -> None:
    """Drop the lines of batches not done (they are sent again); a fresh import starts an empty file."""
    finished = set(done)
    kept: list[str] = []
    if finished and path.exists():
        with path.open(encoding="utf-8") as source:
            for line in source:
                try:
                    if json.loads(line).get("batch") in finished:
                        kept.append(line if line.endswith("\n") else line + "\n")
                except (ValueError, AttributeError):
                    continue
    path.write_text("".join(kept), encoding="utf-8")


def problem_lines(batch: Batch, answer: Any) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """The batch's counts and problem lines, from the local rejections and the function's answer.

    Raises CliError when the answer is not CustomerSyncFunction's shape or refuses the batch as a whole."""
    if not isinstance(answer, dict) or not all(isinstance(answer.get(name), int if name == "upserted" else list)
                                               for name in COUNTS):
        raise CliError("CustomerSyncFunction answered something other than {upserted, rejected, warnings}")
    sent = batch.sent
    problems: list[dict[str, Any]] = []

    def line(row: Row, kind: str, problem_field: str | None, error: str) -> dict[str, Any]:
        customer_id = row.record.get("customer_id") if row.record else None
        return {"line": row.line, "customer_id": customer_id if isinstance(customer_id, str) else None,
                "kind": kind, "field": problem_field, "error": error, "batch": batch.index}

    for row in batch.rows:
        if row.error is not None:
            problems.append(line(row, "rejected", None, row.error))
        problems += [line(row, "warning", name, problem) for name, problem in row.warnings]
    for rejection in answer["rejected"]:
        index = rejection.get("index") if isinstance(rejection, dict) else None
        if not isinstance(index, int) or not 0 <= index < len(sent):
            error = rejection.get("error") if isinstance(rejection, dict) else rejection
            raise CliError(f"CustomerSyncFunction refused the whole batch: {error}")
        problems.append(line(sent[index], "rejected", None, str(rejection.get("error"))))
    for warning in answer["warnings"]:
        index = warning.get("index") if isinstance(warning, dict) else None
        if isinstance(index, int) and 0 <= index < len(sent):
            problems.append(line(sent[index], "warning", warning.get("field"), str(warning.get("error"))))
    local_rejections = sum(1 for row in batch.rows if row.error is not None)
    local_warnings = sum(len(row.warnings) for row in batch.rows)
    counts = {"upserted": int(answer["upserted"]), "rejected": local_rejections + len(answer["rejected"]),
              "warnings": local_warnings + len(answer["warnings"])}
    problems.sort(key=lambda item: item["line"])
    return counts, problems


@dataclass
class Outcome:
    rows: int = 0  # rows in the file
    rows_this_run: int = 0  # rows of the batches this run completed
    batches: int = 0
    skipped_batches: int = 0  # done by an earlier run
    done_batches: int = 0  # done by this run
    failed: list[dict[str, Any]] = field(default_factory=list)  # {"batch", "first_line", "error"}
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))  # the whole file so far
    seconds: float = 0.0
    interrupted: bool = False
    workers: int = 0

    def as_dict(self) -> dict[str, Any]:
        rate = self.rows_this_run / self.seconds if self.seconds else 0.0
        return {"rows": self.rows, "batches": self.batches, "skipped_batches": self.skipped_batches,
                "done_batches": self.done_batches, "failed_batches": self.failed, **self.counts,
                "rows_this_run": self.rows_this_run, "seconds": round(self.seconds, 2),
                "rows_per_second": round(rate, 1), "workers": self.workers, "interrupted": self.interrupted}


Send = Callable[[dict[str, Any]], Any]
Advance = Callable[[int, bool], None]  # rows, whether they were sent in this run (not skipped)


def run_import(all_batches: Iterable[Batch], send: Send, state: ImportState, problems: Path, workers: int,
               advance: Advance = lambda rows, sent: None, attempts: int = 2) -> Outcome:
    """Send each batch not yet done, `workers` at a time; record each completed one as it completes.

    `send` raises FunctionFailed (the batch is sent again, up to `attempts` times in all, then fails and the others
    go on) or another CliError (AWS refused: stop)."""
    from socialcrm_cli.target import FunctionFailed

    outcome = Outcome(workers=workers)
    keep_problems_of(problems, state.done)
    started = time.monotonic()
    stop: CliError | None = None
    in_flight: dict[Future[Any], Batch] = {}
    tries: dict[int, int] = {}
    executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="import")

    def settle(finished: Iterable[Future[Any]]) -> None:
        nonlocal stop
        for future in finished:
            batch = in_flight.pop(future)
            try:
                counts, lines = problem_lines(batch, future.result())
            except FunctionFailed as error:
                tries[batch.index] = tries.get(batch.index, 1) + 1
                if tries[batch.index] <= attempts and stop is None and not outcome.interrupted:
                    in_flight[executor.submit(send, batch.payload())] = batch  # a timeout or a transient error
                    continue
                outcome.failed.append({"batch": batch.index, "first_line": batch.rows[0].line,
                                       "error": error.message})
            except CliError as error:
                outcome.failed.append({"batch": batch.index, "first_line": batch.rows[0].line,
                                       "error": error.message})
                stop = stop or error
            else:
                if lines:
                    with problems.open("a", encoding="utf-8") as target:
                        target.writelines(json.dumps(item, ensure_ascii=False) + "\n" for item in lines)
                state.done[batch.index] = counts
                state.save()
                outcome.done_batches += 1
                outcome.rows_this_run += len(batch.rows)
            advance(len(batch.rows), True)

    try:
        for batch in all_batches:
            outcome.batches += 1
            outcome.rows += len(batch.rows)
            if batch.index in state.done:
                outcome.skipped_batches += 1
                advance(len(batch.rows), False)
                continue
            if stop is not None:
                continue
            if not batch.sent:  # every row rejected locally: nothing to send
                future: Future[Any] = Future()
                future.set_result({"upserted": 0, "rejected": [], "warnings": []})
            else:
                future = executor.submit(send, batch.payload())
            in_flight[future] = batch
            while len(in_flight) >= 2 * workers:
                finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                settle(finished)
        while in_flight:
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            settle(finished)
    except KeyboardInterrupt:
        outcome.interrupted = True
        for future in in_flight:
            future.cancel()
        running = [future for future in in_flight if not future.cancelled()]
        wait(running)  # a batch already sent finishes and is recorded
        in_flight = {future: in_flight[future] for future in running}
        settle(list(in_flight))
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        outcome.seconds = time.monotonic() - started
    outcome.counts = state.totals()
    if stop is not None and not outcome.interrupted:
        raise ImportStopped(stop.message, outcome)
    return outcome


class ImportStopped(CliError):
    """AWS refused a call (credentials, permissions, a missing function): the import stopped early."""

    def __init__(self, message: str, outcome: Outcome) -> None:
        super().__init__(f"import stopped: {message}; completed batches are recorded, run the same command again "
                         "to resume")
        self.outcome = outcome
