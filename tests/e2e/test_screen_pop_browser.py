"""The agent's screen-pop page in headless Chromium, from a link the lookup issued for a call."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from infra.local import samples
from socialcrm.screen_pop import signature
from tests.e2e.test_pipeline_e2e import TIMEOUT, call, post

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
KEY = json.loads((ROOT / "infra/local/secrets.json").read_text(encoding="utf-8"))["screen-pop"]["signing_key"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is missing: `make test` installs it (Debian package chromium)"
    return found


def browse(url: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-dev-shm-usage", "--hide-scrollbars", *extra, url],
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def screen_pop_url(stack, lambda_client, customers, app_secret):
    text = f"Courier left my parcel in the rain, everything soaked ({time.time_ns()})"
    assert post(stack, samples.page_comment("pop1", samples.ADA_FACEBOOK_ID, "Ada Lovelace", text),
                app_secret).status_code == 200
    stack.wait_idle(timeout=120)
    seen = call(lambda_client, "+44 7911 123456")
    assert seen["screen_pop_url"].startswith(f"{stack.api_url}/agent/customers/cust-0001?exp=")
    return seen["screen_pop_url"], text


def test_the_page_from_the_lookups_link_shows_the_latest_post(screen_pop_url, tmp_path):
    url, text = screen_pop_url
    dom = browse(url, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert text in dom.stdout
    assert "Ada Lovelace" in dom.stdout and "Matched by: Facebook account id on the customer record" in dom.stdout
    shot = tmp_path / "screen-pop.png"
    assert browse(url, f"--screenshot={shot}", "--window-size=400,760").returncode == 0
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if (ROOT / "docs").is_dir() and not (ROOT / "docs/screen-pop.png").exists():
        shutil.copy(shot, ROOT / "docs/screen-pop.png")


def test_the_page_is_script_free_and_locked_down(screen_pop_url):
    answer = requests.get(screen_pop_url[0], timeout=TIMEOUT)
    assert answer.status_code == 200
    assert "<script" not in answer.text.lower()
    policy = answer.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert answer.headers["cache-control"] == "no-store"


def test_unsigned_tampered_and_expired_links_are_refused(stack, screen_pop_url):
    url = screen_pop_url[0]
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    base = f"{stack.api_url}{parts.path}"
    assert requests.get(base, timeout=TIMEOUT).status_code == 403
    assert requests.get(base, params={**query, "sig": "0" * 64}, timeout=TIMEOUT).status_code == 403
    other = f"{stack.api_url}/agent/customers/cust-0002"
    assert requests.get(other, params=query, timeout=TIMEOUT).status_code == 403  # a link is for one customer
    past = int(time.time()) - 1
    expired = {"exp": str(past), "sig": signature(KEY.encode(), parts.path, past)}
    assert requests.get(base, params=expired, timeout=TIMEOUT).status_code == 403
    far = int(time.time()) + 7 * 24 * 3600
    too_long = {"exp": str(far), "sig": signature(KEY.encode(), parts.path, far)}
    assert requests.get(base, params=too_long, timeout=TIMEOUT).status_code == 403
    refused = browse(base, "--dump-dom")
    assert "Link expired" in refused.stdout
