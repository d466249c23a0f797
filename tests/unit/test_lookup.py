import json
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from socialcrm.cards import build_card
from socialcrm.lookup import MAX_RESPONSE_BYTES, RESPONSE_KEYS, LookupUnavailable, lookup_contact
from socialcrm.model import Customer, PostKey
from socialcrm.stored import StoredPost

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def contact_event(address):
    endpoint = None if address is None else {"Address": address, "Type": "TELEPHONE_NUMBER"}
    return {"Name": "ContactFlowEvent", "Details": {"ContactData": {"Channel": "VOICE", "CustomerEndpoint": endpoint,
                                                                    "Attributes": {}}, "Parameters": {}}}


def card(posts):
    customer = Customer("c-1", name="Ada Lovelace", phones=("+447911123456",))
    return build_card(customer, posts, "2026-11-20T11:00:00Z")


def a_stored_post(post_id, created, text="It broke again", sentiment="negative"):
    return StoredPost(PostKey("facebook", post_id), "comment", created, text=text, sentiment=sentiment,
                      url=f"https://www.facebook.com/{post_id}")


class CardReader:
    def __init__(self, cards):
        self.cards = cards
        self.reads = []

    def __call__(self, key):
        self.reads.append(key)
        return self.cards.get(key)


def run(address, reader, lookback_days=7):
    return lookup_contact(contact_event(address), reader, now=NOW, lookback_days=lookback_days, default_region="GB")


def test_known_caller_gets_the_latest_post_in_one_read():
    reader = CardReader({"PHONE#+447911123456": card([
        a_stored_post("p1", "2026-11-10T09:00:00Z", "old one"),
        a_stored_post("p2", "2026-11-19T09:00:00Z", "Still waiting\x00 for\n my refund\u200b!"),
        a_stored_post("p3", "2026-11-18T09:00:00Z", "middle"),
    ])})
    answer = run("+447911123456", reader)
    assert reader.reads == ["PHONE#+447911123456"]
    assert answer["found"] == "true"
    assert answer["customer_name"] == "Ada Lovelace"
    assert answer["recent_posts"] == "2"  # p1 is older than 7 days
    assert answer["last_post_text"] == "Still waiting for my refund !"
    assert answer["last_post_at"] == "2026-11-19T09:00:00Z"
    assert all(isinstance(v, str) for v in answer.values())
    assert set(RESPONSE_KEYS) <= set(answer)


def test_national_format_caller_is_normalized_with_the_region():
    reader = CardReader({"PHONE#+447911123456": card([])})
    assert run("07911 123456", reader)["found"] == "true"


def test_a_caller_number_written_as_e164_is_read_as_written_then_normalized_when_that_finds_nobody():
    reader = CardReader({"PHONE#+447911123456": card([])})
    assert run("+4407911123456", reader)["found"] == "true"  # a trunk zero after the country code
    assert reader.reads == ["PHONE#+4407911123456", "PHONE#+447911123456"]


def test_an_unknown_caller_already_in_normal_form_costs_one_read():
    reader = CardReader({})
    assert run("+447911123456", reader)["reason"] == "no_customer"
    assert reader.reads == ["PHONE#+447911123456"]


def test_an_invalid_caller_number_still_lets_the_verified_customer_id_identify_the_contact():
    event = contact_event("+10000000000")  # E.164 in form, but no such number
    event["Details"]["Parameters"]["verified_customer_id"] = "c-1"
    reader = CardReader({"CUSTOMER#c-1": card([])})
    answer = lookup_contact(event, reader, now=NOW, lookback_days=7, default_region="GB")
    assert answer["found"] == "true"
    assert reader.reads == ["PHONE#+10000000000", "CUSTOMER#c-1"]


def test_a_known_caller_written_as_e164_is_answered_without_loading_phonenumbers():
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from socialcrm.lookup import lookup_contact\n"
        "event = {'Details': {'ContactData': {'CustomerEndpoint': {'Address': '+447911123456'}}, 'Parameters': {}}}\n"
        "card = {'customer_id': 'c-1', 'customer_name': 'Ada', 'posts': []}\n"
        "answer = lookup_contact(event, {'PHONE#+447911123456': card}.get, now=datetime.now(UTC), lookback_days=7,\n"
        "                        default_region='GB')\n"
        "print(answer['found'], 'phonenumbers' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": "layers/core", "PATH": "/usr/bin:/bin"})
    assert result.stdout.split() == ["true", "False"]


@pytest.mark.parametrize(("address", "reason"), [
    (None, "no_caller_number"), ("", "no_caller_number"), ("anonymous", "withheld_or_invalid_number"),
    ("+0000000000", "withheld_or_invalid_number"), ("+14155552671", "no_customer"),
])
def test_unknown_withheld_or_malformed_callers_are_not_found(address, reason):
    answer = run(address, CardReader({}))
    assert answer["found"] == "false"
    assert answer["reason"] == reason
    assert all(isinstance(v, str) for v in answer.values())


def test_malformed_events_never_raise():
    for event in ({}, {"Details": None}, {"Details": {"ContactData": {"CustomerEndpoint": "x"}}}, []):
        answer = lookup_contact(event, CardReader({}), now=NOW, lookback_days=7, default_region="GB")
        assert answer["found"] == "false"


def test_text_is_capped_at_500_characters_and_response_under_budget():
    long_text = "é" * 5000
    reader = CardReader({"PHONE#+447911123456": card([a_stored_post("p", "2026-11-19T09:00:00Z", long_text)])})
    answer = run("+447911123456", reader)
    assert len(answer["last_post_text"]) == 500
    assert len(json.dumps(answer, ensure_ascii=False).encode()) < MAX_RESPONSE_BYTES


def test_an_unavailable_table_answers_not_found():
    def failing(_key):
        raise LookupUnavailable("ReadTimeoutError")

    answer = run("+447911123456", failing)
    assert (answer["found"], answer["reason"]) == ("false", "lookup_unavailable")


def test_lookup_handler_import_loads_no_heavy_modules():
    code = (
        "import importlib.util, json, sys\n"
        "spec = importlib.util.spec_from_file_location('lookup_app', 'functions/contact_lookup/app.py')\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "heavy = ('pydantic', 'pynamodb', 'requests', 'phonenumbers')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={"PYTHONPATH": "layers/core", "PATH": "/usr/bin:/bin",
                                 "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true"})
    assert json.loads(result.stdout) == []
