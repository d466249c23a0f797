"""No personal data in the logs: the test drives its own traffic through the session's stack (the sample
customers synced, a post on every platform, Messenger, the sample events, pushes, lookups by phone), then
searches every log line the stack's functions and its AWS wrote (its own traffic and that of any test
that ran before it) for the customers' phones, emails and handles and for the posts' text. None may appear."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra.local import samples
from tests.e2e.test_pipeline_e2e import call, invoke, post
from tests.e2e.test_platforms_e2e import CASES, SECRET_OF, deliver
from tests.signers import FIXTURES, fixture

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ADA_TEXTS = ["My parcel arrived broken again, terrible service", "Courier left my parcel in the rain, soaked"]


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
    for _, _, _, phone, _, _ in CASES:
        needles |= {phone, re.sub(r"\D", "", phone)[-10:]}
    for fixture_file in FIXTURES.glob("*.json"):
        for text in re.findall(r'"(?:text|body|message|raw|full_text)": "([^"\\]{25,})', fixture_file.read_text()):
            needles.add(text[:25])
    return {n for n in needles if len(n) >= 6}


def drive_traffic(stack, lambda_client, app_secret) -> None:
    records = [{"customer_id": f"e2e-{platform.replace('/', '-')}", "name": f"Customer on {platform}",
                "phones": [phone], "country": "GB", "social": [identity] if identity else []}
               for platform, _, identity, phone, _, _ in CASES]
    assert invoke(lambda_client, "CustomerSyncFunction", {"customers": records})["rejected"] == []
    for platform, name, *_ in CASES:
        assert deliver(stack, platform, fixture(name), SECRET_OF[platform]).status_code == 200
    for n, text in enumerate(ADA_TEXTS):
        assert post(stack, samples.page_comment(f"hygiene{n}", samples.ADA_FACEBOOK_ID, "Ada Lovelace", text),
                    app_secret).status_code == 200
    message = samples.messenger_message("m_hygiene", samples.GRACE_FACEBOOK_ID,
                                        "Has anyone else lost their order? Call me on +447400123456")
    assert post(stack, message, app_secret).status_code == 200
    sample = json.loads((ROOT / "events/processor.json").read_text(encoding="utf-8"))
    assert invoke(lambda_client, "ProcessorFunction", sample) == {"batchItemFailures": []}
    stack.wait_idle(timeout=120)
    for phone in ["07911 123456", "+1 (202) 555-0143", "07912 345678", *(case[3] for case in CASES)]:
        call(lambda_client, phone)


def test_no_phone_email_handle_or_post_text_reaches_a_log_line(stack, stack_log, lambda_client, customers,
                                                               app_secret):
    written_before = len(stack_log.read_text(encoding="utf-8", errors="replace").splitlines())
    drive_traffic(stack, lambda_client, app_secret)
    stack.wait_idle(timeout=60)
    lines = stack_log.read_text(encoding="utf-8", errors="replace").splitlines()
    # the stack's log was captured: each function this traffic ran wrote its line (one per batch or call now,
    # so a count of lines says less than which ones are there)
    written = "\n".join(lines[written_before:])
    for message in ("customers synced", "batch processed", "push handled", "lookup answered"):
        assert f'"message":"{message}"' in written.replace('": "', '":"'), f"no {message!r} line was captured"
    needles = personal_data()
    leaks = [(needle, line[:200]) for line in lines for needle in needles if needle in line]
    assert leaks == []
