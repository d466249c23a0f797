"""socialcrm: run the stack day to day (docs/operations.md).

Every command works on the local stack (`--local`, i.e. `make local`) or on a deployed stack found by its
CloudFormation name (`--stack NAME`, your AWS credentials); every command has --help, and --json for scripts.
"""

from __future__ import annotations

import functools
import json
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from socialcrm_cli import customers_file, importer
from socialcrm_cli.errors import CliError
from socialcrm_cli.target import Options, Target, aws_errors, connect

app = typer.Typer(help="Run the socialcrm stack day to day (docs/operations.md): pick the stack with --stack NAME "
                  "(deployed) or --local (make local), then a command.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_enable=False,
                  context_settings={"help_option_names": ["-h", "--help"]})
customers_app = typer.Typer(help="Customer records from the CRM.", no_args_is_help=True)
review_app = typer.Typer(help="The review queue: posts held because their author could be more than one customer.",
                         no_args_is_help=True)
dlq_app = typer.Typer(help="The stack's dead-letter queues: what failed five times, and sending it back.",
                      no_args_is_help=True)
app.add_typer(customers_app, name="customers")
app.add_typer(review_app, name="review")
app.add_typer(dlq_app, name="dlq")

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)
P = ParamSpec("P")
R = TypeVar("R")

JsonOutput = Annotated[bool, typer.Option("--json", help="Print the result as JSON, for scripts.")]


# -- target and output -----------------------------------------------------------------------------

@app.callback()
def choose_stack(
    ctx: typer.Context,
    stack: Annotated[str | None, typer.Option(envvar="SOCIALCRM_STACK", help="A deployed stack's CloudFormation name.")]
    = None,
    local: Annotated[bool, typer.Option("--local", help="The local stack of `make local` (AWS on 127.0.0.1:5000, "
                                                        "Lambda on 127.0.0.1:3001).")] = False,
    endpoint_url: Annotated[str | None, typer.Option(envvar="SOCIALCRM_ENDPOINT_URL",
                                                     help="A local stack's AWS endpoint (implies --local).")] = None,
    lambda_endpoint_url: Annotated[str | None, typer.Option(envvar="SOCIALCRM_LAMBDA_ENDPOINT_URL",
                                                            help="A local stack's Lambda Invoke API.")] = None,
    region: Annotated[str | None, typer.Option(help="AWS region (default: your AWS configuration).")] = None,
    profile: Annotated[str | None, typer.Option(help="AWS profile (default: your AWS configuration).")] = None,
) -> None:
    """Run the socialcrm stack day to day: --stack NAME (deployed) or --local (make local), then a command."""
    ctx.obj = Options(stack, local, endpoint_url, lambda_endpoint_url, region, profile)


def reported(function: Callable[P, R]) -> Callable[P, R]:
    """A command whose problems (CliError, AWS errors) end it with one line on stderr and their exit status."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with aws_errors():
                return function(*args, **kwargs)
        except CliError as error:
            err.print(Text.assemble(("Error: ", "bold red"), error.message))
            raise typer.Exit(error.code) from None

    return wrapper


def target_of(ctx: typer.Context) -> Target:
    if "target" not in ctx.meta:
        options = ctx.find_root().obj
        ctx.meta["target"] = connect(options if isinstance(options, Options) else Options())
    target: Target = ctx.meta["target"]
    return target


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def answer_of(target: Target, function: str, event: dict[str, Any]) -> dict[str, Any]:
    """A function's answer; its {"error": ...} answers become a one-line error."""
    answer = target.invoke(function, event)
    if not isinstance(answer, dict):
        raise CliError(f"{function} answered something other than a JSON object")
    if "error" in answer:
        raise CliError(f"{function}: {answer['error']}")
    return answer


# -- customers -----------------------------------------------------------------------------------

class RowsPerSecond(ProgressColumn):
    """Rows this run over its elapsed time (rows skipped on a resume do not count)."""

    def render(self, task: Task) -> Text:
        sent, elapsed = task.fields.get("sent", 0), task.elapsed
        return Text(f"{sent / elapsed:,.1f} rows/s" if sent and elapsed else "- rows/s", style="progress.data.speed")


@customers_app.command("import")
@reported
def import_customers(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A CSV file with the documented header, or JSON Lines "
                                              "(docs/operations.md).")],
    file_format: Annotated[str | None, typer.Option("--format", help="csv or jsonl (default: from the file name).")]
    = None,
    workers: Annotated[int | None, typer.Option(help="Batches in flight at once (default 8, at most the "
                                                     "function's reserved concurrency).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Records per invocation (bulk: 1-500, default 500; "
                                                        "--per-record: 1-200, default 200).")] = None,
    per_record: Annotated[bool, typer.Option("--per-record", help="Send the batches as the CRM's incremental "
                                                                  "syncs, record by record (slower; the bulk "
                                                                  "import is the default).")] = False,
    restart: Annotated[bool, typer.Option("--restart", help="Forget an interrupted import of this file and start "
                                                            "again.")] = False,
    attempts: Annotated[int, typer.Option(min=1, max=5, help="Tries per batch when the function fails (a timeout, "
                                                             "an error); then it is left for the next run.")] = 2,
    as_json: JsonOutput = False,
) -> None:
    """Load a CRM export into CustomerSyncFunction: bulk batches in parallel, resumable, problems beside FILE."""
    size = batch_size if batch_size is not None else importer.BATCH_SIZE if per_record else importer.BULK_BATCH_SIZE
    importer.check_batch_size(size, bulk=not per_record)
    kind = customers_file.file_format(file, file_format)
    rows = customers_file.count_rows(file, kind)  # reads the whole file first: a malformed one sends nothing
    if rows == 0:
        raise CliError(f"{file.name}: no rows to import", code=2)
    state = importer.ImportState.load(file, customers_file.fingerprint(file), size, restart)
    target = target_of(ctx)
    function = "CustomerSyncFunction"
    target.function(function)
    chosen = workers or 8
    if not 1 <= chosen <= 64:
        raise CliError("--workers must be 1 to 64", code=2)
    reserved = target.reserved_concurrency(function)
    if reserved == 0:
        raise CliError(f"{function} has reserved concurrency 0: it cannot run; raise it first")
    if reserved is not None:
        chosen = min(chosen, reserved)
    problems = importer.problems_path(file)
    if state.done and not as_json:
        err.print(f"Resuming: {len(state.done)} batches of {file.name} already done; they are skipped.")

    def send(payload: dict[str, Any]) -> Any:
        return target.invoke(function, payload)

    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), RowsPerSecond(),
               TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=as_json, transient=False) as progress:
        task = progress.add_task(f"importing {file.name}", total=rows, sent=0)

        def advance(count: int, sent: bool) -> None:
            progress.update(task, advance=count, sent=progress.tasks[task].fields["sent"] + (count if sent else 0))

        try:
            outcome = importer.run_import(importer.batches(customers_file.read_rows(file, kind), size,
                                                           bulk=not per_record),
                                          send, state, problems, chosen, advance, attempts)
        except importer.ImportStopped as stopped:
            progress.stop()
            show_import(stopped.outcome, file, state, problems, as_json)
            raise
    complete = outcome.done_batches + outcome.skipped_batches == outcome.batches and not outcome.interrupted
    if complete:
        state.remove()
    show_import(outcome, file, state, problems, as_json)
    if outcome.interrupted:
        raise typer.Exit(130)
    if outcome.failed:
        raise typer.Exit(1)


def show_import(outcome: importer.Outcome, file: Path, state: importer.ImportState, problems: Path,
                as_json: bool) -> None:
    resumable = state.path.exists()
    summary = {**outcome.as_dict(), "problems_file": str(problems) if problems.exists() else None,
               "state_file": str(state.path) if resumable else None}
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"Import of {file.name}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("rows in the file", f"{outcome.rows:,}")
    table.add_row("upserted", f"{outcome.counts['upserted']:,}")
    table.add_row("rejected", f"{outcome.counts['rejected']:,}")
    table.add_row("entries dropped (warnings)", f"{outcome.counts['warnings']:,}")
    table.add_row("batches done (this run / earlier)", f"{outcome.done_batches:,} / {outcome.skipped_batches:,}")
    table.add_row("batches failed", f"{len(outcome.failed):,}")
    table.add_row("this run", f"{outcome.rows_this_run:,} rows in {outcome.seconds:,.1f} s, "
                              f"{summary['rows_per_second']:,.0f} rows/s, {outcome.workers} workers")
    out.print(table)
    for failure in outcome.failed[:10]:
        out.print(f"[red]batch {failure['batch']} (from line {failure['first_line']}) failed:[/] {failure['error']}")
    if summary["problems_file"]:
        out.print(f"Rejected rows and dropped entries: {problems}")
    if outcome.interrupted:
        out.print(f"[yellow]Interrupted.[/] Run the same command again to resume ({state.path.name}).")
    elif outcome.failed:
        out.print("Run the same command again to retry the failed batches"
                  + (f" ({state.path.name} records the others)." if resumable else "."))


@customers_app.command("generate")
@reported
def generate_customers(
    file: Annotated[Path, typer.Argument(help="The CSV file to write.")],
    rows: Annotated[int, typer.Option(help="How many customers.")] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed (the same seed writes the same file).")] = 7,
    as_json: JsonOutput = False,
) -> None:
    """Write made-up customers as a CSV export, for a rehearsal or `make import-bench`."""
    if rows < 1:
        raise CliError("--rows must be at least 1", code=2)
    made = customers_file.generate_csv(file, rows, seed)
    if as_json:
        print_json({"file": str(file), **made})
    else:
        out.print(f"{file}: {made['rows']:,} customers ({made['bad_phones']:,} with an unusable phone, "
                  f"{made['bad_countries']:,} with an unusable country)")


# -- review queue and link codes ---------------------------------------------------------------------

def candidates_text(candidates: Any) -> str:
    if not isinstance(candidates, list):
        return ""
    parts = []
    for candidate in candidates:
        if isinstance(candidate, dict):
            conflict = ", conflicting" if candidate.get("conflict") else ""
            parts.append(f"{candidate.get('customer_id')} (score {candidate.get('score')}{conflict})")
    return "\n".join(parts)


def pending(target: Target, limit: int) -> list[dict[str, Any]]:
    answer = answer_of(target, "MatchReviewFunction", {"action": "pending", "limit": limit})
    held = answer.get("pending")
    return [item for item in held if isinstance(item, dict)] if isinstance(held, list) else []


@review_app.command("list")
@reported
def review_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many (1-200).")] = 50,
    as_json: JsonOutput = False,
) -> None:
    """Posts held for review, oldest first, with their candidate customers."""
    held = pending(target_of(ctx), limit)
    if as_json:
        print_json({"pending": held})
        return
    if not held:
        out.print("Nothing is held for review.")
        return
    table = Table(title=f"Held for review ({len(held)})", title_justify="left")
    for heading in ("post", "held since", "candidates"):
        table.add_column(heading)
    for item in held:
        table.add_row(str(item.get("post_key")), str(item.get("created_at", "")),
                      candidates_text(item.get("candidates")))
    out.print(table)
    out.print("Next: socialcrm review show POST | confirm POST CUSTOMER | reject POST CUSTOMER")


@review_app.command("show")
@reported
def review_show(
    ctx: typer.Context,
    post_key: Annotated[str, typer.Argument(help="The post, as `review list` shows it (platform#id).")],
    as_json: JsonOutput = False,
) -> None:
    """One held post: each candidate customer with its score and evidence."""
    held = next((item for item in pending(target_of(ctx), 200) if item.get("post_key") == post_key), None)
    if held is None:
        raise CliError(f"{post_key} is not held for review (among the 200 oldest)")
    if as_json:
        print_json(held)
        return
    table = Table(title=f"{post_key}, held since {held.get('created_at', '?')}", title_justify="left")
    for heading in ("candidate", "score", "evidence", "conflict"):
        table.add_column(heading)
    for candidate in held.get("candidates") or []:
        if isinstance(candidate, dict):
            evidence = candidate.get("evidence")
            table.add_row(str(candidate.get("customer_id")), str(candidate.get("score")),
                          ", ".join(map(str, evidence)) if isinstance(evidence, list) else "",
                          "yes" if candidate.get("conflict") else "")
    out.print(table)


def review_action(ctx: typer.Context, event: dict[str, Any], as_json: bool, said: str) -> None:
    answer = answer_of(target_of(ctx), "MatchReviewFunction", event)
    if as_json:
        print_json(answer)
    else:
        out.print(said)


@review_app.command("confirm")
@reported
def review_confirm(
    ctx: typer.Context,
    post_key: Annotated[str, typer.Argument(help="The held (or linked) post.")],
    customer_id: Annotated[str, typer.Argument(help="The customer whose account it is.")],
    as_json: JsonOutput = False,
) -> None:
    """This post's account is this customer's: every post of the account follows, cards are rebuilt."""
    review_action(ctx, {"action": "confirm", "post_key": post_key, "customer_id": customer_id}, as_json,
                  f"Confirmed: {post_key}'s account is {customer_id}'s.")


@review_app.command("reject")
@reported
def review_reject(
    ctx: typer.Context,
    post_key: Annotated[str, typer.Argument(help="The held (or linked) post.")],
    customer_id: Annotated[str, typer.Argument(help="The customer it is not.")],
    as_json: JsonOutput = False,
) -> None:
    """Not this customer: the pair is never linked again automatically."""
    review_action(ctx, {"action": "reject", "post_key": post_key, "customer_id": customer_id}, as_json,
                  f"Rejected: {post_key}'s account is not {customer_id}'s.")


@review_app.command("unlink")
@reported
def review_unlink(
    ctx: typer.Context,
    post_key: Annotated[str, typer.Argument(help="A post linked to the wrong customer.")],
    as_json: JsonOutput = False,
) -> None:
    """A wrong match: the same as rejecting the customer the post is linked to."""
    review_action(ctx, {"action": "unlink", "post_key": post_key}, as_json, f"Unlinked {post_key}.")


@app.command("link-code")
@reported
def link_code(
    ctx: typer.Context,
    customer_id: Annotated[str, typer.Argument(help="The customer who will send the code.")],
    as_json: JsonOutput = False,
) -> None:
    """Issue a one-time code; the customer sends it in a direct message from the account to link."""
    answer = answer_of(target_of(ctx), "MatchReviewFunction", {"action": "issue_code", "customer_id": customer_id})
    if as_json:
        print_json(answer)
        return
    out.print(f"Code for {customer_id}: [bold]{answer.get('code')}[/] (valid until {answer.get('expires_at')}). "
              "The customer sends it in a direct message from the account to link.")


# -- erasure -----------------------------------------------------------------------------------------

@app.command("erase")
@reported
def erase(
    ctx: typer.Context,
    customer: Annotated[str | None, typer.Option(help="A customer id: the record and everything linked to it.")]
    = None,
    platform: Annotated[str | None, typer.Option(help="A social account with no customer record: its platform.")]
    = None,
    user_id: Annotated[str | None, typer.Option(help="With --platform: the account's id.")] = None,
    handle: Annotated[str | None, typer.Option(help="With --platform: the account's handle.")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOutput = False,
) -> None:
    """Erase a person from every copy the stack holds (docs/privacy.md) and print the receipt."""
    if (customer is None) == (platform is None):
        raise CliError("give --customer ID, or --platform with --user-id or --handle", code=2)
    event: dict[str, Any]
    if customer is not None:
        event, subject = {"customer_id": customer}, f"customer {customer}"
    else:
        if (user_id is None) == (handle is None):
            raise CliError("with --platform give one of --user-id or --handle", code=2)
        event = {"platform": platform, **({"user_id": user_id} if user_id else {"handle": handle})}
        subject = f"{platform} account {user_id or handle}"
    if not yes:
        if not sys.stdin.isatty():
            raise CliError("erasure cannot be undone: add --yes to confirm when not at a terminal", code=2)
        typer.confirm(f"Erase {subject} everywhere? This cannot be undone", abort=True)
    receipt = answer_of(target_of(ctx), "ErasureFunction", event)
    if as_json:
        print_json(receipt)
        return
    table = Table(title=f"Erased {receipt.get('erased', subject)}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    for name, value in (receipt.get("counts") or {}).items():
        table.add_row(name.replace("_", " "), str(value))
    table.add_row("items removed", str(receipt.get("total")))
    out.print(table)


# -- dead-letter queues ------------------------------------------------------------------------------

def dead_letter_queues(target: Target) -> list[dict[str, Any]]:
    """The stack's queues that another of its queues dead-letters to, with their depth and source."""
    sqs = target.client("sqs")
    queues: dict[str, dict[str, Any]] = {}
    for logical in sorted(target.of_type("AWS::SQS::Queue")):
        url = target.queue_url(logical)
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        queues[logical] = {"url": url, **attributes}
    by_arn = {queue["QueueArn"]: logical for logical, queue in queues.items()}
    found = []
    for logical, queue in queues.items():
        policy = json.loads(queue.get("RedrivePolicy") or "{}")
        dlq = by_arn.get(policy.get("deadLetterTargetArn", ""))
        if dlq is not None:
            attributes = queues[dlq]
            found.append({"queue": dlq, "source": logical, "url": attributes["url"],
                          "messages": int(attributes.get("ApproximateNumberOfMessages", 0)),
                          "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
                          "max_receive_count": int(policy.get("maxReceiveCount", 0))})
    return sorted(found, key=lambda item: item["queue"])


def dead_letter_queue(target: Target, name: str) -> dict[str, Any]:
    queues = dead_letter_queues(target)
    for queue in queues:
        if name.lower() in (queue["queue"].lower(), queue["queue"].lower().removesuffix("deadletterqueue")):
            return queue
    raise CliError(f"no dead-letter queue {name!r}; the stack has {', '.join(q['queue'] for q in queues) or 'none'}")


QueueName = Annotated[str, typer.Argument(help="The dead-letter queue: IngestDeadLetterQueue or "
                                                "PushDeadLetterQueue (or just ingest, push).")]


@dlq_app.command("list")
@reported
def dlq_list(ctx: typer.Context, as_json: JsonOutput = False) -> None:
    """Each dead-letter queue with how many messages wait in it."""
    queues = dead_letter_queues(target_of(ctx))
    if as_json:
        print_json({"queues": queues})
        return
    table = Table(title="Dead-letter queues", title_justify="left")
    for heading in ("queue", "messages", "in flight", "fed by", "after receives"):
        table.add_column(heading)
    for queue in queues:
        table.add_row(queue["queue"], str(queue["messages"]), str(queue["in_flight"]), queue["source"],
                      str(queue["max_receive_count"]))
    out.print(table)


@dlq_app.command("show")
@reported
def dlq_show(
    ctx: typer.Context,
    queue: QueueName,
    limit: Annotated[int, typer.Option("--max", min=1, max=100, help="At most this many messages (1-100).")] = 10,
    as_json: JsonOutput = False,
) -> None:
    """Look at messages of a dead-letter queue without removing them (they are hidden for a moment, then back)."""
    target = target_of(ctx)
    found = dead_letter_queue(target, queue)
    sqs = target.client("sqs")
    seen: dict[str, dict[str, Any]] = {}
    handles: list[str] = []
    while len(seen) < limit:
        batch = sqs.receive_message(QueueUrl=found["url"], MaxNumberOfMessages=min(10, limit - len(seen)),
                                    VisibilityTimeout=30, WaitTimeSeconds=1, AttributeNames=["All"],
                                    MessageAttributeNames=["All"]).get("Messages", [])
        if not batch:
            break
        for message in batch:
            handles.append(message["ReceiptHandle"])
            attributes = message.get("Attributes", {})
            sent = attributes.get("SentTimestamp")
            seen[message["MessageId"]] = {
                "message_id": message["MessageId"],
                "sent_at": datetime.fromtimestamp(int(sent) / 1000, UTC).isoformat() if sent else None,
                "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
                "attributes": {name: value.get("StringValue") for name, value in
                               (message.get("MessageAttributes") or {}).items()},
                "body": message.get("Body", ""),
            }
    for start in range(0, len(handles), 10):  # visible again at once: only looked at
        sqs.change_message_visibility_batch(QueueUrl=found["url"], Entries=[
            {"Id": str(n), "ReceiptHandle": handle, "VisibilityTimeout": 0}
            for n, handle in enumerate(handles[start:start + 10])])
    messages = list(seen.values())
    if as_json:
        print_json({"queue": found["queue"], "messages": messages})
        return
    if not messages:
        out.print(f"{found['queue']} is empty.")
        return
    table = Table(title=f"{found['queue']}: {len(messages)} of about {found['messages']}", title_justify="left")
    for heading in ("message", "sent", "receives", "attributes", "body"):
        table.add_column(heading, overflow="fold")
    for message in messages:
        body = message["body"]
        table.add_row(message["message_id"], message["sent_at"] or "", str(message["receive_count"]),
                      ", ".join(f"{k}={v}" for k, v in message["attributes"].items()),
                      body if len(body) <= 200 else body[:200] + "...")
    out.print(table)


@dlq_app.command("redrive")
@reported
def dlq_redrive(
    ctx: typer.Context,
    queue: QueueName,
    limit: Annotated[int, typer.Option("--max", min=1, help="At most this many messages.")] = 1000,
    as_json: JsonOutput = False,
) -> None:
    """Move a dead-letter queue's messages back to the queue that feeds it (after the cause is fixed)."""
    from infra.redrive import redrive

    target = target_of(ctx)
    found = dead_letter_queue(target, queue)
    destination = target.queue_url(found["source"])
    result = redrive(target.client("sqs"), found["url"], destination, limit)
    if as_json:
        print_json({"from": found["queue"], "to": found["source"], **result})
    else:
        out.print(f"Moved {result['moved']} message(s) from {found['queue']} back to {found['source']}"
                  + (f"; {result['not_moved']} could not be moved and stay." if result["not_moved"] else "."))
    if result["not_moved"]:
        raise typer.Exit(1)


# -- lookup ------------------------------------------------------------------------------------------

def connect_event(number: str, country: str | None, channel: str) -> dict[str, Any]:
    """An Amazon Connect contact-flow event for an inbound contact from `number` (events/contact_lookup.json)."""
    contact_id = str(uuid.uuid4())
    return {
        "Name": "ContactFlowEvent",
        "Details": {
            "ContactData": {
                "Attributes": {}, "Channel": channel, "ContactId": contact_id, "InitialContactId": contact_id,
                "PreviousContactId": contact_id,
                "CustomerEndpoint": {"Address": number, "Type": "TELEPHONE_NUMBER"},
                "SystemEndpoint": {"Address": "+10000000000", "Type": "TELEPHONE_NUMBER"},
                "InitiationMethod": "INBOUND", "MediaStreams": {"Customer": {"Audio": None}}, "Queue": None,
            },
            "Parameters": {"default_country": country} if country else {},
        },
    }


@app.command("lookup")
@reported
def lookup(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="The caller's number, e.g. +447911123456 (or national with "
                                               "--country).")],
    country: Annotated[str | None, typer.Option(help="Two-letter country for a national number (the flow's "
                                                     "default_country).")] = None,
    as_json: JsonOutput = False,
) -> None:
    """What the agent would see when this number calls: the lookup's answer, as the contact flow gets it."""
    answer = target_of(ctx).invoke("ContactLookupFunction", connect_event(number, country, "VOICE"))
    if not isinstance(answer, dict):
        raise CliError("ContactLookupFunction answered something other than a JSON object")
    if as_json:
        print_json(answer)
        return
    if answer.get("found") != "true":
        out.print(Panel(f"No social context (reason: {answer.get('reason') or 'none'}). The flow carries on and "
                        "the agent gets the call without it.", title=f"Call from {number}", title_align="left"))
        return
    out.print(Panel(Text(str(answer.get("spoken_summary", ""))), title="Whispered to the agent", title_align="left"))
    table = Table(title="Contact attributes the agent's workspace shows", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in ("customer_name", "customer_id", "recent_posts", "last_post_platform", "last_post_sentiment",
                "last_post_at", "last_post_text", "last_post_url", "screen_pop_url"):
        if answer.get(key):
            table.add_row(key, str(answer[key]))
    out.print(table)
    history = int(answer.get("history_count") or 0)
    if history:
        earlier = Table(title="Earlier posts", title_justify="left")
        for heading in ("platform", "sentiment", "at", "text"):
            earlier.add_column(heading, overflow="fold")
        for n in range(1, history + 1):
            earlier.add_row(*(str(answer.get(f"history_{n}_{name}", "")) for name in ("platform", "sentiment", "at",
                                                                                        "text")))
        out.print(earlier)


# -- report ------------------------------------------------------------------------------------------

@app.command("report")
@reported
def report(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(min=1, max=366, help="Days to read, ending with --until.")] = 7,
    until: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (default today, UTC).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Also write summary.png and summary.html here.")]
    = None,
    as_json: JsonOutput = False,
) -> None:
    """The hourly and daily rollups of the MetricsTable, summed up (docs/metrics.md)."""
    from dataclasses import asdict

    from infra import report as rollups

    try:
        last = date.fromisoformat(until) if until else datetime.now(UTC).date()
    except ValueError as error:
        raise CliError(f"--until must be YYYY-MM-DD, not {until!r}", code=2) from error
    target = target_of(ctx)
    read = rollups.read_table(target.client("dynamodb"), target.table("MetricsTable"), days, last)
    by_day, from_hours = rollups.by_day(read)
    if not by_day:
        raise CliError(f"no rollups in the {days} day(s) to {last}: the hourly rollup runs at 5 past each hour")
    summary = rollups.summarize(by_day, from_hours, read.hourly)
    if out_dir is not None:
        rollups.render(read, out_dir)
    if as_json:
        print_json(asdict(summary))
        return
    totals = Table(title=f"{summary.days[0]} to {summary.days[-1]}", show_header=False, title_justify="left")
    totals.add_column(style="bold")
    totals.add_column(justify="right")
    for label, value in summary.totals.items():
        totals.add_row(label, rollups.count(value))
    totals.add_row("Match rate", rollups.share(summary.match_rate))
    totals.add_row("Calls", rollups.count(summary.calls))
    for platform, posts in summary.posts_by_platform.items():
        totals.add_row(f"Posts on {platform}", rollups.count(posts))
    out.print(totals)
    per_day = Table(title="Per day", title_justify="left")
    for heading in ("day", "posts", "match rate", "answered within 1 h", "median min", "p90 min", "calls"):
        per_day.add_column(heading, justify="right")
    for row in summary.per_day:
        per_day.add_row(row["day"], rollups.count(row["posts"]), rollups.share(row["match_rate"]),
                        rollups.share(row["within_1h"]), rollups.minutes(row["median"]),
                        rollups.minutes(row["p90"]), rollups.count(row["calls"]))
    out.print(per_day)
    if from_hours:
        out.print(f"Counted from hourly rollups (no daily rollup yet): {', '.join(from_hours)}")
    if out_dir is not None:
        out.print(f"Also written: {out_dir / rollups.HTML_NAME} and {out_dir / rollups.PNG_NAME}")


def main() -> None:
    app()
