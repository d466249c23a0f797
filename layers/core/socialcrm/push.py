"""Delivering a push to every configured contact-centre connector.

- A transient failure (timeout, 5xx, 429) is retried here a few times with jittered exponential
  backoff, honouring Retry-After, within the invocation's time budget. If it still fails, the
  error propagates: the message returns to the push queue after its visibility timeout and SQS
  moves it to the push DLQ after maxReceiveCount receives.
- A permanent failure (4xx other than 429, or a message that is not a push) can never succeed:
  it goes to the push DLQ at once, with the reason, and the message is acknowledged.
Each connector that accepts a push is recorded (`DeliveryLog`), and a later copy of the same push
(a processor retry after a failure past its enqueue, a queue redelivery) skips it: delivered once.
Receivers still deduplicate on the push id (Idempotency-Key) for what the log cannot see: two copies
at the same moment, or a record that failed to be written.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from socialcrm.errors import BadRequest, PermanentDeliveryError, TransientDeliveryError
from socialcrm.model import AnalyzedPost, ContactPush, answered_push_id_for, push_id_for
from socialcrm.ports import ContactConnector
from socialcrm.stored import StoredPost


def push_for(analyzed: AnalyzedPost, customer_name: str | None, reason: str) -> ContactPush:
    post = analyzed.post
    return ContactPush(
        match_key=analyzed.match_key or "",
        match_basis=analyzed.match_basis or "",
        push_id=push_id_for(post.key),
        customer_id=analyzed.customer_id or "",
        customer_name=customer_name,
        platform=post.platform,
        kind=post.kind,
        post_id=post.post_id,
        text=post.text,
        sentiment=analyzed.sentiment,
        created_at=post.created_at,
        url=post.url,
        reason=reason,
    )


def answered_push_for(post: StoredPost) -> ContactPush:
    """Our official answer to a customer's post reached the platform: connectors that opened work for the post
    (a Connect task) may close it. No text: the post itself was pushed before."""
    return ContactPush(push_id=answered_push_id_for(post.key), customer_id=post.customer_id or "", customer_name=None,
                       platform=post.platform, kind=post.kind, post_id=post.key.post_id, text="",
                       sentiment=post.sentiment, created_at=post.created_at, url=post.url, reason="",
                       answered_at=post.answered_at or "")


class DeadLetterSink(Protocol):
    def send(self, body: str, reason: str, connector: str) -> None: ...


class DeliveryLog(Protocol):
    def delivered(self, push_id: str, connector: str) -> bool: ...

    def record(self, push_id: str, connector: str) -> bool:
        """False when it could not be recorded; never raises, as the connector has accepted the push."""
        ...


class NoDeliveryLog:
    @staticmethod
    def delivered(_push_id: str, _connector: str) -> bool:
        return False

    @staticmethod
    def record(_push_id: str, _connector: str) -> bool:
        return True


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    attempt_budget: float = 14.0  # seconds one attempt may take (connect + read timeouts, rounded up)
    safety_margin: float = 2.0  # seconds kept for acknowledging the batch

    def backoff(self, attempt: int, rng: Callable[[], float]) -> float:
        """Full-jitter exponential backoff before attempt number `attempt + 1`."""
        return rng() * min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))


@dataclass
class PushDeps:
    connectors: Sequence[ContactConnector]
    dead_letters: DeadLetterSink
    sleep: Callable[[float], None]
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    rng: Callable[[], float] = random.random  # jitter, not security
    erased: Callable[[str], bool] = lambda _customer_id: False  # erasure markers (socialcrm.erasure)
    log: DeliveryLog = field(default_factory=NoDeliveryLog)


@dataclass(frozen=True)
class PushOutcome:
    status: str  # delivered | duplicate | dead-lettered | dropped (delivered also when no connector wanted it)
    attempts: int
    connector: str | None = None
    reason: str | None = None


def deliver_with_retries(connector: ContactConnector, push: ContactPush, deps: PushDeps,
                         seconds_left: Callable[[], float]) -> int:
    """Deliver through one connector; returns the attempts made. Raises the last error when out of tries."""
    policy = deps.policy
    if seconds_left() < policy.attempt_budget + policy.safety_margin:
        raise TransientDeliveryError("no time left in this invocation")
    attempt = 0
    while True:
        attempt += 1
        try:
            connector.deliver(push)
            return attempt
        except TransientDeliveryError as error:
            if attempt >= policy.max_attempts:
                raise
            delay = error.retry_after if error.retry_after is not None else policy.backoff(attempt, deps.rng)
            if delay > policy.max_delay or delay + policy.attempt_budget + policy.safety_margin > seconds_left():
                raise  # wait in the queue (visibility timeout) rather than in a paid Lambda second
            deps.sleep(delay)


def deliver_push(body: str, deps: PushDeps, seconds_left: Callable[[], float]) -> PushOutcome:
    """Deliver one push-queue message to every connector. Raises TransientDeliveryError to retry later."""
    try:
        push = ContactPush.from_message(json.loads(body))
    except (ValueError, BadRequest) as error:
        reason = f"not a contact push: {type(error).__name__}"
        deps.dead_letters.send(body, reason, "none")
        return PushOutcome("dead-lettered", 0, None, reason)
    if deps.erased(push.customer_id):
        return PushOutcome("dropped", 0, None, "customer erased")
    attempts = repeated = 0
    unrecorded: list[str] = []
    for connector in deps.connectors:
        if not connector.wants(push):
            continue
        if deps.log.delivered(push.push_id, connector.name):
            repeated += 1
            continue
        try:
            attempts += deliver_with_retries(connector, push, deps, seconds_left)
        except PermanentDeliveryError as error:
            deps.dead_letters.send(body, error.message, connector.name)
            return PushOutcome("dead-lettered", attempts + 1, connector.name, error.message)
        if not deps.log.record(push.push_id, connector.name):
            unrecorded.append(connector.name)
    not_recorded = f"delivery not recorded: {', '.join(unrecorded)}" if unrecorded else None
    return PushOutcome("duplicate" if repeated and not attempts else "delivered", attempts, reason=not_recorded)
