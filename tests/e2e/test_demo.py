"""`make demo` as a user runs it: exits 0, tells the story in under 80 lines (make's own lines included), shows
the agent the sample caller's latest post, and leaves the functions' logs in the file it names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 80


def make_demo(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`make demo` with this interpreter (BIN) and without rebuilding the virtualenv (-o install)."""
    command = ["make", "--no-print-directory", "-o", "install", "demo", f"BIN={Path(sys.executable).parent}"]
    return subprocess.run([*command, *arguments], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def demo() -> subprocess.CompletedProcess[str]:
    return make_demo()


def test_the_demo_exits_0_and_shows_the_agent_adas_latest_post(demo):
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    agent_view = demo.stdout.split("What the agent sees", 1)[1].split("==", 1)[0]
    assert "Ada Lovelace (cust-0001)" in agent_view
    assert '"Third time my order arrived broken' in agent_view
    assert "whispered:" in agent_view
    received = demo.stdout.split("What the contact centre received", 1)[1].split("==", 1)[0]
    assert "cust-0001 Ada Lovelace" in received
    assert "Demo finished: the agent knows." in demo.stdout
    cloudwatch = demo.stdout.split("CloudWatch:", 1)[1]
    # what the dashboard reads (posts by platform, the day's match rate) and no figure it does not
    assert "Posts" in cloudwatch and "MatchRate" in cloudwatch and "ActionablePosts" not in cloudwatch


def test_the_story_is_under_80_lines_and_holds_no_function_log(demo):
    lines = (demo.stdout + demo.stderr).splitlines()
    assert len(lines) < MAX_LINES, "\n".join(lines)
    assert not [line for line in lines if line.lstrip().startswith("{") or '"level"' in line or "_aws" in line]


def test_the_named_log_file_holds_every_functions_logs(demo):
    named = demo.stdout.split("Function logs: ", 1)[1].split(" ", 1)[0]
    log_file = ROOT / named
    logged = log_file.read_text(encoding="utf-8").splitlines()
    functions = {line.split("]", 1)[0].lstrip("[") for line in logged if line.startswith("[")}
    assert {"CustomerSyncFunction", "WebhookFunction", "ProcessorFunction", "ContactPushFunction",
            "MetricsRollupFunction"} <= functions
    records = [json.loads(line.split("] ", 1)[1]) for line in logged if "] {" in line]
    assert any(record.get("message") == "push handled" for record in records)
    assert any("_aws" in record for record in records)  # the EMF blobs too


def test_make_report_draws_the_demos_rollups(demo, tmp_path):
    assert demo.returncode == 0
    rollups = ROOT / "reports" / "rollups.json"
    finished = subprocess.run([sys.executable, "-m", "infra.report", "--from-file", str(rollups), "--out",
                               str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr[-3000:]
    png = (tmp_path / "summary.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    html = (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert "summary.png" in html and "match rate" in html.lower()
