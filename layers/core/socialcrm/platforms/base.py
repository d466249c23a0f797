"""The platform port: what every webhook adapter implements.

An adapter knows one platform's handshake, signature scheme and payload shapes, and nothing
else: no AWS, no storage. It turns a verified request into canonical posts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from socialcrm.errors import BadRequest
from socialcrm.model import CanonicalPost


@dataclass(frozen=True)
class WebhookRequest:
    """An HTTP request as the platform sent it. Header names are lowercase; body is the raw bytes."""

    method: str
    headers: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json_body(self) -> Any:
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, ValueError):
            raise BadRequest("body is not valid JSON") from None


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: str = ""
    content_type: str = "application/json"


class PlatformAdapter(Protocol):
    """One social platform's webhook contract. `credentials` is that platform's secret map."""

    name: str

    def handshake(self, request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
        """Answer the platform's subscription check (GET); raise HandshakeRefused on a mismatch."""
        ...

    def verify(self, request: WebhookRequest, credentials: dict[str, str]) -> None:
        """Raise SignatureInvalid unless the raw body is signed with the platform's secret."""
        ...

    def normalize(self, request: WebhookRequest) -> list[CanonicalPost]:
        """Canonical posts of a verified delivery; raise BadRequest when the shape is wrong."""
        ...
