"""The local stack's request counter (infra/local/faults.py): each request is named by service and operation, the
way `make scale` reports AWS calls per post, and the counts come back on their own path."""

from __future__ import annotations

import io
import json

from infra.local.faults import CALLS_PATH, FaultInjector, operation_of


def test_json_protocols_are_named_from_their_target():
    assert operation_of({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.TransactWriteItems"}) == "DynamoDB.TransactWriteItems"
    assert operation_of({"HTTP_X_AMZ_TARGET": "AmazonSQS.SendMessageBatch"}) == "SQS.SendMessageBatch"
    assert operation_of({"HTTP_X_AMZ_TARGET": "secretsmanager.GetSecretValue"}) == "SecretsManager.GetSecretValue"


def test_rpc_v2_requests_are_named_from_their_path_and_rest_ones_by_method():
    cloudwatch = {"PATH_INFO": "/service/GraniteServiceVersion20100801/operation/PutMetricData"}
    assert operation_of(cloudwatch) == "CloudWatch.PutMetricData"
    assert operation_of({"PATH_INFO": "/setasidebucket/meta/x.json", "REQUEST_METHOD": "PUT"}) == "S3.PUT"


def test_every_request_is_counted_and_the_counts_are_answered_apart():
    def app(_environ, start_response):
        start_response("200 OK", [])
        return [b"{}"]

    injector = FaultInjector(app)
    for target in ["DynamoDB_20120810.PutItem", "DynamoDB_20120810.PutItem", "AmazonSQS.SendMessage"]:
        injector({"HTTP_X_AMZ_TARGET": target, "PATH_INFO": "/"}, lambda *_: None)
    answered = []
    body = injector({"PATH_INFO": CALLS_PATH, "wsgi.input": io.BytesIO()}, lambda status, _h: answered.append(status))
    assert answered == ["200 OK"]
    assert json.loads(b"".join(body)) == {"DynamoDB.PutItem": 2, "SQS.SendMessage": 1}
    assert injector.state() == {"throttle_dynamodb": False, "throttled": 0}  # the fault control's answer is unchanged
