"""Amazon Connect Tasks and Customer Profiles connectors, with botocore's Stubber: every request is
validated against AWS's own service model before the stub answers."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import ANY, Stubber

from socialcrm.connectors.connect_tasks import ConnectTasksConnector
from socialcrm.connectors.customer_profiles import CustomerProfilesConnector
from socialcrm.errors import PermanentDeliveryError, TransientDeliveryError
from socialcrm.model import ContactPush, push_id_for

INSTANCE = "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa"
FLOW = "b1a2c3d4-0000-4000-8000-00000000f10e"


def a_push(push_id="a" * 32, customer_id="cust-0001", reason="negative", text="Broken again 😡",
           url="https://x.com/a/status/1"):
    return ContactPush(push_id=push_id, customer_id=customer_id, customer_name="Ada Lovelace", platform="x",
                       kind="comment", post_id="1993456789012345678", text=text, sentiment="negative",
                       created_at="2026-11-22T09:14:03Z", url=url, reason=reason, match_key="id:x:1460293038484783999",
                       match_basis="platform_id_on_record")


def client(service):
    return boto3.client(service, region_name="eu-west-2", aws_access_key_id="testing", aws_secret_access_key="testing")


class MemoryWindow:
    """The task window's semantics (the DynamoDB version is tested under moto)."""

    def __init__(self):
        self.open: dict[str, tuple[str, int]] = {}
        self.contacts: dict[str, str] = {}

    def claim(self, customer_id, push_id, until, now):
        held = self.open.get(customer_id)
        if held and held[1] >= now and held[0] != push_id:
            return False
        self.open[customer_id] = (push_id, until)
        return True

    def started(self, customer_id, push_id, contact_id):
        if self.open.get(customer_id, ("",))[0] == push_id:
            self.contacts[customer_id] = contact_id

    def task_of(self, customer_id, now):
        held = self.open.get(customer_id)
        if held is None or held[1] <= now or customer_id not in self.contacts:
            return None
        return held[0], self.contacts[customer_id]


@pytest.fixture
def tasks():
    connect = client("connect")
    clock = [1_795_000_000.0]
    connector = ConnectTasksConnector(INSTANCE, FLOW, MemoryWindow(), window_minutes=240, client=connect,
                                      clock=lambda: clock[0])
    with Stubber(connect) as stub:
        yield connector, stub, clock
        stub.assert_no_pending_responses()


def expected_task(push):
    return {"InstanceId": INSTANCE, "ContactFlowId": FLOW, "Name": "X comment from Ada Lovelace (negative)",
            "Description": push.text, "References": {"post": {"Value": push.url, "Type": "URL"}},
            "Attributes": {"customer_id": push.customer_id, "platform": "x", "sentiment": "negative",
                           "reason": "negative", "post_id": push.post_id, "source": "socialcrm"},
            "ClientToken": push.push_id}


def test_an_actionable_post_starts_a_task_with_a_client_token_from_the_post(tasks):
    connector, stub, _ = tasks
    push = a_push()
    stub.add_response("start_task_contact", {"ContactId": "c-1"}, expected_task(push))
    connector.deliver(push)


def test_a_retried_push_creates_exactly_one_task(tasks):
    connector, stub, _ = tasks
    push = a_push()
    # The first attempt times out after Connect created the task; the retry carries the same ClientToken,
    # which Connect answers with the same contact instead of a new one.
    stub.add_client_error("start_task_contact", service_error_code="InternalServiceException", http_status_code=500,
                          expected_params=expected_task(push))
    stub.add_response("start_task_contact", {"ContactId": "c-1"}, expected_task(push))
    with pytest.raises(TransientDeliveryError):
        connector.deliver(push)
    connector.deliver(push)


def test_one_open_task_per_customer_per_window(tasks):
    connector, stub, clock = tasks
    first, second = a_push("a" * 32), a_push("b" * 32, text="And the refund?")
    stub.add_response("start_task_contact", {"ContactId": "c-1"}, expected_task(first))
    connector.deliver(first)
    connector.deliver(second)  # inside the window: no second task (the stub refuses a request it was not given)
    stub.assert_no_pending_responses()
    clock[0] += 241 * 60
    stub.add_response("start_task_contact", {"ContactId": "c-2"}, expected_task(second))
    connector.deliver(second)


def test_a_post_without_url_or_text_still_makes_a_valid_request(tasks):
    connector, stub, _ = tasks
    push = a_push(text="", url=None, customer_id="cust-0002")
    stub.add_response("start_task_contact", {"ContactId": "c-3"},
                      {**{k: v for k, v in expected_task(push).items() if k != "References"},
                       "Description": "A comment on X with no text",
                       "Attributes": {**expected_task(push)["Attributes"], "customer_id": "cust-0002"}})
    connector.deliver(push)


def test_only_actionable_matched_posts_become_tasks():
    assert ConnectTasksConnector.wants(a_push())
    assert not ConnectTasksConnector.wants(a_push(reason=""))


def test_connect_refusing_the_flow_is_permanent(tasks):
    connector, stub, _ = tasks
    stub.add_client_error("start_task_contact", service_error_code="ResourceNotFoundException",
                          http_status_code=404)
    with pytest.raises(PermanentDeliveryError):
        connector.deliver(a_push())


def test_the_service_model_rejects_a_malformed_request():
    connector = ConnectTasksConnector(INSTANCE, FLOW, MemoryWindow(), 240, client=client("connect"))
    request = connector.task_request(a_push())
    request["Name"] = 42  # what a bug would send
    with Stubber(connector.client) as stub:
        stub.add_response("start_task_contact", {"ContactId": "c-1"})
        with pytest.raises(ParamValidationError):
            connector.client.start_task_contact(**request)


@pytest.fixture
def profiles():
    service = client("customer-profiles")
    connector = CustomerProfilesConnector("acme-customers", client=service)
    with Stubber(service) as stub:
        yield connector, stub
        stub.assert_no_pending_responses()


def test_every_matched_post_is_a_profile_object(profiles):
    connector, stub = profiles
    push = a_push(reason="")
    assert connector.wants(push)
    stub.add_response("put_profile_object", {"ProfileObjectUniqueKey": "x#1993456789012345678"},
                      {"ObjectTypeName": "SocialPost", "Object": ANY, "DomainName": "acme-customers"})
    connector.deliver(push)
    body = connector.profile_object(push)
    assert body["post_key"] == "x#1993456789012345678" and body["customer_id"] == "cust-0001"
    assert body["matched_by"] == "X account id on the customer record"
    assert "1460293038484783999" not in json.dumps(body)  # evidence kind, not the identifier


def test_profiles_throttling_is_transient_and_a_missing_domain_permanent(profiles):
    connector, stub = profiles
    stub.add_client_error("put_profile_object", service_error_code="ThrottlingException", http_status_code=429)
    with pytest.raises(TransientDeliveryError):
        connector.deliver(a_push())
    stub.add_client_error("put_profile_object", service_error_code="ResourceNotFoundException", http_status_code=404)
    with pytest.raises(PermanentDeliveryError):
        connector.deliver(a_push())


def answered(push):
    from socialcrm.model import answered_push_id_for

    return ContactPush(push_id=answered_push_id_for(push.post_key), customer_id=push.customer_id, customer_name=None,
                       platform=push.platform, kind=push.kind, post_id=push.post_id, text="", sentiment=push.sentiment,
                       created_at=push.created_at, url=push.url, reason="", answered_at="2026-11-22T09:30:00Z")


def test_our_answer_to_the_tasks_post_stops_the_task(tasks):
    connector, stub, _ = tasks
    push = a_push(push_id=push_id_for(a_push().post_key))
    stub.add_response("start_task_contact", {"ContactId": "task-contact-1"}, expected_task(push))
    connector.deliver(push)
    assert connector.wants(answered(push))
    stub.add_response("stop_contact", {}, {"ContactId": "task-contact-1", "InstanceId": INSTANCE})
    connector.deliver(answered(push))


def test_an_answer_to_another_post_leaves_the_task_open(tasks):
    connector, stub, _ = tasks
    push = a_push(push_id=push_id_for(a_push().post_key))
    stub.add_response("start_task_contact", {"ContactId": "task-contact-1"}, expected_task(push))
    connector.deliver(push)
    other = ContactPush(**{**answered(push).to_message(), "post_id": "1993456789012349999"})
    connector.deliver(other)  # no stop_contact stubbed: a call would fail the test


def test_a_task_the_agent_closed_already_is_not_an_error(tasks):
    connector, stub, _ = tasks
    push = a_push(push_id=push_id_for(a_push().post_key))
    stub.add_response("start_task_contact", {"ContactId": "task-contact-1"}, expected_task(push))
    connector.deliver(push)
    stub.add_client_error("stop_contact", service_error_code="ContactNotFoundException", http_status_code=410,
                          expected_params={"ContactId": "task-contact-1", "InstanceId": INSTANCE})
    connector.deliver(answered(push))


def test_the_timeline_connector_does_not_take_an_answer():
    assert not CustomerProfilesConnector.wants(answered(a_push()))
