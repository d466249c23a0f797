"""YouTube WebSub subscriptions we asked for, so the webhook confirms those and nothing else.

Asking: for each channel, record the intent (mode, expiry a few minutes ahead) in SourceStateTable at
`websub:youtube:<channel>`, then ask the hub (form POST, hub.verify=async). The hub then calls our
webhook with a GET; `confirmed` answers it with one key read: the recorded intent for that channel must
have the same mode and must not have expired. An intent of another mode, an expired one or none: refused.
Leases are renewed by asking again (PollerFunction, daily; docs/platforms.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from socialcrm.errors import ConfigurationError
from socialcrm.polling import StateStore

HUB_URL = "https://pubsubhubbub.appspot.com/subscribe"
TOPIC_URL = "https://www.youtube.com/xml/feeds/videos.xml?channel_id={channel}"
MODES = ("subscribe", "unsubscribe")
INTENT_SECONDS = 300  # the hub verifies within seconds of an async request; five minutes is ample


class Hub(Protocol):
    def request(self, form: dict[str, str]) -> int:
        """POST the form to the hub; its HTTP status (202 when it will verify)."""
        ...


def intent_key(channel: str) -> str:
    return f"websub:youtube:{channel}"


def topic_of(channel: str) -> str:
    return TOPIC_URL.format(channel=channel)


@dataclass(frozen=True)
class SubscriptionRequest:
    mode: str
    channels: Sequence[str]
    callback_url: str
    secret: str


@dataclass(frozen=True)
class HubAnswer:
    channel: str
    mode: str
    hub_status: int  # the hub's HTTP status (202: it will verify the intent)


def request_subscriptions(request: SubscriptionRequest, intents: StateStore, hub: Hub,
                          now: Callable[[], float]) -> list[HubAnswer]:
    """Record each channel's intent, then ask the hub; what the hub answered per channel."""
    if not request.channels:
        return []  # YouTube not in use: the daily renewal has nothing to do
    if request.mode not in MODES:
        raise ConfigurationError(f"websub mode must be one of {', '.join(MODES)}, got {request.mode!r}")
    if not request.secret:
        raise ConfigurationError("the WebSubSecret has no hub_secret (unsigned deliveries are refused)")
    if not request.callback_url.startswith("https://"):
        raise ConfigurationError("WEBSUB_CALLBACK_URL must be an https URL")
    results = []
    for channel in request.channels:
        intents.save(intent_key(channel), {"mode": request.mode, "expires_at": int(now()) + INTENT_SECONDS})
        status = hub.request({"hub.callback": request.callback_url, "hub.topic": topic_of(channel),
                              "hub.mode": request.mode, "hub.secret": request.secret, "hub.verify": "async"})
        results.append(HubAnswer(channel, request.mode, status))
    return results


def confirmed(intents: StateStore, channel: str, mode: str, now: float) -> bool:
    """Whether we asked for this mode on this channel and the request has not expired (one GetItem)."""
    intent = intents.load(intent_key(channel))
    expires_at = intent.get("expires_at")
    return intent.get("mode") == mode and isinstance(expires_at, int) and now < expires_at
