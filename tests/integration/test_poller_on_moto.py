"""PollerFunction under moto (state table and ingest queue from template.yaml) against loopback fakes of
the Reddit API and the YouTube Data API."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from tests.fake_reddit import USER_AGENT, FakeReddit, recorded_matches
from tests.support.functions import LambdaContext, load_handler

YOUTUBE_PAGES = {
    None: {"nextPageToken": "p2", "items": [
        {"id": "t2", "snippet": {"videoId": "vid1", "topLevelComment": {"id": "Ugw2", "snippet": {
            "authorDisplayName": "Ada Builds", "authorChannelId": {"value": "UCada0000000000000000001"},
            "textOriginal": "Second one broke too 😡", "publishedAt": "2026-11-22T09:20:00Z"}}}}]},
    "p2": {"items": [
        {"id": "t1", "snippet": {"videoId": "vid1", "topLevelComment": {"id": "Ugw1", "snippet": {
            "authorDisplayName": "Grace", "authorChannelId": {"value": "UCgrace"},
            "textOriginal": "Great video", "publishedAt": "2026-11-22T09:10:00Z"}}}}]},
}


@pytest.fixture
def youtube_api():
    seen_keys: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            seen_keys.append(query.get("key", [""])[0])
            body = json.dumps(YOUTUBE_PAGES[query.get("pageToken", [None])[0]]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen_keys
    server.shutdown()
    server.server_close()


def queued_post_ids(aws) -> list[str]:
    sqs = aws.client("sqs")
    url = aws.specs["PollerFunction"].environment["INGEST_QUEUE_URL"]
    ids = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        ids += [json.loads(m["Body"])["post_id"] for m in batch]
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                         for i, m in enumerate(batch)])
    return ids


def test_the_poller_function_captures_reddit_and_youtube_comments_once(aws, monkeypatch, youtube_api):
    reddit = FakeReddit("dev-reddit-client", "dev-reddit-secret", USER_AGENT)
    try:
        environment = aws.specs["PollerFunction"].environment
        assert "PLATFORM_SECRET_ID" not in environment  # the webhooks' secrets are not the poller's to read
        secrets = boto3.client("secretsmanager", region_name="us-east-1")
        secrets.put_secret_value(SecretId=environment["POLLING_SECRET_ID"], SecretString=json.dumps({
            "reddit": {"client_id": "dev-reddit-client", "client_secret": "dev-reddit-secret"},
            "youtube": {"api_key": "dev-youtube-api-key"}}))
        secrets.put_secret_value(SecretId=aws.resources.secret_arns["PlatformSecret"], SecretString="{}")
        aws.use("PollerFunction")
        monkeypatch.delenv("PLATFORM_SECRET_ID", raising=False)
        for name, value in {"POLLED_SOURCES": "reddit,youtube-comments", "REDDIT_SUBREDDITS": "gadgets",
                            "REDDIT_KEYWORDS": "acme", "REDDIT_USER_AGENT": USER_AGENT,
                            "REDDIT_AUTH_URL": f"{reddit.url}/api/v1/access_token", "REDDIT_API_URL": reddit.url,
                            "YOUTUBE_API_URL": youtube_api[0],
                            "YOUTUBE_CHANNEL_IDS": "UCacme0000000000000000001"}.items():
            monkeypatch.setenv(name, value)
        reddit.failures = {3: (500, {}), 4: (500, {}), 5: (500, {})}
        handler = load_handler("poller")
        first = handler.lambda_handler({"source": "aws.events"}, LambdaContext())
        assert [s["status"] for s in first["sources"]] == ["partial", "complete", "complete"]
        second = handler.lambda_handler({"source": "aws.events"}, LambdaContext())
        assert all(s["status"] == "complete" for s in second["sources"])

        ids = queued_post_ids(aws)
        assert len(ids) == len(set(ids))
        assert set(ids) == recorded_matches() | {"comment:Ugw1", "comment:Ugw2"}
        assert set(youtube_api[1]) == {"dev-youtube-api-key"}
        table = aws.resources.table_names["SourceStateTable"]
        state = aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "reddit:search:gadgets"}})
        assert json.loads(state["Item"]["state"]["S"])["high"]["id"] == "t3_s001"
    finally:
        reddit.close()
