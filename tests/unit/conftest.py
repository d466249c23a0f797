"""The unit tests' shared world: two customers synced into fakes, and the processor's dependencies."""

import io
from collections.abc import Iterator

import pytest

from socialcrm.customers import SyncDeps, SyncResult, sync_customers
from socialcrm.observability import logger
from socialcrm.processing import ProcessorDeps
from tests.fakes import (
    FakeCards,
    FakeCustomers,
    FakeLinkCodes,
    FakePosts,
    FakePushQueue,
    FakeReviews,
    FakeSentiment,
    FixedClock,
)


@pytest.fixture
def world():
    posts, cards, pushes = FakePosts(), FakeCards(), FakePushQueue()
    customers = FakeCustomers(base=posts.base)
    clock, reviews, codes = FixedClock(), FakeReviews(), FakeLinkCodes()
    deps = ProcessorDeps(posts, customers, cards, pushes, FakeSentiment(), clock, reviews, codes, "GB",
                         ledger=posts)
    sync = SyncDeps(customers, posts, cards, "GB", clock, reviews, codes)
    answer = sync_customers([
        {"customer_id": "c-1", "name": "Ada Lovelace", "phones": ["07911 123456"], "segment": "gold",
         "social": [{"platform": "facebook", "user_id": "1001"}, {"platform": "instagram", "handle": "@Ada.L"}]},
        {"customer_id": "c-2", "name": "Bob", "phones": ["+44 7912 345678"],
         "social": [{"platform": "facebook", "user_id": "2002"}]},
    ], sync)
    assert answer == SyncResult(2)
    return deps, sync


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the one Logger writes during the test, as JSON lines."""
    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    try:
        yield buffer
    finally:
        logger.registered_handler.setStream(previous)
