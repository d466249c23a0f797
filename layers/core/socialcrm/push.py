"""Delivering a push to every configured contact-centre connector.

- A transient failure (timeout, 5xx, 429) is retried here a few times with jittered exponential
  backoff, honouring Retry-After, within the invocation's time budget. If it still fails, the
  error propagates: the message returns to the push queue after its visibility timeout and SQS
  moves it to the push DLQ after maxReceiveCount receives.
- A permanent failure (4xx other than 429, or a message that is not a push) can never succeed:
  it goes to the push DLQ at once, with the reason, and the message is acknowledged.
Each connector that accepts a push is recorded (`DeliveryLog`: one read and one write per push batch), and a
later copy of the same push (a processor retry after a failure past its enqueue, a queue redelivery, a copy in
the same batch) skips it: delivered once. Receivers still deduplicate on the push id (Idempotency-Key) for what
the log cannot see: two copies at the same moment, a record that failed to be written, or an invocation that
died between a delivery and its batch's record.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
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


Delivery = tuple[str, str]  # (push id, connector name)


class DeliveryLog(Protocol):
    def delivered_among(self, deliveries: Collection[Delivery]) -> frozenset[Delivery]:
        """Those of the deliveries recorded before (one read for a push batch)."""
        ...

    def record(self, deliveries: Collection[Delivery]) -> frozenset[Delivery]:
        """Record the deliveries (one write for a push batch); returns those that could not be recorded. Never
        raises, as the connectors have accepted the pushes."""
        ...


class NoDeliveryLog:
    @staticmethod
    def delivered_among(_deliveries: Collection[Delivery]) -> frozenset[Delivery]:
        return frozenset()

    @staticmethod
    def record(_deliveries: Collection[Delivery]) -> frozenset[Delivery]:
        return frozenset()


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    attempt_budget: float = 14.0  # seconds one attempt may take (connect + read timeouts, rounded up)
    safety_margin: float = 2.0  # seconds kept for recording the batch's deliveries and acknowledging it

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
    # the customers among these with an erasure marker (socialcrm.erasure), one read for a push batch
    erased: Callable[[Collection[str]], frozenset[str]] = lambda _customer_ids: frozenset()
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
    """Deliver one push-queue message to every connector (a batch of one). Raises TransientDeliveryError to retry
    later."""
    [result] = deliver_pushes([body], deps, seconds_left)
    if isinstance(result, Exception):
        raise result
    return result


def _read(body: str) -> ContactPush | str:
    """The push, or why the message is not one."""
    try:
        return ContactPush.from_message(json.loads(body))
    except (ValueError, BadRequest) as error:
        return f"not a contact push: {type(error).__name__}"


def deliver_pushes(bodies: Sequence[str], deps: PushDeps,
                   seconds_left: Callable[[], float]) -> list[PushOutcome | Exception]:
    """Deliver a push-queue batch: each message's outcome, or the error to retry it with (that message alone).

    Reads first, once for the batch: the erasure markers of its customers and which connectors took which push
    before. Each push goes to every connector that wants it and has not taken it (a copy later in the batch
    neither); the connectors that accepted are recorded with one write at the end, also for the pushes that
    failed on another connector, so a redelivered batch sends each push to each connector once.
    """
    read = [_read(body) for body in bodies]
    pushes = [push for push in read if isinstance(push, ContactPush)]
    wanted = {(push.push_id, connector.name) for push in pushes for connector in deps.connectors
              if connector.wants(push)}
    try:
        erased = deps.erased(sorted({push.customer_id for push in pushes})) if pushes else frozenset()
        done = deps.log.delivered_among(sorted(wanted)) if wanted else frozenset()
    except Exception as error:  # every message is retried
        return [error] * len(bodies)
    accepted: list[Delivery] = []
    sent: set[tuple[str, int]] = set()
    results: list[PushOutcome | Exception] = []
    for body, push in zip(bodies, read, strict=True):
        try:
            results.append(_deliver(body, push, deps, seconds_left, erased, done, sent, accepted))
        except Exception as error:  # that message is retried; the rest goes on
            results.append(error)
    unrecorded = deps.log.record(accepted) if accepted else frozenset()
    for index, (push, result) in enumerate(zip(read, results, strict=True)):
        missed = sorted(connector for push_id, connector in unrecorded
                        if isinstance(push, ContactPush) and push_id == push.push_id)
        if missed and isinstance(result, PushOutcome):
            results[index] = replace(result, reason=f"delivery not recorded: {', '.join(missed)}")
    return results


def _deliver(body: str, push: ContactPush | str, deps: PushDeps, seconds_left: Callable[[], float],
             erased: frozenset[str], done: frozenset[Delivery], sent: set[tuple[str, int]],
             accepted: list[Delivery]) -> PushOutcome:
    """`done`: recorded before the batch; `sent`: (push id, connector) delivered earlier in this batch."""
    if isinstance(push, str):
        deps.dead_letters.send(body, push, "none")
        return PushOutcome("dead-lettered", 0, None, push)
    if push.customer_id in erased:
        return PushOutcome("dropped", 0, None, "customer erased")
    attempts = repeated = 0
    for connector in deps.connectors:
        if not connector.wants(push):
            continue
        if (push.push_id, connector.name) in done or (push.push_id, id(connector)) in sent:
            repeated += 1
            continue
        try:
            attempts += deliver_with_retries(connector, push, deps, seconds_left)
        except PermanentDeliveryError as error:
            deps.dead_letters.send(body, error.message, connector.name)
            return PushOutcome("dead-lettered", attempts + 1, connector.name, error.message)
        sent.add((push.push_id, id(connector)))
        accepted.append((push.push_id, connector.name))
    return PushOutcome("duplicate" if repeated and not attempts else "delivered", attempts)
