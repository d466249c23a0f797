"""Composition root: builds each function's dependencies from configuration, once, on first use.

Nothing here runs at import time; handlers call these getters inside the invocation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from socialcrm import config


def utc_now() -> datetime:
    return datetime.now(UTC)


@cache
def processor_deps():
    from socialcrm.adapters.dynamo import (
        DynamoCardStore,
        DynamoCustomerDirectory,
        DynamoLedger,
        DynamoLinkCodes,
        DynamoPostRepository,
        DynamoReviewList,
    )
    from socialcrm.adapters.sqs import SqsPushQueue
    from socialcrm.processing import ProcessorDeps
    from socialcrm.sentiment import analyzer_for

    for role in ("customers", "posts", "cards", "metrics"):
        config.table_name(role)
    return ProcessorDeps(
        posts=DynamoPostRepository(table_name=config.table_name("posts"),
                                   metrics_table_name=config.table_name("metrics"),
                                   retention_days=config.positive_int("RETENTION_DAYS", 365)),
        customers=DynamoCustomerDirectory(table_name=config.table_name("customers"),
                                          metrics_table_name=config.table_name("metrics")),
        cards=DynamoCardStore(table_name=config.table_name("cards")),
        push_queue=SqsPushQueue(config.required("PUSH_QUEUE_URL")),
        sentiment=analyzer_for(config.choice("SENTIMENT_ENGINE", ("vader", "comprehend"), "vader")),
        clock=utc_now,
        reviews=DynamoReviewList(table_name=config.table_name("customers")),
        codes=DynamoLinkCodes(table_name=config.table_name("customers")),
        default_region=config.phone_region(),
        ledger=DynamoLedger(table_name=config.table_name("metrics")),
        registry=config.registry(),
    )


@cache
def sync_deps():
    from socialcrm.adapters.dynamo import (
        DynamoCardStore,
        DynamoCustomerDirectory,
        DynamoLinkCodes,
        DynamoPostRepository,
        DynamoReviewList,
        DynamoTombstones,
    )
    from socialcrm.adapters.secrets import tombstone_key
    from socialcrm.customers import SyncDeps

    for role in ("customers", "posts", "cards", "metrics"):  # metrics: the customer base by segment
        config.table_name(role)
    return SyncDeps(
        customers=DynamoCustomerDirectory(table_name=config.table_name("customers"),
                                          metrics_table_name=config.table_name("metrics")),
        posts=DynamoPostRepository(table_name=config.table_name("posts"),
                                   retention_days=config.positive_int("RETENTION_DAYS", 365)),
        cards=DynamoCardStore(table_name=config.table_name("cards")),
        default_region=config.phone_region(),
        clock=utc_now,
        reviews=DynamoReviewList(table_name=config.table_name("customers")),
        codes=DynamoLinkCodes(table_name=config.table_name("customers")),
        tombstones=DynamoTombstones(table_name=config.table_name("customers"), key=tombstone_key()),
    )


@cache
def rollup_deps():
    from socialcrm.adapters.cloudwatch import CloudWatchPublisher
    from socialcrm.adapters.dynamo import DynamoCounterStore

    config.table_name("metrics")
    return (DynamoCounterStore(table_name=config.table_name("metrics")),
            CloudWatchPublisher(config.required("POWERTOOLS_METRICS_NAMESPACE")))


@cache
def call_figures():
    from socialcrm.adapters.cloudwatch import CloudWatchCallFigures

    return CloudWatchCallFigures(config.required("POWERTOOLS_METRICS_NAMESPACE"),
                                 config.required("POWERTOOLS_SERVICE_NAME"))


@cache
def push_deps():
    import time

    from socialcrm.adapters.dynamo import DynamoCustomerDirectory, DynamoDeliveryLog
    from socialcrm.adapters.sqs import SqsDeadLetterSink
    from socialcrm.connectors import build_connectors
    from socialcrm.push import PushDeps

    for role in ("customers", "contact_state"):
        config.table_name(role)
    directory = DynamoCustomerDirectory(table_name=config.table_name("customers"))  # erasure markers only
    return PushDeps(
        connectors=build_connectors(config.required("CONNECTORS")),
        dead_letters=SqsDeadLetterSink(config.required("PUSH_DLQ_URL")),
        sleep=time.sleep,
        erased=lambda customer_id: directory.erased([f"customer:{customer_id}"], int(time.time())),
        log=DynamoDeliveryLog(table_name=config.table_name("contact_state")),
    )


@cache
def poller_deps():
    """The listings to poll and where their state and posts go; () when no source is configured."""
    from socialcrm.adapters.dynamo import DynamoSourceStateStore
    from socialcrm.adapters.secrets import PollingSecrets
    from socialcrm.adapters.sqs import SqsIngestQueue
    from socialcrm.errors import ConfigurationError

    enabled = config.csv_list("POLLED_SOURCES")
    unknown = set(enabled) - {"reddit", "youtube-comments"}
    if unknown:
        raise ConfigurationError(f"POLLED_SOURCES names unknown sources {sorted(unknown)}")
    secrets = PollingSecrets()
    listings: list = []
    if "reddit" in enabled:
        from socialcrm.sources.reddit import (
            API_URL,
            AUTH_URL,
            RedditClient,
            RedditListing,
            RedditSettings,
            validate_user_agent,
        )

        credentials = secrets.source_credentials("reddit")
        subreddits, keywords = config.csv_list("REDDIT_SUBREDDITS"), config.csv_list("REDDIT_KEYWORDS")
        if not subreddits or not keywords:
            raise ConfigurationError("REDDIT_SUBREDDITS and REDDIT_KEYWORDS must be set when reddit is polled")
        client = RedditClient(RedditSettings(
            client_id=credentials.get("client_id", ""), client_secret=credentials.get("client_secret", ""),
            user_agent=validate_user_agent(config.required("REDDIT_USER_AGENT")), subreddits=subreddits,
            keywords=keywords, auth_url=config.optional("REDDIT_AUTH_URL", AUTH_URL),
            api_url=config.optional("REDDIT_API_URL", API_URL)))
        listings += [RedditListing(client, sr, kind) for sr in subreddits for kind in ("search", "comments")]
    if "youtube-comments" in enabled:
        from socialcrm.sources.youtube_comments import API_URL as YOUTUBE_API
        from socialcrm.sources.youtube_comments import YouTubeCommentsListing

        key = secrets.source_credentials("youtube").get("api_key", "")
        channels = config.csv_list("YOUTUBE_CHANNEL_IDS")
        if not key or not channels:
            raise ConfigurationError("youtube-comments needs youtube.api_key and YOUTUBE_CHANNEL_IDS")
        listings += [YouTubeCommentsListing(c, key, api_url=config.optional("YOUTUBE_API_URL", YOUTUBE_API))
                     for c in channels]
    if listings:
        config.table_name("sources")
    states = DynamoSourceStateStore(table_name=config.table_name("sources")) if listings else None
    return tuple(listings), states, SqsIngestQueue(config.required("INGEST_QUEUE_URL"))


@cache
def erasure_deps():
    from socialcrm.adapters.dynamo import (
        DynamoCardStore,
        DynamoContactState,
        DynamoCustomerDirectory,
        DynamoLinkCodes,
        DynamoPostRepository,
        DynamoReviewList,
        DynamoTombstones,
    )
    from socialcrm.adapters.secrets import tombstone_key
    from socialcrm.erasure import ErasureDeps

    for role in ("customers", "posts", "cards", "contact_state", "metrics"):
        config.table_name(role)
    profiles = None
    if "customer-profiles" in config.csv_list("CONNECTORS"):
        from socialcrm.connectors.customer_profiles import OBJECT_TYPE, CustomerProfilesConnector

        profiles = CustomerProfilesConnector(config.required("CUSTOMER_PROFILES_DOMAIN"),
                                             config.optional("SOCIAL_POST_OBJECT_TYPE", OBJECT_TYPE))
    customers_table = config.table_name("customers")
    return ErasureDeps(customers=DynamoCustomerDirectory(table_name=customers_table,
                                                         metrics_table_name=config.table_name("metrics")),
                       posts=DynamoPostRepository(table_name=config.table_name("posts")),
                       cards=DynamoCardStore(table_name=config.table_name("cards")),
                       contact_state=DynamoContactState(table_name=config.table_name("contact_state")), clock=utc_now,
                       reviews=DynamoReviewList(table_name=customers_table),
                       codes=DynamoLinkCodes(table_name=customers_table), default_region=config.phone_region(),
                       profiles=profiles, tombstones=DynamoTombstones(table_name=customers_table, key=tombstone_key()))


@cache
def linking_deps():
    """The match-review function's dependencies (confirm, reject, unlink, one-time codes, the review list)."""
    from socialcrm.adapters.dynamo import (
        DynamoCardStore,
        DynamoCustomerDirectory,
        DynamoLinkCodes,
        DynamoPostRepository,
        DynamoReviewList,
    )
    from socialcrm.linking import LinkingDeps

    for role in ("customers", "posts", "cards"):
        config.table_name(role)
    customers_table = config.table_name("customers")
    return LinkingDeps(customers=DynamoCustomerDirectory(table_name=customers_table),
                       posts=DynamoPostRepository(table_name=config.table_name("posts"),
                                                  retention_days=config.positive_int("RETENTION_DAYS", 365)),
                       cards=DynamoCardStore(table_name=config.table_name("cards")),
                       reviews=DynamoReviewList(table_name=customers_table),
                       codes=DynamoLinkCodes(table_name=customers_table),
                       default_region=config.phone_region(), clock=utc_now)


def websub_intents():
    """The WebSub (un)subscriptions we asked for (SourceStateTable, websub:youtube:<channel>)."""
    from socialcrm.adapters.dynamo import DynamoSourceStateStore

    return DynamoSourceStateStore(table_name=config.table_name("sources"))


def websub_request(mode: str):
    """The poller's (un)subscription of every YouTube channel: the request, where intents go, the hub."""
    from socialcrm.adapters.dynamo import DynamoSourceStateStore
    from socialcrm.adapters.secrets import websub_credentials
    from socialcrm.adapters.websub_hub import HttpHub
    from socialcrm.websub import HUB_URL, SubscriptionRequest

    config.table_name("sources")
    channels = config.csv_list("YOUTUBE_CHANNEL_IDS")  # none: nothing to ask, and no WebSub secret needed
    secret = str(websub_credentials().get("hub_secret") or "") if channels else ""  # the current one, never previous
    request = SubscriptionRequest(mode, channels, config.required("WEBSUB_CALLBACK_URL"), secret)
    intents = DynamoSourceStateStore(table_name=config.table_name("sources"))
    return request, intents, HttpHub(config.optional("WEBSUB_HUB_URL", HUB_URL))
