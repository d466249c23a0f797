"""Pub/Sub push authenticated with a Google-signed OIDC token, checked against a JWKS served on loopback."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from socialcrm.errors import SignatureInvalid
from socialcrm.platforms import google_business
from socialcrm.platforms.base import WebhookRequest
from tests.signers import fixture

AUDIENCE = "https://hooks.example.com/webhooks/google-business"
EMAIL = "gbp-push@acme-social.iam.gserviceaccount.com"
CREDENTIALS = {"oidc_audience": AUDIENCE, "oidc_email": EMAIL}


@pytest.fixture(scope="module")
def google_keys():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *_args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield key, other, f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()
    server.server_close()


def token(key, **claims) -> str:
    now = int(time.time())
    body = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "email": EMAIL, "email_verified": True,
            "iat": now, "exp": now + 3600, "sub": "1234567890", **claims}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
def verify(google_keys, monkeypatch):
    monkeypatch.setenv("GOOGLE_JWKS_URL", google_keys[2])
    google_business.jwks_client.cache_clear()

    def check(bearer: str) -> None:
        request = WebhookRequest("POST", headers={"authorization": f"Bearer {bearer}"},
                                 body=fixture("google_business_review.json"))
        google_business.ADAPTER.verify(request, CREDENTIALS)

    return check


def test_a_google_signed_token_for_our_audience_and_account_is_accepted(verify, google_keys):
    verify(token(google_keys[0]))


@pytest.mark.parametrize("claims", [{"aud": "https://elsewhere.example"}, {"email": "someone@evil.example"},
                                    {"email_verified": False}, {"iss": "https://evil.example"},
                                    {"exp": int(time.time()) - 3600}])
def test_tokens_for_another_audience_account_issuer_or_expired_are_refused(verify, google_keys, claims):
    with pytest.raises(SignatureInvalid):
        verify(token(google_keys[0], **claims))


def test_a_token_signed_by_another_key_or_unsigned_is_refused(verify, google_keys):
    with pytest.raises(SignatureInvalid):
        verify(token(google_keys[1]))
    unsigned = jwt.encode({"aud": AUDIENCE, "email": EMAIL}, None, algorithm="none")
    with pytest.raises(SignatureInvalid):
        verify(unsigned)
    with pytest.raises(SignatureInvalid):
        google_business.ADAPTER.verify(WebhookRequest("POST", body=b"{}"), CREDENTIALS)


@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_a_token_without_an_expiry_or_an_issue_time_is_refused(verify, google_keys, claim):
    now = int(time.time())
    body = {"iss": "https://accounts.google.com", "aud": AUDIENCE, "email": EMAIL, "email_verified": True,
            "iat": now, "exp": now + 3600, "sub": "1234567890"}
    del body[claim]  # a token that never expires, or whose age cannot be told
    with pytest.raises(SignatureInvalid):
        verify(jwt.encode(body, google_keys[0], algorithm="RS256", headers={"kid": "k1"}))


def test_a_token_expired_within_the_30_second_clock_leeway_is_accepted(verify, google_keys):
    verify(token(google_keys[0], exp=int(time.time()) - 10))


NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class StoppedClock(datetime):
    """The time PyJWT checks a token's times against, stopped at NOW."""

    @classmethod
    def now(cls, tz=None):
        return NOW.astimezone(tz)


def test_the_clock_leeway_ends_at_30_seconds_either_side(verify, google_keys, monkeypatch):
    monkeypatch.setattr(jwt.api_jwt, "datetime", StoppedClock)
    now = int(NOW.timestamp())
    verify(token(google_keys[0], iat=now - 3600, exp=now - 29))  # expired 29 seconds ago: our clock may be ahead
    verify(token(google_keys[0], iat=now + 30, exp=now + 3600))  # issued 30 seconds ahead of our clock
    for claims in ({"iat": now - 3600, "exp": now - 30}, {"iat": now + 31, "exp": now + 3600}):
        with pytest.raises(SignatureInvalid) as refused:
            verify(token(google_keys[0], **claims))
        assert str(refused.value) == "the bearer token is not a valid Google ID token for this endpoint"


@pytest.mark.parametrize(("claims", "reason"), [
    ({"aud": "https://elsewhere.example"}, "the bearer token is not a valid Google ID token for this endpoint"),
    ({"email": "someone@evil.example"}, "the bearer token was issued to another service account")])
def test_a_refused_token_says_whether_it_is_invalid_or_another_accounts(verify, google_keys, claims, reason):
    with pytest.raises(SignatureInvalid, match=f"^{reason}$"):
        verify(token(google_keys[0], **claims))
