"""Benchmark of the contact lookup on the local stack (a benchmark, never a test assertion).

    python -m infra.local.bench [--warm 300] [--cold 15]

- warm: p50/p99 of ContactLookupFunction through the Lambda Invoke API (client round trip included);
- cold: wall time of a new process that imports the lookup handler and answers one lookup, as a ratio
  to a minimal process that imports boto3, creates a DynamoDB client and makes one GetItem against
  the same stack. Both run alternately, `--cold` times each; medians are compared (wall time, the ratio that
  counts; CPU time and the load average are printed beside it, since a busy machine moves the wall time).
  Both read compiled bytecode, as on Lambda (the runtime's boto3 and the layers ship it: layers/*/Makefile):
  one untimed run of each writes it to a scratch PYTHONPYCACHEPREFIX first.
Prints JSON; exits 1 when the cold-start ratio is above --max-ratio (1.2). `make bench` runs it with --screen-pop.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from infra.local import samples
from infra.local.stack import FAKE_CREDENTIALS, REGION, LocalStack

ROOT = Path(__file__).resolve().parents[2]
CALL = {"Name": "ContactFlowEvent", "Details": {"ContactData": {
    "Channel": "VOICE", "Attributes": {}, "CustomerEndpoint": {"Address": "+447911123456", "Type": "TELEPHONE_NUMBER"}},
    "Parameters": {}}}

LOOKUP_PROCESS = """
import json, sys
sys.path[:0] = [{code!r}, {layer!r}]
import app
answer = app.lambda_handler(json.loads({event!r}), type("Context", (), {{
    "function_name": "ContactLookupFunction", "memory_limit_in_mb": 1024, "aws_request_id": "bench",
    "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:ContactLookupFunction",
    "get_remaining_time_in_millis": staticmethod(lambda: 3000)}})())
assert answer["found"] == "true", answer
"""
MINIMAL_PROCESS = """
import boto3
client = boto3.client("dynamodb")
assert "Item" in client.get_item(TableName={table!r}, Key={{"pk": {{"S": "PHONE#+447911123456"}}}})
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed_process(code: str, environment: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a new process running `code`; the CPU time leaves out the time the process
    waited for a CPU that other processes held, so it moves less than the wall time on a busy machine."""
    started, used = time.perf_counter(), _children_cpu()
    subprocess.run([sys.executable, "-c", code], env=environment, check=True, cwd=ROOT,  # noqa: S603
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, _children_cpu() - used


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(warm: int, cold: int, max_ratio: float, screen_pop: bool) -> int:
    parameters = json.loads((ROOT / "infra/local/parameters.json").read_text(encoding="utf-8"))
    if not screen_pop:
        parameters["AgentPageBaseUrl"] = ""
    secrets = json.loads((ROOT / "infra/local/secrets.json").read_text(encoding="utf-8"))
    with (LocalStack(parameters=parameters, max_seconds=900, log_file=ROOT / ".bench.log") as stack,
          tempfile.TemporaryDirectory(prefix="bench-bytecode-") as bytecode_dir):
        sync = json.loads((ROOT / "events/customer_sync.json").read_text(encoding="utf-8"))
        stack.invoke("CustomerSyncFunction", sync)
        body = samples.encode(samples.page_comment("bench", samples.ADA_FACEBOOK_ID, "Ada", "Broken again, awful"))
        import requests

        requests.post(f"{stack.api_url}/webhooks/meta", data=body, timeout=(3, 20), headers={
            "x-hub-signature-256": samples.sign(body, secrets["meta"]["app_secret"])})
        stack.wait_idle(timeout=120)
        client = stack.boto3_session().client("lambda", endpoint_url=stack.lambda_endpoint)
        payload = json.dumps(CALL).encode()
        client.invoke(FunctionName="ContactLookupFunction", Payload=payload)  # the cold one
        latencies = []
        for _ in range(warm):
            started = time.perf_counter()
            answer = json.loads(client.invoke(FunctionName="ContactLookupFunction", Payload=payload)["Payload"].read())
            latencies.append((time.perf_counter() - started) * 1000)
            if answer["found"] != "true":
                raise RuntimeError(f"the benchmark's caller was not found: {answer}")

        spec = stack.specs["ContactLookupFunction"]
        environment = {**{k: v for k, v in os.environ.items()
                          if not k.startswith(("AWS_", "POWERTOOLS_")) and k != "PYTHONDONTWRITEBYTECODE"},
                       **{k: str(v) for k, v in spec.environment.items()}, **FAKE_CREDENTIALS,
                       "AWS_ENDPOINT_URL": stack.aws_endpoint, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                       "POWERTOOLS_TRACE_DISABLED": "true", "AWS_LAMBDA_FUNCTION_NAME": "ContactLookupFunction",
                       "PYTHONPYCACHEPREFIX": str(bytecode_dir)}
        lookup_code = LOOKUP_PROCESS.format(code=str(ROOT / spec.code_dir), layer=str(ROOT / "layers/core"),
                                            event=json.dumps(CALL))
        minimal_code = MINIMAL_PROCESS.format(table=stack.resources.table_names["CardsTable"])
        for code in (lookup_code, minimal_code):  # untimed: writes both sides' bytecode, as the layer ships it
            timed_process(code, environment)
        lookup_runs, minimal_runs = [], []
        for _ in range(cold):
            lookup_runs.append(timed_process(lookup_code, environment))
            minimal_runs.append(timed_process(minimal_code, environment))
    lookup_times, minimal_times = [run[0] for run in lookup_runs], [run[0] for run in minimal_runs]
    lookup_cpu, minimal_cpu = [run[1] for run in lookup_runs], [run[1] for run in minimal_runs]
    ratio = statistics.median(lookup_times) / statistics.median(minimal_times)
    report = {
        "screen_pop_links": screen_pop,
        "warm_invoke_ms": {"n": warm, "p50": round(percentile(latencies, 0.50), 2),
                           "p99": round(percentile(latencies, 0.99), 2)},
        "cold_process_ms": {"n": cold, "lookup_median": round(statistics.median(lookup_times) * 1000, 1),
                            "minimal_boto3_getitem_median": round(statistics.median(minimal_times) * 1000, 1)},
        "cold_start_ratio": round(ratio, 3),
        "cold_process_cpu_ms": {"lookup_median": round(statistics.median(lookup_cpu) * 1000, 1),
                                "minimal_boto3_getitem_median": round(statistics.median(minimal_cpu) * 1000, 1),
                                "ratio": round(statistics.median(lookup_cpu) / statistics.median(minimal_cpu), 3)},
        "load_average_1min": round(os.getloadavg()[0], 1),
        "max_ratio": max_ratio,
    }
    print(json.dumps(report, indent=2))
    return 0 if ratio <= max_ratio else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm", type=int, default=300)
    parser.add_argument("--cold", type=int, default=15)
    parser.add_argument("--max-ratio", type=float, default=1.2)
    parser.add_argument("--screen-pop", action="store_true", help="with AgentPageBaseUrl set (signed links)")
    arguments = parser.parse_args()
    sys.exit(run(arguments.warm, arguments.cold, arguments.max_ratio, arguments.screen_pop))


if __name__ == "__main__":
    main()
