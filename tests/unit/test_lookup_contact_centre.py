"""The lookup as Amazon Connect uses it: chat contacts, block parameters, the byte budget, speech,
and a table that does not answer."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from socialcrm import lookup
from socialcrm.cards import build_card
from socialcrm.lookup import BUDGET_BYTES, RESPONSE_KEYS, card_reader, lookup_contact
from socialcrm.model import Customer
from tests.unit.test_lookup import NOW, CardReader, a_stored_post

ADA = Customer("c-1", name="Ada Lovelace", phones=("+447911123456", "+12025550143"), emails=("ada@example.com",))


def event(address=None, kind="TELEPHONE_NUMBER", channel="VOICE", attributes=None, parameters=None):
    endpoint = None if address is None else {"Address": address, "Type": kind}
    return {"Name": "ContactFlowEvent", "Details": {
        "ContactData": {"Channel": channel, "CustomerEndpoint": endpoint, "Attributes": attributes or {}},
        "Parameters": parameters or {}}}


def cards(posts):
    card = build_card(ADA, posts, "2026-11-20T11:00:00Z")
    keys = ["PHONE#+447911123456", "PHONE#+12025550143", "CUSTOMER#c-1", "EMAIL#ada@example.com"]
    return CardReader(dict.fromkeys(keys, card))


def ask(reader, evt, lookback_days=7):
    return lookup_contact(evt, reader, now=NOW, lookback_days=lookback_days, default_region="GB")


@pytest.mark.parametrize(("address", "parameters", "expected_key"), [
    ("+44 7911 123456", {}, "PHONE#+447911123456"),           # international
    ("07911 123456", {}, "PHONE#+447911123456"),              # national, region from configuration
    ("(202) 555-0143", {"default_country": "US"}, "PHONE#+12025550143"),  # national, region from the flow
    ("0044 7911 123456", {}, "PHONE#+447911123456"),          # 00 international prefix
])
def test_caller_numbers_in_every_format(address, parameters, expected_key):
    reader = cards([])
    assert ask(reader, event(address, parameters=parameters))["found"] == "true"
    assert reader.reads == [expected_key]


@pytest.mark.parametrize("address", [None, "", "anonymous", "Restricted", "+0000"])
def test_null_withheld_and_invalid_callers_are_not_found(address):
    reader = cards([])
    answer = ask(reader, event(address))
    assert answer["found"] == "false" and answer["reason"] in ("no_caller_number", "withheld_or_invalid_number")
    assert reader.reads == []
    assert list(answer) == list(RESPONSE_KEYS)


def test_chat_contacts_are_identified_by_the_flows_verified_parameters():
    reader = cards([a_stored_post("p1", "2026-11-19T09:00:00Z", "chat me")])
    chat = ask(reader, event(None, channel="CHAT", parameters={"verified_customer_id": "c-1"}))
    assert (chat["found"], chat["last_post_text"]) == ("true", "chat me")
    by_email = ask(reader, event(None, channel="CHAT", parameters={"verified_email": "Ada@Example.com"}))
    assert by_email["customer_id"] == "c-1"
    withheld_but_known = ask(reader, event("anonymous", parameters={"verified_customer_id": "c-1"}))
    assert withheld_but_known["found"] == "true"
    assert reader.reads == ["CUSTOMER#c-1", "EMAIL#ada@example.com", "CUSTOMER#c-1"]


def test_attributes_a_pre_chat_form_can_set_identify_nobody():
    reader = cards([a_stored_post("p1", "2026-11-19T09:00:00Z", "chat me")])
    for attributes in ({"customer_id": "c-1"}, {"email": "ada@example.com"}):
        answer = ask(reader, event(None, channel="CHAT", attributes=attributes))
        assert (answer["found"], answer["reason"], answer["customer_name"]) == ("false", "not_authenticated", "")
    assert reader.reads == []


def test_block_parameters_set_the_window_and_the_text_length():
    reader = cards([a_stored_post("p1", "2026-11-19T09:00:00Z", "x" * 900),
                    a_stored_post("p2", "2026-11-01T09:00:00Z")])
    default = ask(reader, event("+447911123456"))
    assert (default["recent_posts"], len(default["last_post_text"])) == ("1", 500)
    tuned = ask(reader, event("+447911123456", parameters={"lookback_days": "30", "max_text": "120"}))
    assert (tuned["recent_posts"], len(tuned["last_post_text"])) == ("2", 120)
    silly = ask(reader, event("+447911123456", parameters={"lookback_days": "-5", "max_text": "lots"}))
    assert (silly["recent_posts"], len(silly["last_post_text"])) == ("1", 500)


def test_a_40_kb_history_is_trimmed_under_the_byte_budget_with_the_same_keys():
    posts = [a_stored_post(f"p{n}", f"2026-11-19T0{n}:00:00Z", "😡" * 1000) for n in range(10)]
    history_bytes = sum(len(p.text.encode()) for p in posts)
    assert history_bytes >= 40_000
    answer = ask(cards(posts), event("+447911123456", parameters={"max_text": "1000"}))
    size = len(json.dumps(answer, ensure_ascii=False).encode())
    assert size < BUDGET_BYTES < 32_768
    assert list(answer) == list(RESPONSE_KEYS)
    assert answer["last_post_text"] == "😡" * 1000  # the latest post is kept whole; the oldest history went
    kept = int(answer["history_count"])
    assert 0 < kept < 9
    assert answer[f"history_{kept}_text"] and not answer[f"history_{kept + 1}_text"]
    assert all(isinstance(v, str) for v in answer.values())


def test_the_spoken_summary_is_safe_to_read_aloud():
    text = "Order #4411 arrived BROKEN 😡😡 see https://x.com/ada/status/1 <speak>&amp;</speak>"
    answer = ask(cards([a_stored_post("p1", "2026-11-20T09:00:00Z", text)]), event("+447911123456"))
    summary = answer["spoken_summary"]
    assert summary.startswith(
        "Ada Lovelace. 1 social post in the last 7 days. Latest on Facebook, 3 hours ago, negative")
    assert "http" not in summary and "😡" not in summary and "<" not in summary and "&" not in summary
    assert "arrived BROKEN" in summary


@pytest.fixture
def silent_table():
    """A TCP server that accepts connections and never answers: a table that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def test_a_table_that_does_not_answer_gives_found_false_in_under_a_second(silent_table, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_table)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    lookup._dynamodb.cache_clear()
    try:
        reader = card_reader("CardsTable")
        lookup._dynamodb()  # the client exists after the first invocation; the table's silence is what is timed
        started = time.monotonic()
        answer = lookup_contact(event("+447911123456"), reader, now=NOW, lookback_days=7, default_region="GB")
        elapsed = time.monotonic() - started
    finally:
        lookup._dynamodb.cache_clear()
    assert (answer["found"], answer["reason"]) == ("false", "lookup_unavailable")
    assert elapsed < 1.0, elapsed


def test_posts_past_the_retention_are_not_read_from_a_card_that_still_holds_them():
    reader = cards([a_stored_post("new", "2026-11-19T09:00:00Z", "recent"),
                    a_stored_post("old", "2026-01-05T09:00:00Z", "expired but still on the card")])
    answer = lookup_contact(event("+447911123456", parameters={"lookback_days": "365"}), reader, now=NOW,
                            lookback_days=7, default_region="GB", retention_days=30)
    assert (answer["last_post_text"], answer["history_count"], answer["recent_posts"]) == ("recent", "0", "1")
    assert "expired" not in json.dumps(answer)
