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
    values = {"instagram": {"access_token": "t"}}
    monkeypatch.setattr("socialcrm.adapters.secrets._secret_map", lambda *_args, **_kwargs: values)
    monkeypatch.setattr(settings, "reply", lambda: types.SimpleNamespace(reply_secret_id="ReplySecret"))
    reset_for_tests()
    yield values
    reset_for_tests()


def platforms_module(monkeypatch, build):
    module = types.ModuleType("socialcrm.reply_platforms")
    module.build = build
    monkeypatch.setitem(__import__("sys").modules, "socialcrm.reply_platforms", module)


def test_a_platform_with_credentials_gets_its_publisher_once(secret, monkeypatch):
    built = []

    def build(platform, credentials):
        built.append((platform, credentials))
        return FakeReplyPublisher(platform)

    platforms_module(monkeypatch, build)
    first = wiring.reply_publisher("instagram")
    assert wiring.reply_publisher("instagram") is first and built == [("instagram", {"access_token": "t"})]


def test_a_platform_without_a_section_is_not_set_up(secret, monkeypatch):
    platforms_module(monkeypatch, lambda platform, credentials: FakeReplyPublisher(platform))
    with pytest.raises(PublisherUnavailable, match="not set up here"):
        wiring.reply_publisher("whatsapp")


def test_a_platform_the_publishers_do_not_know_is_unavailable(secret, monkeypatch):
    def build(platform, credentials):
        raise KeyError(platform)

    platforms_module(monkeypatch, build)
    with pytest.raises(PublisherUnavailable, match="cannot be published"):
        wiring.reply_publisher("instagram")
