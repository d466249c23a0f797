"""Polled sources come from a registry (every module of socialcrm.sources with a SOURCE), are chosen by
POLLED_SOURCES and checked with errors that name the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.cfn import load_template
from socialcrm.config import Environment
from socialcrm.errors import ConfigurationError
from socialcrm.sources import choose, registry

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")
REDDIT = {"REDDIT_SUBREDDITS": "gadgets, phones", "REDDIT_KEYWORDS": "acme",
          "REDDIT_USER_AGENT": "python:acme-social:1.0 (by /u/acme)"}


def secret(source: str) -> dict[str, str]:
    return {"reddit": {"client_id": "id", "client_secret": "s"}, "youtube": {"api_key": "k"}}[source]


def test_the_registry_holds_the_polled_sources_the_template_documents():
    assert set(registry()) == {"reddit", "youtube-comments"}
    for name in registry():
        assert name in TEMPLATE["Parameters"]["PolledSources"]["Description"]


def test_no_source_polls_nothing():
    assert choose(Environment({})) == ()


def test_chosen_sources_give_their_listings():
    chosen = choose(Environment({**REDDIT, "POLLED_SOURCES": "youtube-comments,reddit",
                                 "YOUTUBE_CHANNEL_IDS": "UCa,UCb"}))
    assert [source.name for source in chosen] == ["youtube-comments", "reddit"]
    assert [listing.source_id for source in chosen for listing in source.listings(secret)] == [
        "youtube-comments:UCa", "youtube-comments:UCb", "reddit:search:gadgets", "reddit:comments:gadgets",
        "reddit:search:phones", "reddit:comments:phones"]


@pytest.mark.parametrize(("given", "message"), [
    ({"POLLED_SOURCES": "reddit,myspace"}, "unknown sources"),
    ({"POLLED_SOURCES": "reddit", "REDDIT_USER_AGENT": REDDIT["REDDIT_USER_AGENT"]}, "REDDIT_SUBREDDITS"),
    ({**REDDIT, "POLLED_SOURCES": "reddit", "REDDIT_USER_AGENT": ""}, "REDDIT_USER_AGENT must be set"),
    ({**REDDIT, "POLLED_SOURCES": "reddit", "REDDIT_USER_AGENT": "curl"}, "REDDIT_USER_AGENT must look like"),
    ({"POLLED_SOURCES": "youtube-comments"}, "YOUTUBE_CHANNEL_IDS"),
])
def test_a_missing_or_malformed_setting_is_named(given, message):
    with pytest.raises(ConfigurationError, match=message):
        choose(Environment(given))


def test_youtube_comments_without_an_api_key_is_refused_when_built():
    chosen = choose(Environment({"POLLED_SOURCES": "youtube-comments", "YOUTUBE_CHANNEL_IDS": "UCa"}))
    with pytest.raises(ConfigurationError, match="api_key"):
        chosen[0].listings(lambda _source: {})
