"""How ReplyFunction finds a platform's publisher: the ReplySecret's section and socialcrm.reply_platforms.build."""

from __future__ import annotations

import types

import pytest

from socialcrm import settings, wiring
from socialcrm.caches import reset_for_tests
from socialcrm.replies.service import PublisherUnavailable
from tests.fakes import FakeReplyPublisher


@pytest.fixture
def secret(monkeypatch):
    values = {"instagram": {"page_access_token": "t"}}
    monkeypatch.setattr("socialcrm.adapters.secrets._secret_map", lambda *_args, **_kwargs: values)
    monkeypatch.setattr(settings, "reply", lambda: types.SimpleNamespace(
        reply_secret_id="ReplySecret", base_url_overrides={"meta_graph": "http://127.0.0.1:9/graph"}))
    reset_for_tests()
    yield values
    reset_for_tests()


def platforms_module(monkeypatch, build):
    monkeypatch.setattr("socialcrm.reply_platforms.build", build)


def test_a_platform_with_credentials_gets_its_publisher_once(secret, monkeypatch):
    built = []

    def build(platform, credentials, base_url_overrides, on_refresh_token=None):
        built.append((platform, credentials, base_url_overrides))
        return FakeReplyPublisher(platform)

    platforms_module(monkeypatch, build)
    first = wiring.reply_publisher("instagram")
    assert wiring.reply_publisher("instagram") is first
    assert built == [("instagram", {"page_access_token": "t"}, {"meta_graph": "http://127.0.0.1:9/graph"})]


def test_a_platform_without_a_section_is_not_set_up(secret, monkeypatch):
    platforms_module(monkeypatch, lambda platform, credentials, _urls: FakeReplyPublisher(platform))
    with pytest.raises(PublisherUnavailable, match="not set up here"):
        wiring.reply_publisher("whatsapp")


def test_a_platform_the_publishers_do_not_know_is_unavailable(secret, monkeypatch):
    def build(platform, credentials, _urls, on_refresh_token=None):
        raise KeyError(platform)

    platforms_module(monkeypatch, build)
    with pytest.raises(PublisherUnavailable, match="cannot be published"):
        wiring.reply_publisher("instagram")


def test_the_real_registry_builds_the_platforms_publisher(secret):
    publisher = wiring.reply_publisher("instagram")
    assert publisher.platform == "instagram" and "comment_reply" in publisher.capabilities.kinds
    secret["myspace"] = {"token": "t"}
    with pytest.raises(PublisherUnavailable, match="cannot be published"):
        wiring.reply_publisher("myspace")
    secret["facebook"] = {"access_token": "not the key the publisher reads"}
    with pytest.raises(PublisherUnavailable, match="no page_access_token"):
        wiring.reply_publisher("facebook")


def test_a_rotated_refresh_token_is_written_back_to_its_section_only(monkeypatch):
    import json

    import boto3
    from botocore.stub import Stubber

    from socialcrm.adapters.secrets import ReplySecrets

    current = {"x": {"client_id": "c", "client_secret": "s", "refresh_token": "spent"},
               "facebook": {"page_access_token": "p"}}
    monkeypatch.setattr("socialcrm.adapters.secrets._secret_map", lambda *_args, **_kwargs: current)
    client = boto3.client("secretsmanager", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    written = {**current, "x": {**current["x"], "refresh_token": "fresh"}}
    with Stubber(client) as stub:
        stub.add_response("put_secret_value", {}, {"SecretId": "ReplySecret", "SecretString": json.dumps(written)})
        ReplySecrets("ReplySecret").store_refresh_token("x", "fresh", client=client)
        ReplySecrets("ReplySecret").store_refresh_token("linkedin", "other", client=client)  # no section: nothing
        stub.assert_no_pending_responses()
