"""Each function's settings, read from its environment and validated once per cold start.

One frozen dataclass per function (one loader each, cached), handed to the composition root (socialcrm.wiring);
no module below it reads the environment. A `read_<function>(env)` reads exactly the variables that function's
template.yaml resource declares (tests/unit/test_settings.py holds them to it, both ways); the cached loaders
read the process environment. A missing or malformed variable raises ConfigurationError naming it; defaults live in
template.yaml's parameters, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from socialcrm.config import TABLE_VARIABLES, Environment
from socialcrm.errors import ConfigurationError

# The lookup's and the agent page's settings live with their dependencies, so their cold start defines no others.
from socialcrm.light_wiring import AgentPageSettings as AgentPageSettings
from socialcrm.light_wiring import ContactLookupSettings as ContactLookupSettings
from socialcrm.light_wiring import agent_page as agent_page
from socialcrm.light_wiring import contact_lookup as contact_lookup
from socialcrm.light_wiring import read_agent_page as read_agent_page
from socialcrm.light_wiring import read_contact_lookup as read_contact_lookup

if TYPE_CHECKING:
    from socialcrm.connectors import ChosenConnector
    from socialcrm.engagement import Registry
    from socialcrm.replies.policy import ReplyPolicy
    from socialcrm.sources import ChosenSource

SENTIMENT_ENGINES = ("vader", "comprehend")


@dataclass(frozen=True)
class Tables:
    """Table names by role; "" for a table the function was not given."""

    customers: str = ""
    posts: str = ""
    cards: str = ""
    metrics: str = ""
    contact_state: str = ""
    source_state: str = ""
    replies: str = ""


def _tables(env: Environment, *roles: str) -> Tables:
    return Tables(**{role: env.required(TABLE_VARIABLES[role]) for role in roles})


@dataclass(frozen=True)
class PlatformSettings:
    """What the webhook's platform adapters are told."""

    youtube_channel_ids: tuple[str, ...]  # WebSub topics we subscribe to; others are refused
    generic_mapping_prefix: str  # SSM path of generic/<source> mappings; "" = the layer's mappings only
    google_jwks_url: str  # Google's ID-token keys (tests point it elsewhere)


def read_platforms(env: Environment) -> PlatformSettings:
    from socialcrm.platforms.google_business import GOOGLE_JWKS_URL

    return PlatformSettings(env.csv("YOUTUBE_CHANNEL_IDS"), env.text("GENERIC_MAPPING_PREFIX"),
                            env.override("GOOGLE_JWKS_URL", GOOGLE_JWKS_URL))


@dataclass(frozen=True)
class WebhookSettings:
    platforms: PlatformSettings
    ingest_queue_url: str
    platform_secret_id: str
    websub_secret_id: str
    set_aside_bucket: str
    tables: Tables  # source_state: the WebSub intents only


def read_webhook(env: Environment) -> WebhookSettings:
    return WebhookSettings(read_platforms(env), env.required("INGEST_QUEUE_URL"), env.required("PLATFORM_SECRET_ID"),
                           env.required("WEBSUB_SECRET_ID"), env.required("SET_ASIDE_BUCKET"),
                           _tables(env, "source_state"))


def read_engagement(env: Environment) -> Registry:
    """Official and employee accounts, brand names and topic keywords (docs/metrics.md)."""
    from socialcrm.engagement import Registry

    keywords = env.text("TOPIC_KEYWORDS")
    if any(ch in keywords for ch in "|=#"):
        raise ConfigurationError("TOPIC_KEYWORDS: keywords must not contain '|', '=' or '#'")
    return Registry.from_settings(env.text("OFFICIAL_ACCOUNTS"), env.text("EMPLOYEE_ACCOUNTS"),
                                  env.text("BRAND_NAMES"), keywords)


@dataclass(frozen=True)
class ProcessorSettings:
    tables: Tables
    push_queue_url: str
    retention_days: int
    sentiment_engine: str
    default_region: str
    engagement: Registry


def read_processor(env: Environment) -> ProcessorSettings:
    return ProcessorSettings(_tables(env, "customers", "posts", "cards", "metrics", "replies"),
                             env.required("PUSH_QUEUE_URL"),
                             env.positive_int("RETENTION_DAYS"), env.choice("SENTIMENT_ENGINE", SENTIMENT_ENGINES),
                             env.phone_region(), read_engagement(env))


@dataclass(frozen=True)
class CustomerSyncSettings:
    tables: Tables  # metrics: the customer base by segment
    default_region: str
    retention_days: int
    tombstone_secret_id: str


def read_customer_sync(env: Environment) -> CustomerSyncSettings:
    return CustomerSyncSettings(_tables(env, "customers", "posts", "cards", "metrics"), env.phone_region(),
                                env.positive_int("RETENTION_DAYS"), env.required("TOMBSTONE_SECRET_ID"))


@dataclass(frozen=True)
class MatchReviewSettings:
    tables: Tables
    default_region: str
    retention_days: int


def read_match_review(env: Environment) -> MatchReviewSettings:
    return MatchReviewSettings(_tables(env, "customers", "posts", "cards"), env.phone_region(),
                               env.positive_int("RETENTION_DAYS"))


@dataclass(frozen=True)
class ContactPushSettings:
    connectors: tuple[ChosenConnector[Any], ...]
    connector_secret_id: str
    push_dlq_url: str
    tables: Tables  # contact_state: task windows and delivery records; customers: erasure markers


def read_contact_push(env: Environment) -> ContactPushSettings:
    from socialcrm.connectors import choose

    return ContactPushSettings(choose(env), env.required("CONNECTOR_SECRET_ID"), env.required("PUSH_DLQ_URL"),
                               _tables(env, "contact_state", "customers"))


@dataclass(frozen=True)
class ErasureSettings:
    tables: Tables
    erasing_connectors: tuple[ChosenConnector[Any], ...]  # chosen connectors that keep copies of posts
    default_region: str
    tombstone_secret_id: str


def read_erasure(env: Environment) -> ErasureSettings:
    from socialcrm.connectors import choose

    return ErasureSettings(_tables(env, "customers", "posts", "cards", "contact_state", "metrics", "replies"),
                           choose(env, erasing_only=True), env.phone_region(), env.required("TOMBSTONE_SECRET_ID"))


@dataclass(frozen=True)
class WebSubSettings:
    """The daily (re)subscription of our YouTube channels."""

    channels: tuple[str, ...]  # none: nothing to ask, and no WebSub secret needed
    callback_url: str
    secret_id: str
    hub_url: str


@dataclass(frozen=True)
class PollerSettings:
    sources: tuple[ChosenSource[Any], ...]
    polling_secret_id: str
    ingest_queue_url: str
    tables: Tables
    websub: WebSubSettings


def read_poller(env: Environment) -> PollerSettings:
    from socialcrm.sources import choose
    from socialcrm.websub import HUB_URL

    websub = WebSubSettings(env.csv("YOUTUBE_CHANNEL_IDS"), env.required("WEBSUB_CALLBACK_URL"),
                            env.required("WEBSUB_SECRET_ID"), env.override("WEBSUB_HUB_URL", HUB_URL))
    return PollerSettings(choose(env), env.required("POLLING_SECRET_ID"), env.required("INGEST_QUEUE_URL"),
                          _tables(env, "source_state"), websub)


@dataclass(frozen=True)
class RollupSettings:
    tables: Tables
    metrics_namespace: str  # also Powertools' (Globals)
    service_name: str  # the lookup's call metrics carry it as a dimension


def read_metrics_rollup(env: Environment) -> RollupSettings:
    return RollupSettings(_tables(env, "metrics"), env.required("POWERTOOLS_METRICS_NAMESPACE"),
                          env.required("POWERTOOLS_SERVICE_NAME"))


@dataclass(frozen=True)
class ReplySettings:
    tables: Tables  # posts: read the answered post; replies: the reply records
    reply_secret_id: str
    ingest_queue_url: str  # a sent reply goes through the pipeline as our own post
    base_url_overrides: dict[str, str]  # REPLY_<KEY>_URL: the platforms' endpoints (tests and the local stack only)
    retention_days: int  # a reply is kept as long as the post it answers
    policy: ReplyPolicy


def read_reply_policy(env: Environment) -> ReplyPolicy:
    """Who may reply where, and what is held (docs/replies.md, "Policy")."""
    from socialcrm.engagement import account_keys
    from socialcrm.replies.policy import APPROVALS, ReplyPolicy, reply_accounts, tag_platforms

    return ReplyPolicy(official=account_keys(env.text("OFFICIAL_ACCOUNTS"), "OFFICIAL_ACCOUNTS"),
                       allowed=reply_accounts(env.text("REPLY_ACCOUNTS")),
                       approval=env.choice("REPLY_APPROVAL", APPROVALS),
                       tag_platforms=tag_platforms(env.csv("REPLY_MESSAGE_TAGS")),
                       phone_region=env.phone_region())


def read_reply(env: Environment) -> ReplySettings:
    from socialcrm.reply_platforms import read_base_url_overrides

    return ReplySettings(_tables(env, "posts", "replies"), env.required("REPLY_SECRET_ID"),
                         env.required("INGEST_QUEUE_URL"), read_base_url_overrides(env),
                         env.positive_int("RETENTION_DAYS"), read_reply_policy(env))


# functions/<directory> -> the reader of its settings
READERS: dict[str, Callable[[Environment], object]] = {
    "webhook": read_webhook, "processor": read_processor, "customer_sync": read_customer_sync,
    "match_review": read_match_review, "contact_push": read_contact_push, "erasure": read_erasure,
    "poller": read_poller, "metrics_rollup": read_metrics_rollup, "contact_lookup": read_contact_lookup,
    "agent_page": read_agent_page, "reply": read_reply,
}


# The cached loaders: what a cold start reads, once.
@cache
def platforms() -> PlatformSettings:
    return read_platforms(Environment())


@cache
def webhook() -> WebhookSettings:
    return read_webhook(Environment())


@cache
def processor() -> ProcessorSettings:
    return read_processor(Environment())


@cache
def customer_sync() -> CustomerSyncSettings:
    return read_customer_sync(Environment())


@cache
def match_review() -> MatchReviewSettings:
    return read_match_review(Environment())


@cache
def contact_push() -> ContactPushSettings:
    return read_contact_push(Environment())


@cache
def erasure() -> ErasureSettings:
    return read_erasure(Environment())


@cache
def poller() -> PollerSettings:
    return read_poller(Environment())


@cache
def metrics_rollup() -> RollupSettings:
    return read_metrics_rollup(Environment())


@cache
def reply() -> ReplySettings:
    return read_reply(Environment())


LOADERS = (platforms, webhook, processor, customer_sync, match_review, contact_push, erasure, poller, metrics_rollup,
           contact_lookup, agent_page, reply)


def forget() -> None:
    """A new cold start (tests): every loader reads the environment again."""
    for loader in LOADERS:
        loader.cache_clear()
