"""How each platform signs a delivery, written from the platforms' specs independently of the adapters.

`sign(platform, body, secret, now)` -> (headers, query) a genuine delivery would carry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "events" / "webhooks"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _mac(secret: str, message: bytes, algorithm=hashlib.sha256) -> bytes:
    return hmac.new(secret.encode(), message, algorithm).digest()


def sign(platform: str, body: bytes, secret: str, now: float | None = None) -> tuple[dict[str, str], dict[str, str]]:
    now = int(now if now is not None else time.time())
    if platform in ("meta", "whatsapp"):
        return {"x-hub-signature-256": "sha256=" + _mac(secret, body).hex()}, {}
    if platform == "x":
        return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(_mac(secret, body)).decode()}, {}
    if platform == "linkedin":
        return {"x-li-signature": "hmacsha256=" + _mac(secret, body).hex()}, {}
    if platform == "youtube":
        return {"x-hub-signature": "sha1=" + _mac(secret, body, hashlib.sha1).hex()}, {}
    if platform == "tiktok":
        return {"tiktok-signature": f"t={now},s=" + _mac(secret, f"{now}.".encode() + body).hex()}, {}
    if platform == "google-business":
        return {}, {"token": secret}
    if platform == "generic/discourse":
        return {"x-discourse-event-signature": "sha256=" + _mac(secret, body).hex()}, {}
    if platform == "generic/trustpilot":
        mac = base64.b64encode(_mac(secret, f"{now}.".encode() + body)).decode()
        return {"x-trustpilot-signature": mac, "x-trustpilot-timestamp": str(now)}, {}
    raise ValueError(platform)
