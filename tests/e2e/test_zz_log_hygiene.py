"""Runs after the other end-to-end modules (pytest takes files in name order): every log line the
functions wrote during the suite is searched for the test customers' phones, emails and handles and
for the posts' text. None may appear."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.signers import FIXTURES

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def personal_data() -> set[str]:
    needles: set[str] = set()
    sample = json.loads((ROOT / "events/customer_sync.json").read_text(encoding="utf-8"))
    for customer in sample["customers"]:
        for phone in customer.get("phones", []):
            digits = re.sub(r"\D", "", phone)
            needles |= {phone, digits[-10:]}
        needles |= set(customer.get("emails", []))
        needles |= {s["handle"].lstrip("@") for s in customer.get("social", []) if s.get("handle")}
    needles |= {"Third time my order arrived broken", "My parcel arrived broken again", "Courier left my parcel",
                "+447400123456", "7400123456", "ada_builds", "grace.h", "Has anyone else lost their order"}
    for fixture in FIXTURES.glob("*.json"):
        for text in re.findall(r'"(?:text|body|message|raw|full_text)": "([^"\\]{25,})', fixture.read_text()):
            needles.add(text[:25])
    return {n for n in needles if len(n) >= 6}


def test_no_phone_email_handle_or_post_text_reaches_a_log_line(stack, stack_log, customers):
    stack.wait_idle(timeout=60)
    lines = stack_log.read_text(encoding="utf-8", errors="replace").splitlines()
    assert len(lines) > 50, "the stack's log was not captured"
    needles = personal_data()
    leaks = [(needle, line[:200]) for line in lines for needle in needles if needle in line]
    assert leaks == []
