"""The push service: retries, Retry-After, the time budget and the dead-letter rule, on fakes."""

from __future__ import annotations

import json

import pytest

from socialcrm.errors import PermanentDeliveryError, TransientDeliveryError
from socialcrm.push import PushDeps, RetryPolicy, deliver_push, deliver_pushes
from tests.unit.test_https_connector import a_push

BODY = json.dumps(a_push("push-7").to_message())


class ScriptedConnector:
    name = "scripted"

    @staticmethod
    def wants(push) -> bool:
        return push.actionable

    def __init__(self, *outcomes: Exception | None) -> None:
        self.outcomes = list(outcomes)
        self.delivered: list[str] = []
        self.attempts = 0

    def deliver(self, push) -> None:
        self.attempts += 1
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None:
            raise outcome
        self.delivered.append(push.push_id)


class DeadLetters:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def send(self, body: str, reason: str, connector: str) -> None:
        self.sent.append((body, reason, connector))


def deps_for(*connectors, policy: RetryPolicy | None = None):
    slept: list[float] = []
    deps = PushDeps(connectors=list(connectors), dead_letters=DeadLetters(), sleep=slept.append,
                    policy=policy or RetryPolicy(), rng=lambda: 1.0)
    return deps, slept


def plenty() -> float:
    return 60.0


def test_a_transient_failure_is_retried_with_growing_backoff_then_delivered():
    connector = ScriptedConnector(TransientDeliveryError("503"), TransientDeliveryError("503"))
    deps, slept = deps_for(connector)
    outcome = deliver_push(BODY, deps, plenty)
    assert (outcome.status, outcome.attempts) == ("delivered", 3)
    assert connector.delivered == ["push-7"]
    assert slept == [0.5, 1.0]


def test_retry_after_is_honoured_instead_of_the_backoff():
    connector = ScriptedConnector(TransientDeliveryError("429", retry_after=3.0))
    deps, slept = deps_for(connector)
    assert deliver_push(BODY, deps, plenty).status == "delivered"
    assert slept == [3.0]


def test_a_retry_after_longer_than_we_wait_in_lambda_goes_back_to_the_queue():
    connector = ScriptedConnector(TransientDeliveryError("429", retry_after=120.0))
    deps, slept = deps_for(connector)
    with pytest.raises(TransientDeliveryError):
        deliver_push(BODY, deps, plenty)
    assert (slept, connector.attempts) == ([], 1)


def test_exhausted_retries_propagate_so_sqs_redrives_to_the_dlq_later():
    connector = ScriptedConnector(*[TransientDeliveryError("timeout")] * 5)
    deps, _ = deps_for(connector)
    with pytest.raises(TransientDeliveryError):
        deliver_push(BODY, deps, plenty)
    assert connector.attempts == RetryPolicy().max_attempts
    assert deps.dead_letters.sent == []


def test_no_retry_when_the_invocation_is_about_to_time_out():
    connector = ScriptedConnector(TransientDeliveryError("503"))
    deps, slept = deps_for(connector)
    with pytest.raises(TransientDeliveryError):
        deliver_push(BODY, deps, lambda: 16.2)  # enough for one attempt, not for a wait and another
    assert (connector.attempts, slept) == (1, [])
    fresh = ScriptedConnector()
    with pytest.raises(TransientDeliveryError):
        deliver_push(BODY, deps_for(fresh)[0], lambda: 5.0)
    assert fresh.attempts == 0


def test_a_permanent_failure_goes_to_the_dlq_at_once_with_its_reason():
    connector = ScriptedConnector(PermanentDeliveryError("contact centre answered 422"))
    deps, slept = deps_for(connector)
    outcome = deliver_push(BODY, deps, plenty)
    assert outcome.status == "dead-lettered"
    assert connector.attempts == 1 and slept == []
    assert deps.dead_letters.sent == [(BODY, "contact centre answered 422", "scripted")]


@pytest.mark.parametrize("body", ["not json", json.dumps({"push_id": "x"}), "[]"])
def test_a_message_that_is_not_a_push_is_dead_lettered_not_retried(body):
    connector = ScriptedConnector()
    deps, _ = deps_for(connector)
    assert deliver_push(body, deps, plenty).status == "dead-lettered"
    assert connector.attempts == 0
    assert [sent[0] for sent in deps.dead_letters.sent] == [body]


def test_every_configured_connector_receives_the_push():
    first, second = ScriptedConnector(), ScriptedConnector()
    deps, _ = deps_for(first, second)
    assert deliver_push(BODY, deps, plenty).status == "delivered"
    assert first.delivered == second.delivered == ["push-7"]


def test_a_connector_gets_only_the_pushes_it_wants():
    quiet = json.dumps({**a_push("push-8").to_message(), "reason": ""})
    alerting, timeline = ScriptedConnector(), ScriptedConnector()
    timeline.wants = lambda push: True
    deps, _ = deps_for(alerting, timeline)
    assert deliver_push(quiet, deps, plenty).status == "delivered"
    assert (alerting.delivered, timeline.delivered) == ([], ["push-8"])


class MemoryLog:
    def __init__(self, writable: bool = True) -> None:
        self.entries: set[tuple[str, str]] = set()
        self.writable = writable

        self.reads = self.writes = 0

    def delivered_among(self, deliveries) -> frozenset[tuple[str, str]]:
        self.reads += 1
        return frozenset(deliveries) & self.entries

    def record(self, deliveries) -> frozenset[tuple[str, str]]:
        self.writes += 1
        if self.writable:
            self.entries |= set(deliveries)
            return frozenset()
        return frozenset(deliveries)


def test_a_copy_of_a_delivered_push_is_not_sent_to_the_same_connector_again():
    first, second = ScriptedConnector(), ScriptedConnector(TransientDeliveryError("503"),
                                                           TransientDeliveryError("503"),
                                                           TransientDeliveryError("503"))
    second.name = "other"
    deps, _ = deps_for(first, second)
    deps.log = MemoryLog()
    with pytest.raises(TransientDeliveryError):
        deliver_push(BODY, deps, plenty)  # the first connector took it, the second failed
    assert deliver_push(BODY, deps, plenty).status == "delivered"  # the retry goes to the second only
    assert (first.delivered, second.delivered) == (["push-7"], ["push-7"])
    assert deliver_push(BODY, deps, plenty).status == "duplicate"  # a later copy goes nowhere
    assert (first.attempts, second.attempts) == (1, 4)


def test_a_delivery_that_cannot_be_recorded_still_counts_as_delivered():
    connector = ScriptedConnector()
    deps, _ = deps_for(connector)
    deps.log = MemoryLog(writable=False)
    outcome = deliver_push(BODY, deps, plenty)
    assert (outcome.status, outcome.reason) == ("delivered", "delivery not recorded: scripted")
    assert connector.delivered == ["push-7"]


def test_a_redelivered_push_batch_delivers_each_push_once_with_one_read_and_one_write_per_batch():
    connector = ScriptedConnector()
    deps, _ = deps_for(connector)
    deps.log = log = MemoryLog()
    bodies = [json.dumps(a_push(f"push-{n}").to_message()) for n in range(4)]
    first = deliver_pushes([*bodies, bodies[1]], deps, plenty)  # a copy of push-1 in the same batch too
    assert [r.status for r in first] == ["delivered"] * 4 + ["duplicate"]
    assert (log.reads, log.writes) == (1, 1)
    again = deliver_pushes(bodies, deps, plenty)  # the queue delivers the batch again
    assert [r.status for r in again] == ["duplicate"] * 4
    assert connector.delivered == ["push-0", "push-1", "push-2", "push-3"]
    assert (log.reads, log.writes) == (2, 1)  # nothing new to record


def test_a_push_that_fails_in_a_batch_is_retried_alone_and_the_batchs_deliveries_are_recorded():
    first, second = ScriptedConnector(), ScriptedConnector(None, *[TransientDeliveryError("503")] * 3)
    second.name = "other"
    deps, _ = deps_for(first, second)
    deps.log = MemoryLog()
    bodies = [json.dumps(a_push(f"push-{n}").to_message()) for n in range(2)]
    results = deliver_pushes(bodies, deps, plenty)
    assert results[0].status == "delivered" and isinstance(results[1], TransientDeliveryError)
    assert deps.log.entries == {("push-0", "scripted"), ("push-0", "other"), ("push-1", "scripted")}
    assert deliver_pushes(bodies[1:], deps, plenty)[0].status == "delivered"  # the retry: the second only
    assert (first.delivered, second.delivered) == (["push-0", "push-1"], ["push-0", "push-1"])


def test_a_batch_whose_reads_fail_is_retried_whole_and_nothing_is_sent():
    connector = ScriptedConnector()
    deps, _ = deps_for(connector)

    def unavailable(_deliveries):
        raise RuntimeError("throttled")

    deps.log = MemoryLog()
    deps.log.delivered_among = unavailable
    bodies = [json.dumps(a_push(f"push-{n}").to_message()) for n in range(2)]
    assert all(isinstance(r, RuntimeError) for r in deliver_pushes(bodies, deps, plenty))
    assert connector.attempts == 0
