"""X's documented tweet_create_events sample through the webhook function on moto: signed, accepted, queued."""

from __future__ import annotations

import base64
import json
import os

from tests.signers import sign
from tests.support.functions import LambdaContext, load_handler
from tests.support.platform_samples import DEV_SECRETS, x_with_objects


def test_xs_documented_tweet_create_sample_reaches_the_ingest_queue(aws):
    aws.use("WebhookFunction")
    body = x_with_objects("x_tweet_create_events.placeholder.json")
    headers, _ = sign("x", body, DEV_SECRETS["x"]["consumer_secret"])
    event = {"version": "2.0", "pathParameters": {"platform": "x"}, "requestContext": {"http": {"method": "POST"}},
             "headers": headers, "body": base64.b64encode(body).decode(), "isBase64Encoded": True}
    answer = load_handler("webhook").lambda_handler(event, LambdaContext())
    assert (answer["statusCode"], json.loads(answer["body"])) == (200, {"accepted": 1})
    messages = aws.client("sqs").receive_message(QueueUrl=os.environ["INGEST_QUEUE_URL"], MaxNumberOfMessages=10)
    posts = [json.loads(message["Body"]) for message in messages["Messages"]]
    assert [(p["post_id"], p["created_at"], p["author"]["handle"]) for p in posts] == [
        ("1296887316556980230", "2020-08-21T19:10:05Z", "XDevelopers")]
