"""The platforms we know, in one place: how each is named to people, the hosts of its own links, and the webhook
route (/webhooks/{platform}) that delivers its posts. Standard library only: the lookup's cold start reads it.

A platform added by configuration (generic/<source>) is not listed: its mapping says all of this.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    name: str  # the identity namespace and CanonicalPost.platform (facebook, instagram, ...)
    shown_as: str  # to agents, in tasks and in speech
    hosts: tuple[str, ...]  # its own links: a post's url must be on one of them (or a subdomain)
    webhook: str | None  # the route whose adapter (platforms/<route>.py) delivers it; None: polled only


PLATFORMS: tuple[Platform, ...] = (
    Platform("facebook", "Facebook", ("facebook.com",), webhook="meta"),
    Platform("instagram", "Instagram", ("instagram.com",), webhook="meta"),
    Platform("whatsapp", "WhatsApp", ("wa.me", "whatsapp.com"), webhook="whatsapp"),
    Platform("x", "X", ("x.com", "twitter.com"), webhook="x"),
    Platform("linkedin", "LinkedIn", ("linkedin.com",), webhook="linkedin"),
    Platform("youtube", "YouTube", ("youtube.com", "youtu.be"), webhook="youtube"),  # comments are polled too
    Platform("tiktok", "TikTok", ("tiktok.com",), webhook="tiktok"),
    Platform("google-business", "Google reviews", ("google.com",), webhook="google-business"),
    Platform("reddit", "Reddit", ("reddit.com",), webhook=None),
)

PLATFORM_NAMES: dict[str, str] = {platform.name: platform.shown_as for platform in PLATFORMS}
PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {platform.name: platform.hosts for platform in PLATFORMS}
# /webhooks/{route} -> the module defining its ADAPTER, imported only when that route is called
WEBHOOK_MODULES: dict[str, str] = {
    route: "socialcrm.platforms." + route.replace("-", "_")
    for route in dict.fromkeys(platform.webhook for platform in PLATFORMS if platform.webhook)}
