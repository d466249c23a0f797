"""Typed exceptions of the domain. `http_status` maps each one to its HTTP answer in one place."""

from __future__ import annotations


class SocialCrmError(Exception):
    """Base class of every error the domain raises on purpose."""

    http_status = 500
    public_message = "internal error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.public_message)
        self.message = message or self.public_message


class BadRequest(SocialCrmError):
    """The request is not what the platform documents (bad JSON, wrong shape)."""

    http_status = 400
    public_message = "bad request"


class SignatureInvalid(SocialCrmError):
    """Missing or forged signature: nothing from this request may be trusted."""

    http_status = 401
    public_message = "invalid signature"


class HandshakeRefused(SocialCrmError):
    """A subscription handshake with a wrong token or mode."""

    http_status = 403
    public_message = "verification failed"


class SubscriptionNotRequested(HandshakeRefused):
    """A WebSub verification of a (un)subscription we did not ask for; WebSub's refusal is 404."""

    http_status = 404
    public_message = "topic not subscribed"


class UnknownPlatform(SocialCrmError):
    http_status = 404
    public_message = "unknown platform"


class PlatformNotConfigured(UnknownPlatform):
    """A platform this deployment serves but does not use: its secret has no credentials for it."""


class NotFound(SocialCrmError):
    """A post or customer named in a request does not exist."""

    http_status = 404


class Forbidden(SocialCrmError):
    """The caller is who they say, but may not do this (an author approving their own reply)."""

    http_status = 403
    public_message = "forbidden"


class Conflict(SocialCrmError):
    """The request contradicts what is stored (a reply id already used for another post)."""

    http_status = 409
    public_message = "conflict"


class ConfigurationError(SocialCrmError):
    """A setting that must be present is missing or invalid."""


class InvalidRecord(SocialCrmError):
    """A CRM record failed validation; `field` names the offending field."""

    http_status = 400

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class DeliveryError(SocialCrmError):
    """A contact-centre delivery failed."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying later (timeouts, 5xx, 429); `retry_after` is the receiver's wish in seconds."""

    def __init__(self, message: str | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (4xx other than 429): goes to the dead-letter queue at once."""


def http_status_of(error: Exception) -> int:
    return error.http_status if isinstance(error, SocialCrmError) else 500
