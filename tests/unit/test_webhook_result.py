"""The webhook's use case answers with a typed result; errors become HTTP answers in one place."""

from __future__ import annotations

import json

import pytest

from socialcrm.errors import BadRequest, ConfigurationError, SignatureInvalid
from socialcrm.ingest import WebhookResult, error_response, handle_webhook
from socialcrm.platforms.base import WebhookRequest
from tests.fakes import FakeIngestQueue, FakeSetAsideStore
from tests.signers import sign
from tests.unit.test_set_aside_entries import SECRET, Secrets, x_body


def test_a_plain_exception_answers_500_and_says_nothing():
    response = error_response(KeyError("CARDS_TABLE secret detail"))
    assert (response.status, json.loads(response.body)) == (500, {"error": "internal error"})


@pytest.mark.parametrize(("error", "status", "message"), [
    (BadRequest("body is not UTF-8 text"), 400, "body is not UTF-8 text"),
    (SignatureInvalid(), 401, "invalid signature"),
    (ConfigurationError("INGEST_QUEUE_URL is missing"), 500, "internal error"),
])
def test_typed_errors_say_what_unless_they_are_ours(error, status, message):
    response = error_response(error)
    assert (response.status, json.loads(response.body)) == (status, {"error": message})


def test_a_delivery_with_a_bad_entry_reports_what_was_set_aside_and_emits_no_metric(capsys):
    raw = x_body()
    headers, query = sign("x", raw, SECRET)
    queue, store = FakeIngestQueue(), FakeSetAsideStore()

    result = handle_webhook("x", WebhookRequest("POST", headers, query or {}, raw), Secrets(), queue, lambda: store)

    assert isinstance(result, WebhookResult)
    assert (result.outcome, result.accepted, result.set_aside, result.response.status) == ("accepted", 1, 1, 200)
    assert len(store.kept) == 1 and len(queue.sent) == 1
    assert "EntriesSetAside" not in capsys.readouterr().out  # the handler counts it, from the result


def test_a_method_we_do_not_take_is_its_own_outcome():
    result = handle_webhook("x", WebhookRequest("PUT", {}, {}, b""), Secrets(), FakeIngestQueue(),
                            FakeSetAsideStore)
    assert (result.outcome, result.accepted, result.set_aside, result.response.status) == \
        ("MethodNotAllowed", 0, 0, 405)
