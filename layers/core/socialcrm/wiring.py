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
    from socialcrm.adapters.dynamo import DynamoCardStore, DynamoCustomerDirectory, DynamoPostRepository
    from socialcrm.adapters.sqs import SqsPushQueue
    from socialcrm.processing import ProcessorDeps
    from socialcrm.sentiment import analyzer_for

    for role in ("customers", "posts", "cards", "metrics"):
        config.table_name(role)
    return ProcessorDeps(
        posts=DynamoPostRepository(),
        customers=DynamoCustomerDirectory(),
        cards=DynamoCardStore(),
        push_queue=SqsPushQueue(config.required("PUSH_QUEUE_URL")),
        sentiment=analyzer_for(config.choice("SENTIMENT_ENGINE", ("vader", "comprehend"), "vader")),
        clock=utc_now,
    )


@cache
def sync_deps():
    from socialcrm.adapters.dynamo import DynamoCardStore, DynamoCustomerDirectory, DynamoPostRepository
    from socialcrm.customers import SyncDeps

    for role in ("customers", "posts", "cards"):
        config.table_name(role)
    return SyncDeps(
        customers=DynamoCustomerDirectory(),
        posts=DynamoPostRepository(),
        cards=DynamoCardStore(),
        default_region=config.phone_region(),
        clock=utc_now,
    )


@cache
def rollup_deps():
    from socialcrm.adapters.cloudwatch import CloudWatchPublisher
    from socialcrm.adapters.dynamo import DynamoCounterStore

    config.table_name("metrics")
    return DynamoCounterStore(), CloudWatchPublisher(config.required("POWERTOOLS_METRICS_NAMESPACE"))


@cache
def push_deps():
    import time

    from socialcrm.adapters.sqs import SqsDeadLetterSink
    from socialcrm.connectors import build_connectors
    from socialcrm.push import PushDeps

    return PushDeps(
        connectors=build_connectors(config.required("CONNECTORS")),
        dead_letters=SqsDeadLetterSink(config.required("PUSH_DLQ_URL")),
        sleep=time.sleep,
    )
