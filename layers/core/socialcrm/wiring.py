"""Composition root: builds each function's dependencies from its settings (socialcrm.settings), once, on first use.

Nothing here runs at import time; handlers call these getters inside the invocation. Adapters are imported where
they are built, so a function loads only its own (the lookup's cold start imports no PynamoDB, requests or
pydantic).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from socialcrm import settings

# The lookup's and the agent page's dependencies (their handlers import socialcrm.light_wiring directly).
from socialcrm.light_wiring import AgentPageDeps as AgentPageDeps
from socialcrm.light_wiring import LookupDeps as LookupDeps
from socialcrm.light_wiring import agent_page_deps as agent_page_deps
from socialcrm.light_wiring import lookup_deps as lookup_deps

if TYPE_CHECKING:
    from socialcrm.customers import SyncDeps
    from socialcrm.erasure import ErasureDeps
    from socialcrm.linking import LinkingDeps
    from socialcrm.model import CanonicalPost
    from socialcrm.polling import Listing, StateStore
    from socialcrm.ports import (
        CallFigures,
        CounterStore,
        IngestQueue,
        MetricsPublisher,
        SecretStore,
        SetAsideStore,
    )
    from socialcrm.processing import ProcessorDeps
    from socialcrm.push import PushDeps
    from socialcrm.replies.contract import ReplyPublisher
    from socialcrm.replies.service import ReplyDeps
    from socialcrm.websub import Hub, SubscriptionRequest


def utc_now() -> datetime:
    return datetime.now(UTC)


# -- WebhookFunction ----------------------------------------------------------------------------------------
@cache
def platform_secrets() -> SecretStore:
    from socialcrm.adapters.secrets import PlatformSecrets

    chosen = settings.webhook()
    return PlatformSecrets(chosen.platform_secret_id, chosen.websub_secret_id)


@cache
def ingest_queue() -> IngestQueue:
    from socialcrm.adapters.sqs import SqsIngestQueue

    return SqsIngestQueue(settings.webhook().ingest_queue_url)


@cache
def set_aside_store() -> SetAsideStore:
    from socialcrm.adapters.s3 import S3SetAsideStore

    return S3SetAsideStore(settings.webhook().set_aside_bucket)


def youtube_channels() -> tuple[str, ...]:
    """The channels whose WebSub deliveries the YouTube adapter takes."""
    return settings.platforms().youtube_channel_ids


def generic_mapping_prefix() -> str:
    return settings.platforms().generic_mapping_prefix


def google_jwks_url() -> str:
    return settings.platforms().google_jwks_url


def websub_intents() -> StateStore:
    """The WebSub (un)subscriptions we asked for (SourceStateTable, websub:youtube:<channel>)."""
    from socialcrm.adapters.dynamo import DynamoSourceStateStore

    settings.webhook()
    return DynamoSourceStateStore(table_name=settings.webhook().tables.source_state)


# -- ProcessorFunction --------------------------------------------------------------------------------------
@cache
def processor_deps() -> ProcessorDeps:
    from socialcrm.adapters.dynamo import (
        DynamoCardStore,
        DynamoCustomerDirectory,
        DynamoLedger,
        DynamoLinkCodes,
        DynamoPostRepository,
        DynamoReplyStore,
        DynamoReviewList,
    )
    from socialcrm.adapters.sqs import SqsPushQueue
    from socialcrm.processing import ProcessorDeps
    from socialcrm.sentiment import analyzer_for

    chosen = settings.processor()
    return ProcessorDeps(
        posts=DynamoPostRepository(table_name=chosen.tables.posts, retention_days=chosen.retention_days),
        customers=DynamoCustomerDirectory(table_name=chosen.tables.customers, metrics_table_name=chosen.tables.metrics),
        cards=DynamoCardStore(table_name=chosen.tables.cards),
        push_queue=SqsPushQueue(chosen.push_queue_url),
        sentiment=analyzer_for(chosen.sentiment_engine),
        clock=utc_now,
        reviews=DynamoReviewList(table_name=chosen.tables.customers),
        codes=DynamoLinkCodes(table_name=chosen.tables.customers),
        default_region=chosen.default_region,
        ledger=DynamoLedger(table_name=chosen.tables.metrics),
        registry=chosen.engagement,
        replies=DynamoReplyStore(table_name=chosen.tables.replies),
    )


# -- CustomerSyncFunction -----------------------------------------------------------------------------------
@cache
def sync_deps() -> SyncDeps:
    from socialcrm.adapters.dynamo import (
        DynamoCardStore,
        DynamoCustomerDirectory,
        DynamoLinkCodes,
        DynamoPostRepository,
        DynamoReviewList,
        DynamoTombstones,
    )
    from socialcrm.adapters.dynamo.customer_import import DynamoBulkCustomers
    from socialcrm.adapters.secrets import tombstone_key
    from socialcrm.customers import SyncDeps

    chosen = settings.customer_sync()
    return SyncDeps(
        customers=DynamoCustomerDirectory(table_name=chosen.tables.customers, metrics_table_name=chosen.tables.metrics),
        posts=DynamoPostRepository(table_name=chosen.tables.posts, retention_days=chosen.retention_days),
        cards=DynamoCardStore(table_name=chosen.tables.cards),
        default_region=chosen.default_region,
        clock=utc_now,
        reviews=DynamoReviewList(table_name=chosen.tables.customers),
        codes=DynamoLinkCodes(table_name=chosen.tables.customers),
        tombstones=DynamoTombstones(table_name=chosen.tables.customers, key=tombstone_key(chosen.tombstone_secret_id)),
        bulk=DynamoBulkCustomers(table_name=chosen.tables.customers, metrics_table_name=chosen.tables.metrics,
                                 cards_table_name=chosen.tables.cards),
    )


# -- MetricsRollupFunction ----------------------------------------------------------------------------------
@cache
def rollup_deps() -> tuple[CounterStore, MetricsPublisher]:
    from socialcrm.adapters.cloudwatch import CloudWatchPublisher
    from socialcrm.adapters.dynamo import DynamoCounterStore

    chosen = settings.metrics_rollup()
    return DynamoCounterStore(table_name=chosen.tables.metrics), CloudWatchPublisher(chosen.metrics_namespace)


@cache
def call_figures() -> CallFigures:
    from socialcrm.adapters.cloudwatch import CloudWatchCallFigures

    chosen = settings.metrics_rollup()
    return CloudWatchCallFigures(chosen.metrics_namespace, chosen.service_name)


# -- ContactPushFunction ------------------------------------------------------------------------------------
@cache
def push_deps() -> PushDeps:
    import time

    from socialcrm.adapters.dynamo import DynamoCustomerDirectory, DynamoDeliveryLog, DynamoTaskWindow
    from socialcrm.adapters.secrets import ConnectorSecrets
    from socialcrm.adapters.sqs import SqsDeadLetterSink
    from socialcrm.connectors import ConnectorContext, build_connectors
    from socialcrm.push import PushDeps

    chosen = settings.contact_push()
    directory = DynamoCustomerDirectory(table_name=chosen.tables.customers)  # erasure markers only
    secrets = ConnectorSecrets(chosen.connector_secret_id)
    context = ConnectorContext(credentials=secrets.connector_credentials,
                               task_window=lambda: DynamoTaskWindow(table_name=chosen.tables.contact_state))
    return PushDeps(
        connectors=build_connectors(chosen.connectors, context),
        dead_letters=SqsDeadLetterSink(chosen.push_dlq_url),
        sleep=time.sleep,
        erased=lambda customer_ids: frozenset(
            key.removeprefix("customer:")
            for key in directory.erased_among([f"customer:{c}" for c in customer_ids], int(time.time()))),
        log=DynamoDeliveryLog(table_name=chosen.tables.contact_state),
    )


# -- PollerFunction -----------------------------------------------------------------------------------------
@cache
def poller_deps() -> tuple[tuple[Listing, ...], StateStore, IngestQueue]:
    """The listings to poll and where their state and posts go; no listings when no source is configured."""
    from socialcrm.adapters.dynamo import DynamoSourceStateStore
    from socialcrm.adapters.secrets import PollingSecrets
    from socialcrm.adapters.sqs import SqsIngestQueue

    chosen = settings.poller()
    credentials = PollingSecrets(chosen.polling_secret_id).source_credentials
    listings = tuple(listing for source in chosen.sources for listing in source.listings(credentials))
    state = DynamoSourceStateStore(table_name=chosen.tables.source_state)
    return listings, state, SqsIngestQueue(chosen.ingest_queue_url)


def websub_request(mode: str) -> tuple[SubscriptionRequest, StateStore, Hub]:
    """The poller's (un)subscription of every YouTube channel: the request, where intents go, the hub."""
    from socialcrm.adapters.dynamo import DynamoSourceStateStore
    from socialcrm.adapters.secrets import websub_credentials
    from socialcrm.adapters.websub_hub import HttpHub
    from socialcrm.websub import SubscriptionRequest

    chosen = settings.poller().websub
    # no channels: nothing to ask, and no WebSub secret needed; never the previous secret
    secret = str(websub_credentials(chosen.secret_id).get("hub_secret") or "") if chosen.channels else ""
    request = SubscriptionRequest(mode, chosen.channels, chosen.callback_url, secret)
    state = DynamoSourceStateStore(table_name=settings.poller().tables.source_state)
    return request, state, HttpHub(chosen.hub_url)


# -- ErasureFunction ----------------------------------------------------------------------------------------
@cache
def erasure_deps() -> ErasureDeps:
    from socialcrm.adapters.dynamo import (
        DynamoCardStore,
        DynamoContactState,
        DynamoCustomerDirectory,
        DynamoLinkCodes,
        DynamoPostRepository,
        DynamoReplyStore,
        DynamoReviewList,
        DynamoTombstones,
    )
    from socialcrm.adapters.secrets import tombstone_key
    from socialcrm.erasure import ErasureDeps

    chosen = settings.erasure()
    erasers = tuple(eraser for connector in chosen.erasing_connectors if (eraser := connector.eraser()) is not None)
    tables = chosen.tables
    return ErasureDeps(customers=DynamoCustomerDirectory(table_name=tables.customers,
                                                         metrics_table_name=tables.metrics),
                       posts=DynamoPostRepository(table_name=tables.posts),
                       cards=DynamoCardStore(table_name=tables.cards),
                       contact_state=DynamoContactState(table_name=tables.contact_state),
                       clock=utc_now,
                       reviews=DynamoReviewList(table_name=tables.customers),
                       codes=DynamoLinkCodes(table_name=tables.customers),
                       default_region=chosen.default_region, erasers=erasers,
                       tombstones=DynamoTombstones(table_name=tables.customers,
                                                   key=tombstone_key(chosen.tombstone_secret_id)),
                       replies=DynamoReplyStore(table_name=tables.replies))


# -- MatchReviewFunction ------------------------------------------------------------------------------------
@cache
def linking_deps() -> LinkingDeps:
    """The match-review function's dependencies (confirm, reject, unlink, one-time codes, the review list)."""
    from socialcrm.adapters.dynamo import (
        DynamoCardStore,
        DynamoCustomerDirectory,
        DynamoLinkCodes,
        DynamoPostRepository,
        DynamoReviewList,
    )
    from socialcrm.linking import LinkingDeps

    chosen = settings.match_review()
    tables = chosen.tables
    return LinkingDeps(customers=DynamoCustomerDirectory(table_name=tables.customers),
                       posts=DynamoPostRepository(table_name=tables.posts, retention_days=chosen.retention_days),
                       cards=DynamoCardStore(table_name=tables.cards),
                       reviews=DynamoReviewList(table_name=tables.customers),
                       codes=DynamoLinkCodes(table_name=tables.customers),
                       default_region=chosen.default_region, clock=utc_now)


# -- ReplyFunction ------------------------------------------------------------------------------------------
@cache
def reply_deps() -> ReplyDeps:
    from socialcrm.adapters.dynamo import DynamoPostRepository, DynamoReplyStore
    from socialcrm.replies.service import ReplyDeps

    chosen = settings.reply()
    return ReplyDeps(posts=DynamoPostRepository(table_name=chosen.tables.posts, retention_days=chosen.retention_days),
                     store=DynamoReplyStore(table_name=chosen.tables.replies), publisher_for=reply_publisher,
                     policy=chosen.policy, clock=utc_now, retention_days=chosen.retention_days, echo=reply_echo)


def reply_echo(post: CanonicalPost) -> None:
    """Our sent reply into the ingest queue, as the brand's own post. Best effort: the reply is published and
    recorded; a platform that sends an echo delivers the same post key again."""
    from socialcrm.adapters.sqs import SqsIngestQueue
    from socialcrm.observability import logger

    try:
        refused = SqsIngestQueue(settings.reply().ingest_queue_url).send_posts([post])
    except Exception as error:  # whatever the queue says, the reply stays sent
        logger.warning("reply echo not enqueued", extra={"error": type(error).__name__})
        return
    if refused:
        logger.warning("reply echo not enqueued", extra={"error": "refused"})


def reply_publisher(platform: str) -> ReplyPublisher:
    """The platform's publisher with the ReplySecret's credentials for it (socialcrm.reply_platforms.build);
    PublisherUnavailable when this deployment cannot publish there."""
    import json

    from socialcrm.adapters.secrets import ReplySecrets
    from socialcrm.replies.service import PublisherUnavailable

    credentials = ReplySecrets(settings.reply().reply_secret_id).platform_credentials(platform)
    if credentials is None:
        raise PublisherUnavailable(f"replies to {platform} are not set up here (no ReplySecret section)")
    return _publisher(platform, json.dumps(credentials, sort_keys=True))


@cache
def _publisher(platform: str, credentials: str) -> ReplyPublisher:
    """One publisher per platform and credentials (a rotated secret builds a new one; tokens it refreshed stay)."""
    import json

    from socialcrm import reply_platforms
    from socialcrm.errors import SocialCrmError
    from socialcrm.replies.contract import PublishRefused
    from socialcrm.replies.service import PublisherUnavailable

    def keep_rotated(refresh_token: str) -> None:
        from socialcrm.adapters.secrets import ReplySecrets

        ReplySecrets(settings.reply().reply_secret_id).store_refresh_token(platform, refresh_token)

    try:
        return reply_platforms.build(platform, json.loads(credentials), settings.reply().base_url_overrides,
                                     on_refresh_token=keep_rotated)
    except PublishRefused as error:  # the section lacks what the publisher needs
        raise PublisherUnavailable(f"replies to {platform} are not set up here: {error.reason}") from None
    except (LookupError, ValueError, SocialCrmError) as error:
        raise PublisherUnavailable(f"replies to {platform} cannot be published: {type(error).__name__}") from None
