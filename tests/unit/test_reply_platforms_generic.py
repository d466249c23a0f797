"""Generic sources: the reply is the HTTPS call their mapping's `reply` section describes (Discourse ships one),
and a source whose mapping has none is refused clearly; a generic source cannot list what we published."""

from __future__ import annotations

import pytest

from socialcrm import reply_platforms
from socialcrm.errors import ConfigurationError
from socialcrm.platforms.generic import parse_mapping
from socialcrm.replies.contract import OutcomeUnknown, PublishRefused
from socialcrm.reply_platforms.base import utc_now
from socialcrm.reply_platforms.generic import GenericPublisher, secret_keys_of
from tests.support.fake_platform import fake_platform
from tests.support.replies import SHORT_TIMEOUT, STALL_SECONDS, a_reply, publish_settled

DISCOURSE = {"base_url": "https://forum.example.com", "api_key": "key-123", "api_username": "brand"}
TEXT = "Sorry about that, we are on it."


def discourse_fake(fake, posts: list[dict]):
    def create(seen, _match):
        if seen.headers.get("api-key") != "key-123" or seen.headers.get("api-username") != "brand":
            return 403, {"errors": ["You are not permitted to view the requested resource."]}
        body = seen.json()
        posts.append({"id": 900 + len(posts), **body})
        return 200, {"id": posts[-1]["id"], "topic_id": int(body["topic_id"]), "raw": body["raw"]}

    fake.route("POST", "/posts.json", create)


def test_a_discourse_reply_is_the_call_its_mapping_describes():
    posts: list[dict] = []
    with fake_platform() as fake:
        discourse_fake(fake, posts)
        publisher = reply_platforms.build("generic/discourse", DISCOURSE, {"generic/discourse": fake.url},
                                          timeout=SHORT_TIMEOUT)
        published = publisher.publish(a_reply("generic/discourse", "comment_reply", "4521", "brand",
                                              conversation="77"))
        seen = fake.seen[0]
    assert (seen.method, seen.path) == ("POST", "/posts.json")
    assert seen.json() == {"topic_id": "77", "raw": TEXT}
    assert seen.headers["api-key"] == "key-123" and seen.headers["api-username"] == "brand"
    assert published.platform_id == "900" and len(posts) == 1


def test_a_text_of_several_lines_goes_in_the_body_as_written():
    posts: list[dict] = []
    with fake_platform() as fake:
        discourse_fake(fake, posts)
        publisher = reply_platforms.build("generic/discourse", DISCOURSE, {"generic/discourse": fake.url})
        publisher.publish(a_reply("generic/discourse", "comment_reply", "4521", "brand", conversation="77",
                                  text="Hello,\r\nwe are on it.\n\"Team\""))
    assert posts[0]["raw"] == "Hello,\r\nwe are on it.\n\"Team\""


def test_a_refusal_that_echoes_the_reply_keeps_its_reason_but_not_the_text():
    echo = {"errors": [f"Body \"{TEXT}\" is too similar to what you recently posted"]}
    with fake_platform() as fake:
        fake.route("POST", "/posts.json", lambda _seen, _match: (422, echo))
        publisher = reply_platforms.build("generic/discourse", DISCOURSE, {"generic/discourse": fake.url})
        with pytest.raises(PublishRefused) as refused:
            publisher.publish(a_reply("generic/discourse", "comment_reply", "4521", "brand", conversation="77"))
    assert "too similar" in refused.value.reason and "422" in refused.value.reason
    assert TEXT not in refused.value.reason and TEXT[:16] not in str(refused.value)


def test_a_generic_reply_that_timed_out_is_not_sent_again_because_the_source_cannot_list_it():
    posts: list[dict] = []
    with fake_platform() as fake:
        discourse_fake(fake, posts)
        fake.stall_next("POST", "/posts.json", STALL_SECONDS)
        publisher = reply_platforms.build("generic/discourse", DISCOURSE, {"generic/discourse": fake.url},
                                          timeout=SHORT_TIMEOUT)
        assert not publisher.capabilities.can_find_published
        with pytest.raises(OutcomeUnknown, match="must not be sent again"):
            publish_settled(publisher, a_reply("generic/discourse", "comment_reply", "4521", "brand",
                                               conversation="77"))
        assert len(fake.seen) == 1
    assert len(posts) == 1


def test_a_source_whose_mapping_has_no_reply_section_cannot_be_answered():
    publisher = reply_platforms.build("generic/trustpilot", {}, {})
    assert publisher.capabilities.kinds == frozenset()
    with pytest.raises(PublishRefused, match="this source cannot be answered"):
        publisher.publish(a_reply("generic/trustpilot", "review_reply", "rev-1", "brand"))


def test_without_an_override_the_reply_goes_only_to_an_https_url():
    publisher = reply_platforms.build("generic/discourse", {**DISCOURSE, "base_url": "http://forum.example.com"}, {})
    with pytest.raises(PublishRefused, match="https"):
        publisher.publish(a_reply("generic/discourse", "comment_reply", "4521", "brand", conversation="77"))


def test_a_reply_needing_a_value_the_target_lacks_is_refused_before_sending():
    with fake_platform() as fake:
        publisher = reply_platforms.build("generic/discourse", DISCOURSE, {"generic/discourse": fake.url})
        with pytest.raises(PublishRefused, match="conversation"):
            publisher.publish(a_reply("generic/discourse", "comment_reply", "4521", "brand"))
        assert fake.seen == []


def mapping_with(reply: dict):
    return {"fields": {"post_id": "id", "author_id": "a", "created_at": "t"}, "signature": {"header": "X-Sig"},
            "reply": reply}


@pytest.mark.parametrize(("reply", "problem"), [
    ({"url": "http://example.com/r"}, "https"),
    ({"url": "https://example.com/r", "headers": {"X-Text": "{text}"}}, "header"),
    ({"url": "https://example.com/r?q={text}"}, "URL"),
    ({"url": "https://example.com/r", "body": {"a": "{secret.api_key}"}}, "body"),
    ({"url": "https://example.com/{postid}"}, "unknown placeholders"),
    ({"url": "https://example.com/r", "method": "DELETE"}, "method"),
    ({"url": "https://example.com/r", "kinds": ["dm"]}, "kinds"),
])
def test_a_reply_section_that_is_wrong_is_a_configuration_error_naming_the_problem(reply, problem):
    mapping = parse_mapping("shop", mapping_with(reply))
    with pytest.raises(ConfigurationError, match=problem):
        GenericPublisher(mapping, {}, None, utc_now)


def test_the_secret_keys_a_reply_section_reads_are_its_secret_placeholders():
    mapping = parse_mapping("discourse-copy", mapping_with(
        {"url": "{secret.base_url}/posts.json", "headers": {"Api-Key": "{secret.api_key}"}}))
    assert secret_keys_of(mapping.reply) == ("api_key", "base_url")
    assert reply_platforms.reply_secret_sections()["generic/discourse"] == ("api_key", "api_username", "base_url")
