"""The generic HTTPS connector against a real HTTP server on loopback (no fakes of requests)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from socialcrm.connectors.https import HttpsConnector, retry_after_seconds, sign, validate_endpoint
from socialcrm.errors import ConfigurationError, PermanentDeliveryError, TransientDeliveryError
from tests.support.contact_centre import ScriptedServer, a_push

KEY = "test-signing-key-0123456789"


@pytest.fixture
def server():
    running = ScriptedServer()
    yield running
    running.close()


def test_a_delivery_is_signed_over_timestamp_and_raw_body_and_carries_the_push_id(server):
    HttpsConnector(server.url, KEY, clock=lambda: 1_795_000_000.7).deliver(a_push("push-42"))
    headers, body = server.requests[0]
    assert headers["x-socialcrm-timestamp"] == "1795000000"
    assert headers["x-socialcrm-signature"] == sign(KEY.encode(), "1795000000", body)
    assert headers["idempotency-key"] == "push-42"
    assert json.loads(body)["text"] == "broken again 😡"


def test_the_signature_changes_with_a_single_byte_of_the_body():
    assert sign(b"k", "1", b'{"a":1}') != sign(b"k", "1", b'{"a":2}')
    assert sign(b"k", "1", b"x") != sign(b"k", "2", b"x")


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429, 408])
def test_server_errors_and_throttling_are_transient(server, status):
    server.script.append((status, {}, 0.0))
    with pytest.raises(TransientDeliveryError):
        HttpsConnector(server.url, KEY).deliver(a_push())


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422, 301, 302])
def test_client_errors_and_redirects_are_permanent(server, status):
    server.script.append((status, {"Location": "https://elsewhere.example/"}, 0.0))
    with pytest.raises(PermanentDeliveryError):
        HttpsConnector(server.url, KEY).deliver(a_push())
    assert len(server.requests) == 1  # the redirect was not followed


def test_retry_after_of_a_429_is_passed_on(server):
    server.script.append((429, {"Retry-After": "7"}, 0.0))
    with pytest.raises(TransientDeliveryError) as caught:
        HttpsConnector(server.url, KEY).deliver(a_push())
    assert caught.value.retry_after == 7.0


def test_a_read_timeout_is_transient(server):
    server.script.append((200, {}, 1.0))
    with pytest.raises(TransientDeliveryError):
        HttpsConnector(server.url, KEY, timeout=(1.0, 0.2)).deliver(a_push())


def test_nobody_listening_is_transient(server):
    url = server.url
    server.close()
    with pytest.raises(TransientDeliveryError):
        HttpsConnector(url, KEY, timeout=(0.5, 0.5)).deliver(a_push())


def test_retry_after_accepts_seconds_and_http_dates():
    now = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", lambda: now) == 120.0
    assert retry_after_seconds("Sun, 22 Nov 2026 10:00:30 GMT", lambda: now) == 30.0
    assert retry_after_seconds("Sun, 22 Nov 2026 09:00:00 GMT", lambda: now) == 0.0
    assert retry_after_seconds("soon", lambda: now) is None
    assert retry_after_seconds(None, lambda: now) is None


@pytest.mark.parametrize("url", ["http://contact.example.com/hook", "ftp://127.0.0.1/x", "/relative"])
def test_plain_http_is_refused_except_to_loopback(url):
    with pytest.raises(ConfigurationError):
        validate_endpoint(url)


@pytest.mark.parametrize("url", ["https://contact.example.com/hook", "http://127.0.0.1:9/x",
                                 "http://localhost/x", "http://[::1]:8080/x"])
def test_https_and_loopback_http_are_accepted(url):
    assert validate_endpoint(url) == url
