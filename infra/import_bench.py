"""`make import-bench`: generated customers through `socialcrm customers import` on a fresh local stack, timed.

    python -m infra.import_bench [--rows 200000] [--workers 4] [--batch-size 500] [--per-record] [--keep DIR]

The stack runs `--workers` environments of CustomerSyncFunction (one by default in `make local`), so the import's
workers each have one, as Lambda would give them. The import is the bulk one unless --per-record. Prints the
import's summary and one line to quote, with the machine's load average before and after (a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from infra.local.stack import LocalStack
from socialcrm_cli.customers_file import generate_csv


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, help="records per invocation (bulk 1-500, default 500; "
                                                        "per-record 1-200, default 200)")
    parser.add_argument("--per-record", action="store_true", help="the CRM's incremental sync instead of the bulk "
                                                                  "import")
    parser.add_argument("--keep", type=Path, help="write the file, its problems and the stack's log here")
    options = parser.parse_args()
    batch_size = options.batch_size or (200 if options.per_record else 500)
    folder = options.keep or Path(tempfile.mkdtemp(prefix="import-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    export = folder / f"customers-{options.rows}.csv"
    made = generate_csv(export, options.rows)
    print(f"{export}: {made['rows']:,} rows", flush=True)
    log = folder / "functions.log"
    with LocalStack(log_file=log, concurrency={"CustomerSyncFunction": options.workers}) as stack:
        command = [sys.executable, "-m", "socialcrm_cli", "--endpoint-url", stack.aws_endpoint,
                   "--lambda-endpoint-url", stack.lambda_endpoint, "customers", "import", str(export), "--restart",
                   "--workers", str(options.workers), "--batch-size", str(batch_size), "--json",
                   *(["--per-record"] if options.per_record else [])]
        load_before = os.getloadavg()
        sampled: list[float] = []
        done = threading.Event()

        def sample_load() -> None:  # the 1-minute load average every 15 s while the import runs
            while not done.wait(15):
                sampled.append(os.getloadavg()[0])

        sampler = threading.Thread(target=sample_load, daemon=True)
        sampler.start()
        started = time.monotonic()
        finished = subprocess.run(command, stdout=subprocess.PIPE, check=False)  # noqa: S603 (our own command)
        seconds = time.monotonic() - started
        done.set()
        load_after = os.getloadavg()
    if finished.returncode != 0:
        print(finished.stdout.decode(), file=sys.stderr)
        return finished.returncode
    summary = json.loads(finished.stdout)
    print(json.dumps(summary, indent=2))
    print(f"{summary['rows']:,} rows ({summary['upserted']:,} upserted, {summary['rejected']:,} rejected, "
          f"{summary['warnings']:,} entries dropped) in {seconds:,.0f} s, {summary['rows'] / seconds:,.1f} rows/s, "
          f"{options.workers} workers, {'per-record syncs' if options.per_record else 'bulk'} batches of "
          f"{batch_size}; load average (1, 5, 15 min) before {fmt(load_before)}, after {fmt(load_after)}, "
          f"1-minute load during the run {during(sampled)} on {os.cpu_count()} CPUs; function log: {log}")
    return 0


def during(samples: list[float]) -> str:
    if not samples:
        return "not sampled (under 15 s)"
    return f"min {min(samples):.1f}, mean {sum(samples) / len(samples):.1f}, max {max(samples):.1f}"


def fmt(load: tuple[float, float, float]) -> str:
    return " ".join(f"{value:.2f}" for value in load)


if __name__ == "__main__":
    sys.exit(main())
