"""One ReplyPublisher per platform (socialcrm.replies.contract), built by `build(platform, credentials,
base_url_overrides)`; what each can answer is `REPLYABLE`. Each follows its platform's documented API, cited in
docs/platforms.md ("Replying"); the reply secret's shape per platform is in docs/deploy.md.

Base URLs: `BASE_URLS` holds each platform's real endpoints by key; `base_url_overrides` replaces any of them
(tests and the local stack point them at loopback fakes; `read_base_url_overrides` reads the REPLY_*_URL
variables, test-only like the other endpoint overrides). A generic source's override is keyed
"generic/<source>" and replaces the origin of its reply URL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from socialcrm.config import Environment
from socialcrm.errors import UnknownPlatform
from socialcrm.replies.contract import ReplyKind, ReplyPublisher
from socialcrm.reply_platforms import google, linkedin, meta, whatsapp, x
from socialcrm.reply_platforms.base import Clock, utc_now
from socialcrm.reply_platforms.http import DEFAULT_TIMEOUT, Timeout
from socialcrm.reply_platforms.windows import check_window

GENERIC_PREFIX = "generic/"

REPLYABLE: dict[str, frozenset[ReplyKind]] = {
    "facebook": frozenset({"comment_reply", "message"}),
    "instagram": frozenset({"comment_reply", "message"}),
    "whatsapp": frozenset({"message"}),
    "x": frozenset({"message", "mention_reply"}),
    "linkedin": frozenset({"comment_reply"}),
    "youtube": frozenset({"comment_reply"}),
    "google-business": frozenset({"review_reply"}),
}  # a generic/<source> answers what its mapping's reply section names (nothing without one)

BASE_URLS: dict[str, str] = {
    "meta_graph": meta.GRAPH_URL,  # Facebook, Instagram and WhatsApp
    "x_api": x.API_URL,
    "x_token": x.TOKEN_URL,
    "linkedin_api": linkedin.API_URL,
    "linkedin_token": linkedin.TOKEN_URL,
    "youtube_api": google.YOUTUBE_URL,
    "google_business_api": google.BUSINESS_URL,
    "google_token": google.TOKEN_URL,
}

BASE_URL_VARIABLES: dict[str, str] = {f"REPLY_{key.upper()}_URL": key for key in BASE_URLS}

SECRET_KEYS: dict[str, tuple[str, ...]] = {
    "facebook": meta.SECRET_KEYS,
    "instagram": meta.SECRET_KEYS,
    "whatsapp": whatsapp.SECRET_KEYS,
    "x": x.SECRET_KEYS,
    "linkedin": linkedin.SECRET_KEYS,
    "youtube": google.SECRET_KEYS,
    "google-business": google.SECRET_KEYS,
}  # the reply secret's section per platform; generic/<source>: the keys its reply section names


def read_base_url_overrides(env: Environment) -> dict[str, str]:
    """The REPLY_<KEY>_URL variables that are set (tests and the local stack only)."""
    return {key: env.text(variable) for variable, key in BASE_URL_VARIABLES.items() if env.text(variable)}


def reply_secret_sections() -> dict[str, tuple[str, ...]]:
    """Every section and key of the reply secret the publishers read, including the shipped generic mappings
    that have a reply section (for docs/deploy.md's test)."""
    from socialcrm.platforms.generic import MAPPINGS_DIR, load_mapping
    from socialcrm.reply_platforms.generic import secret_keys_of

    sections = dict(SECRET_KEYS)
    for path in sorted(MAPPINGS_DIR.glob("*.json")):
        keys = secret_keys_of(load_mapping(path.stem).reply)
        if keys:
            sections[GENERIC_PREFIX + path.stem] = keys
    return sections


def build(platform: str, credentials: Mapping[str, str], base_url_overrides: Mapping[str, str] | None = None, *,
          timeout: Timeout = DEFAULT_TIMEOUT, clock: Clock = utc_now,
          on_refresh_token: Callable[[str], None] | None = None) -> ReplyPublisher:
    """The publisher of `platform` with its reply-secret section `credentials`. `on_refresh_token` receives a
    refresh token the platform rotated (X rotates on every refresh), so the caller can store it."""
    urls = {**BASE_URLS, **(base_url_overrides or {})}
    options: dict[str, Any] = {"timeout": timeout}
    refreshing: dict[str, Any] = {**options, "on_refresh_token": on_refresh_token}
    if platform == "facebook":
        return meta.facebook(credentials, urls["meta_graph"], clock, **options)
    if platform == "instagram":
        return meta.instagram(credentials, urls["meta_graph"], clock, **options)
    if platform == "whatsapp":
        return whatsapp.whatsapp(credentials, urls["meta_graph"], clock, **options)
    if platform == "x":
        return x.x(credentials, urls["x_api"], urls["x_token"], clock, **refreshing)
    if platform == "linkedin":
        return linkedin.linkedin(credentials, urls["linkedin_api"], urls["linkedin_token"], clock, **refreshing)
    if platform == "youtube":
        return google.youtube(credentials, urls["youtube_api"], urls["google_token"], clock, **refreshing)
    if platform == "google-business":
        return google.google_business(credentials, urls["google_business_api"], urls["google_token"], clock,
                                      **refreshing)
    if platform.startswith(GENERIC_PREFIX):
        from socialcrm.platforms.generic import load_mapping
        from socialcrm.reply_platforms.generic import generic

        return generic(load_mapping(platform.removeprefix(GENERIC_PREFIX)), credentials, urls.get(platform), clock,
                       **options)
    raise UnknownPlatform(f"no reply publisher for {platform!r}")


__all__ = ["BASE_URLS", "BASE_URL_VARIABLES", "REPLYABLE", "SECRET_KEYS", "build", "check_window",
           "read_base_url_overrides", "reply_secret_sections"]
