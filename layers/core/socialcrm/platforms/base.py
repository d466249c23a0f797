"""The platform port: what every webhook adapter implements.

An adapter knows one platform's handshake, signature scheme and payload shapes, and nothing
else: no AWS, no storage. It turns a verified request into canonical posts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
        except RecursionError:
            raise BadRequest("body is nested too deeply") from None


@dataclass(frozen=True)
class WebhookResponse:
    status: int
    body: str = ""
    content_type: str = "application/json"


# What a hostile entry can make pure normalization raise; anything else (configuration, AWS) is not the entry's fault.
BAD_ENTRY_ERRORS = (BadRequest, LookupError, ArithmeticError, ValueError, TypeError, AttributeError, RecursionError)
SetAside = Callable[[str, Exception], None]  # (where, error): an entry that could not be normalized


class Entries:
    """The posts of a delivery, entry by entry: a bad entry goes to `set_aside` and the others go on.

    Without `set_aside` (a direct caller) the first bad entry raises, as before.
    """

    def __init__(self, set_aside: SetAside | None = None) -> None:
        self.posts: list[CanonicalPost] = []
        self._set_aside = set_aside

    @contextmanager
    def entry(self, where: str) -> Iterator[list[CanonicalPost]]:
        """Append the entry's posts to the list yielded; they count only if the whole entry normalized."""
        found: list[CanonicalPost] = []
        try:
            yield found
        except BAD_ENTRY_ERRORS as error:
            if self._set_aside is None:
                raise
            self._set_aside(where, error)
        else:
            self.posts.extend(found)


class PlatformAdapter(Protocol):
    """One social platform's webhook contract. `credentials` is that platform's secret map."""

    name: str
    secret_keys: tuple[str, ...]  # every key handshake and verify may read from `credentials` (docs/deploy.md)

    def handshake(self, request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
        """Answer the platform's subscription check (GET); raise HandshakeRefused on a mismatch."""
        ...

    def verify(self, request: WebhookRequest, credentials: dict[str, str]) -> None:
        """Raise SignatureInvalid unless the raw body is signed with the platform's secret."""
        ...

    def normalize(self, request: WebhookRequest, set_aside: SetAside | None = None) -> list[CanonicalPost]:
        """Canonical posts of a verified delivery; raise BadRequest when the delivery as a whole is unreadable.

        An entry that cannot be normalized is handed to `set_aside` (when given) and the others go on.
        """
        ...
