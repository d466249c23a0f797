"""Asking the WebSub hub for YouTube (un)subscriptions: the intent is recorded before the hub is asked."""

from __future__ import annotations

import pytest

from socialcrm import websub
from socialcrm.errors import ConfigurationError

NOW = 1_800_000_000.0
CALLBACK = "https://api.example/webhooks/youtube"


class Store:
    def __init__(self) -> None:
        self.items: dict[str, dict] = {}

    def load(self, key: str) -> dict:
        return self.items.get(key, {})

    def save(self, key: str, state: dict) -> None:
        self.items[key] = state


class Hub:
    def __init__(self, store: Store, status: int = 202) -> None:
        self.store, self.status, self.forms = store, status, []

    def request(self, form: dict[str, str]) -> int:
        channel = form["hub.topic"].rsplit("=", 1)[1]
        # the hub may verify before this call returns: the intent must already be there
        assert websub.confirmed(self.store, channel, form["hub.mode"], NOW)
        self.forms.append(form)
        return self.status


def test_each_channel_is_recorded_then_asked_for_with_our_secret():
    store = Store()
    hub = Hub(store)
    request = websub.SubscriptionRequest("subscribe", ("UCa", "UCb"), CALLBACK, "hub-secret")
    results = websub.request_subscriptions(request, store, hub, lambda: NOW)
    assert [r.channel for r in results] == ["UCa", "UCb"] and {r.hub_status for r in results} == {202}
    assert [f["hub.topic"] for f in hub.forms] == [websub.topic_of("UCa"), websub.topic_of("UCb")]
    assert {(f["hub.callback"], f["hub.secret"], f["hub.verify"]) for f in hub.forms} == {
        (CALLBACK, "hub-secret", "async")}
    assert store.items["websub:youtube:UCa"] == {"mode": "subscribe", "expires_at": int(NOW) + 300}


def test_an_intent_confirms_only_its_own_mode_and_only_until_it_expires():
    store = Store()
    websub.request_subscriptions(websub.SubscriptionRequest("unsubscribe", ("UCa",), CALLBACK, "s"), store,
                                 Hub(store), lambda: NOW)
    assert websub.confirmed(store, "UCa", "unsubscribe", NOW + 299)
    assert not websub.confirmed(store, "UCa", "unsubscribe", NOW + 300)
    assert not websub.confirmed(store, "UCa", "subscribe", NOW)
    assert not websub.confirmed(store, "UCb", "unsubscribe", NOW)


@pytest.mark.parametrize(("mode", "callback", "secret"), [
    ("renew", CALLBACK, "s"), ("subscribe", "http://api.example/webhooks/youtube", "s"), ("subscribe", CALLBACK, ""),
])
def test_a_request_we_would_not_verify_is_refused_before_anything_is_recorded(mode, callback, secret):
    store = Store()
    with pytest.raises(ConfigurationError):
        websub.request_subscriptions(websub.SubscriptionRequest(mode, ("UCa",), callback, secret), store,
                                     Hub(store), lambda: NOW)
    assert store.items == {}


def test_without_channels_nothing_is_asked_and_no_secret_is_needed():
    store = Store()
    assert websub.request_subscriptions(websub.SubscriptionRequest("subscribe", (), CALLBACK, ""), store,
                                        Hub(store), lambda: NOW) == []
