"""The generic HTTPS connector: POSTs the push as JSON, signed, to any contact centre.

Receiver contract (docs/connectors.md):
- `X-SocialCRM-Timestamp`: Unix seconds of the attempt;
- `X-SocialCRM-Signature`: "sha256=" + hex HMAC-SHA256(signing key, timestamp + "." + raw body);
- `Idempotency-Key`: the push id, the same on every retry of the same push.
One attempt per call; retrying is the push service's job (socialcrm.push).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cached_property
from urllib.parse import urlsplit

import requests

from socialcrm.config import Environment
from socialcrm.connectors import ConnectorContext, ConnectorKind
from socialcrm.errors import ConfigurationError, PermanentDeliveryError, TransientDeliveryError
from socialcrm.model import ContactPush

SECRET_SECTION, SECRET_KEYS = "https", ("signing_key",)  # ConnectorSecret: {"https": {"signing_key": ...}}
CONNECT_TIMEOUT_SECONDS = 3.05
READ_TIMEOUT_SECONDS = 10.0
RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
USER_AGENT = "socialcrm-contact-push/1"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_endpoint(url: str) -> str:
    """https everywhere; plain http only to loopback (the local stack and tests)."""
    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigurationError("CONTACT_CENTRE_URL must be an absolute URL")
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname)):
        return url
    raise ConfigurationError("CONTACT_CENTRE_URL must use https (http is allowed only to loopback)")


def sign(key: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(key, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def retry_after_seconds(value: str | None, now: Callable[[], datetime]) -> float | None:
    """Retry-After as delay-seconds or an HTTP date (RFC 9110 10.2.3); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now()).total_seconds())


class HttpsConnector:
    name = "https"

    def __init__(self, url: str, signing_key: str, session: requests.Session | None = None,
                 clock: Callable[[], float] = time.time,
                 timeout: tuple[float, float] = (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)) -> None:
        self.url = validate_endpoint(url)
        self.timeout = timeout
        self.signing_key = signing_key.encode()
        self._session = session
        self.clock = clock

    @staticmethod
    def wants(push: ContactPush) -> bool:
        return push.actionable

    @cached_property
    def session(self) -> requests.Session:
        return self._session or requests.Session()

    def deliver(self, push: ContactPush) -> None:
        body = json.dumps(push.to_message(), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": push.push_id,
            "X-SocialCRM-Timestamp": timestamp,
            "X-SocialCRM-Signature": sign(self.signing_key, timestamp, body),
        }
        try:
            response = self.session.post(self.url, data=body, headers=headers, allow_redirects=False,
                                         timeout=self.timeout)
        except (requests.Timeout, requests.ConnectionError) as error:
            raise TransientDeliveryError(f"{type(error).__name__} talking to the contact centre") from None
        status = response.status_code
        response.close()
        if 200 <= status < 300:
            return
        if status in RETRYABLE_STATUSES:
            delay = retry_after_seconds(response.headers.get("Retry-After"), lambda: datetime.now(UTC))
            raise TransientDeliveryError(f"contact centre answered {status}", retry_after=delay)
        raise PermanentDeliveryError(f"contact centre answered {status}")


@dataclass(frozen=True)
class HttpsSettings:
    url: str  # CONTACT_CENTRE_URL


def _read_settings(env: Environment) -> HttpsSettings:
    return HttpsSettings(env.text("CONTACT_CENTRE_URL"))


def _check(settings: HttpsSettings) -> None:
    if not settings.url:
        raise ConfigurationError("environment variable CONTACT_CENTRE_URL must be set for the https connector")
    validate_endpoint(settings.url)


def _build(settings: HttpsSettings, context: ConnectorContext) -> HttpsConnector:
    key = context.credentials("https").get("signing_key", "")
    if len(key) < 16:
        raise ConfigurationError("the connector secret's https.signing_key must be at least 16 characters")
    return HttpsConnector(url=settings.url, signing_key=key)


KIND = ConnectorKind("https", _read_settings, _check, _build)
