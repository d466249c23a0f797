"""`make demo`'s program, as a user runs it: exits 0 and prints the sample caller's latest post."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_exits_0_and_shows_the_agent_adas_latest_post():
    finished = subprocess.run([sys.executable, "-m", "infra.local.demo"], cwd=ROOT, capture_output=True,
                              text=True, timeout=600, check=False)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    agent_view = finished.stdout.split("what the agent sees", 1)[1].split("==", 1)[0]
    assert '"last_post_text": "Third time my order arrived broken' in agent_view
    assert '"customer_id": "cust-0001"' in agent_view
    assert "Demo finished: the agent knows." in finished.stdout
    cloudwatch = finished.stdout.split("CloudWatch metrics in namespace SocialCRM", 1)[1]
    assert '"Posts"' in cloudwatch and '"ActionablePosts"' in cloudwatch


def test_make_report_draws_the_demos_rollups(tmp_path):
    rollups = ROOT / "reports" / "rollups.json"
    if not rollups.exists():  # the demo test above writes it; alone, run the demo first
        subprocess.run([sys.executable, "-m", "infra.local.demo"], cwd=ROOT, capture_output=True, timeout=600,
                       check=True)
    finished = subprocess.run([sys.executable, "-m", "infra.report", "--from-file", str(rollups), "--out",
                               str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert finished.returncode == 0, finished.stderr[-3000:]
    png = (tmp_path / "summary.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    html = (tmp_path / "summary.html").read_text(encoding="utf-8")
    assert "summary.png" in html and "match rate" in html.lower()
