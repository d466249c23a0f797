"""Facebook, Instagram and WhatsApp publishers against a fake Graph API on loopback: the documented request
shapes, a reply published once when the first request timed out after Meta took it, and Meta's windows."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest

from socialcrm import reply_platforms
from socialcrm.replies.contract import OutcomeUnknown, PublishFailed, PublishRefused, TemplateMessage
from tests.support.fake_platform import FakePlatform, fake_platform
from tests.support.platform_fakes import GRAPH, NOW, MetaGraph, graph_error
from tests.support.replies import SHORT_TIMEOUT, STALL_SECONDS, a_reply, publish_settled

CREDENTIALS = {"page_access_token": "page-token"}
TEXT = "Sorry about that, we are on it."


@pytest.fixture
def graph() -> Iterator[MetaGraph]:
    with fake_platform() as fake:
        yield MetaGraph(fake)


def publisher(graph: MetaGraph, platform: str, credentials: dict[str, str] | None = None):
    if credentials is None:
        credentials = {"access_token": "wa-token"} if platform == "whatsapp" else CREDENTIALS
    return reply_platforms.build(platform, credentials, {"meta_graph": graph.fake.url + GRAPH},
                                 timeout=SHORT_TIMEOUT, clock=lambda: NOW)


def only(fake: FakePlatform, method: str, pattern: str):
    seen = fake.requests_to(method, pattern)
    assert len(seen) == 1, [(s.method, s.path) for s in fake.seen]
    return seen[0]


# Facebook: a Page comment reply, POST /{comment-id}/comments with the form field `message`

def test_a_facebook_comment_reply_is_the_documented_request(graph):
    published = publisher(graph, "facebook").publish(a_reply("facebook", "comment_reply", "111_222", "page-1"))
    seen = only(graph.fake, "POST", f"{GRAPH}/111_222/comments")
    assert seen.headers["authorization"] == "Bearer page-token"
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert seen.form() == {"message": TEXT}
    assert "access_token" not in seen.query  # the token never travels in a URL
    assert published.platform_id == graph.comments["111_222"][0]["id"]
    assert published.published_at == "2026-11-30T12:00:00Z"


def test_a_facebook_comment_reply_that_timed_out_after_meta_took_it_is_published_once(graph):
    graph.fake.stall_next("POST", f"{GRAPH}/(?P<node>[^/]+)/comments", STALL_SECONDS)
    facebook = publisher(graph, "facebook")
    request = a_reply("facebook", "comment_reply", "111_222", "page-1")
    with pytest.raises(OutcomeUnknown):
        facebook.publish(request)
    found = facebook.find_published(request)
    assert found is not None and [c["id"] for c in graph.comments["111_222"]] == [found.platform_id]
    assert len(graph.fake.requests_to("POST", f"{GRAPH}/111_222/comments")) == 1
    assert facebook.capabilities.can_find_published


def test_a_lookup_ignores_replies_by_others_and_other_texts(graph):
    graph.comments["111_222"] = [
        {"id": "x1", "message": TEXT, "from": {"id": "someone-else"}, "created_time": "2026-11-30T11:00:00+0000"},
        {"id": "x2", "message": "another answer", "from": {"id": "page-1"}, "created_time": "2026-11-30T11:00:00+0000"}]
    found = publisher(graph, "facebook").find_published(a_reply("facebook", "comment_reply", "111_222", "page-1"))
    assert found is None


# Messenger: POST /{page-id}/messages, RESPONSE in the standard window, MESSAGE_TAG + HUMAN_AGENT after it

def test_a_messenger_reply_is_the_documented_request(graph):
    graph.last_inbound["psid-9"] = NOW - timedelta(hours=2)
    published = publisher(graph, "facebook").publish(
        a_reply("facebook", "message", "m_in", "page-1", recipient="psid-9"))
    seen = only(graph.fake, "POST", f"{GRAPH}/page-1/messages")
    assert seen.headers["authorization"] == "Bearer page-token"
    assert seen.json() == {"recipient": {"id": "psid-9"}, "messaging_type": "RESPONSE", "message": {"text": TEXT}}
    assert published.platform_id == graph.messages[("page-1", "psid-9")][0]["id"]


def test_after_the_standard_window_meta_refuses_an_untagged_message_and_takes_a_human_agent_one(graph):
    graph.last_inbound["psid-9"] = NOW - timedelta(hours=30)
    facebook = publisher(graph, "facebook")
    with pytest.raises(PublishRefused, match="outside the messaging window"):
        facebook.publish(a_reply("facebook", "message", "m_in", "page-1", recipient="psid-9"))
    facebook.publish(a_reply("facebook", "message", "m_in", "page-1", recipient="psid-9", tag="HUMAN_AGENT"))
    tagged = graph.fake.requests_to("POST", f"{GRAPH}/page-1/messages")[-1].json()
    assert tagged["messaging_type"] == "MESSAGE_TAG" and tagged["tag"] == "HUMAN_AGENT"
    assert len(graph.messages[("page-1", "psid-9")]) == 1


def test_a_messenger_reply_that_timed_out_is_found_in_the_conversation_and_not_sent_again(graph):
    graph.last_inbound["psid-9"] = NOW - timedelta(hours=1)
    graph.fake.stall_next("POST", f"{GRAPH}/(?P<node>[^/]+)/messages", STALL_SECONDS)
    facebook = publisher(graph, "facebook")
    request = a_reply("facebook", "message", "m_in", "page-1", recipient="psid-9")
    settled = publish_settled(facebook, request)
    assert [m["id"] for m in graph.messages[("page-1", "psid-9")]] == [settled.platform_id]
    lookup = only(graph.fake, "GET", f"{GRAPH}/page-1/conversations")
    assert lookup.query["platform"] == "messenger" and lookup.query["user_id"] == "psid-9"


def test_when_nothing_was_published_the_retry_path_sends_it(graph):
    graph.last_inbound["psid-9"] = NOW - timedelta(hours=1)
    facebook = publisher(graph, "facebook")
    request = a_reply("facebook", "message", "m_in", "page-1", recipient="psid-9")
    assert facebook.find_published(request) is None
    facebook.publish(request)
    assert len(graph.messages[("page-1", "psid-9")]) == 1


def test_messages_longer_than_meta_takes_are_refused_before_sending(graph):
    with pytest.raises(PublishRefused, match="1000 bytes"):
        publisher(graph, "instagram").publish(
            a_reply("instagram", "message", "mid-in", "ig-1", recipient="igsid-5", text="é" * 501))
    with pytest.raises(PublishRefused, match="under 2000 characters"):
        publisher(graph, "facebook").publish(
            a_reply("facebook", "message", "m_in", "page-1", recipient="psid-9", text="a" * 2000))
    assert graph.fake.seen == []


# Meta's errors: token and permission → refused with Meta's reason; rate limits and 5xx → failed

def test_a_rejected_token_is_a_refusal_that_says_so(graph):
    with pytest.raises(PublishRefused, match=r"Invalid OAuth access token.*code 190") as refused:
        publisher(graph, "facebook", {"page_access_token": "stale"}).publish(
            a_reply("facebook", "comment_reply", "111_222", "page-1"))
    assert TEXT not in refused.value.reason


@pytest.mark.parametrize("answer", [graph_error("(#4) Application request limit reached", 4),
                                    (500, {"error": {"message": "An unknown error occurred", "code": 1}}),
                                    (429, {})])
def test_rate_limits_and_server_errors_are_failures_to_try_again(graph, answer):
    graph.fake.route("POST", ".*", lambda _seen, _match: answer, first=True)
    with pytest.raises(PublishFailed):
        publisher(graph, "facebook").publish(a_reply("facebook", "comment_reply", "111_222", "page-1"))


def test_a_gateway_timeout_leaves_the_outcome_unknown(graph):
    graph.fake.route("POST", ".*", lambda _seen, _match: (504, {}), first=True)
    with pytest.raises(OutcomeUnknown, match="504"):
        publisher(graph, "facebook").publish(a_reply("facebook", "comment_reply", "111_222", "page-1"))


def test_a_platform_that_cannot_be_reached_published_nothing():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    facebook = reply_platforms.build("facebook", CREDENTIALS, {"meta_graph": f"http://127.0.0.1:{port}/v25.0"},
                                     timeout=SHORT_TIMEOUT)
    with pytest.raises(PublishFailed, match="could not connect"):
        facebook.publish(a_reply("facebook", "comment_reply", "111_222", "page-1"))


# Instagram: POST /{ig-comment-id}/replies; direct messages with the linked Page's token at /me/messages

def test_an_instagram_comment_reply_is_the_documented_request_and_published_once_after_a_timeout(graph):
    graph.fake.stall_next("POST", f"{GRAPH}/(?P<node>[^/]+)/replies", STALL_SECONDS)
    instagram = publisher(graph, "instagram")
    request = a_reply("instagram", "comment_reply", "17890001", "ig-1")
    settled = publish_settled(instagram, request)
    seen = only(graph.fake, "POST", f"{GRAPH}/17890001/replies")
    assert seen.headers["authorization"] == "Bearer page-token"
    assert seen.form() == {"message": TEXT}
    assert [c["id"] for c in graph.comments["17890001"]] == [settled.platform_id]
    lookup = only(graph.fake, "GET", f"{GRAPH}/17890001/replies")
    assert set(lookup.query["fields"].split(",")) >= {"id", "text", "from"}


def test_an_instagram_direct_message_is_the_documented_request_and_published_once_after_a_timeout(graph):
    graph.last_inbound["igsid-5"] = NOW - timedelta(hours=3)
    graph.fake.stall_next("POST", f"{GRAPH}/(?P<node>[^/]+)/messages", STALL_SECONDS)
    instagram = publisher(graph, "instagram")
    request = a_reply("instagram", "message", "mid-in", "ig-1", recipient="igsid-5")
    settled = publish_settled(instagram, request)
    seen = only(graph.fake, "POST", f"{GRAPH}/me/messages")
    assert seen.json() == {"recipient": {"id": "igsid-5"}, "messaging_type": "RESPONSE", "message": {"text": TEXT}}
    assert [m["id"] for m in graph.messages[("ig-1", "igsid-5")]] == [settled.platform_id]
    assert only(graph.fake, "GET", f"{GRAPH}/me/conversations").query["platform"] == "instagram"


# WhatsApp: POST /{phone-number-id}/messages; text in the 24-hour window, an approved template outside it

def test_a_whatsapp_text_is_the_documented_request(graph):
    graph.last_inbound["447911123456"] = NOW - timedelta(hours=23, minutes=59)
    published = publisher(graph, "whatsapp").publish(
        a_reply("whatsapp", "message", "wamid.in", "phone-1", recipient="447911123456"))
    seen = only(graph.fake, "POST", f"{GRAPH}/phone-1/messages")
    assert seen.headers["authorization"] == "Bearer wa-token"
    assert seen.json() == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "447911123456",
                           "biz_opaque_callback_data": "reply-1", "type": "text",
                           "text": {"preview_url": False, "body": TEXT}}
    assert published.platform_id == graph.wa_sent[0]["id"]


def test_outside_the_window_whatsapp_refuses_a_text_with_its_reason_and_takes_an_approved_template(graph):
    graph.last_inbound["447911123456"] = NOW - timedelta(hours=24, minutes=1)
    whatsapp = publisher(graph, "whatsapp")
    with pytest.raises(PublishRefused, match=r"131047.*Re-engagement"):
        whatsapp.publish(a_reply("whatsapp", "message", "wamid.in", "phone-1", recipient="447911123456"))
    template = TemplateMessage("order_update", "en_GB", ("Ada", "A-1001"))
    whatsapp.publish(a_reply("whatsapp", "message", "wamid.in", "phone-1", recipient="447911123456", text="",
                             template=template))
    sent = graph.fake.requests_to("POST", f"{GRAPH}/phone-1/messages")[-1].json()
    assert sent["type"] == "template"
    assert sent["template"] == {"name": "order_update", "language": {"code": "en_GB"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "Ada"}, {"type": "text", "text": "A-1001"}]}]}
    assert len(graph.wa_sent) == 1


def test_a_whatsapp_message_that_timed_out_is_not_sent_again_because_whatsapp_cannot_list_it(graph):
    graph.last_inbound["447911123456"] = NOW - timedelta(hours=1)
    graph.fake.stall_next("POST", f"{GRAPH}/(?P<node>[^/]+)/messages", STALL_SECONDS)
    whatsapp = publisher(graph, "whatsapp")
    request = a_reply("whatsapp", "message", "wamid.in", "phone-1", recipient="447911123456")
    assert not whatsapp.capabilities.can_find_published
    with pytest.raises(OutcomeUnknown, match="must not be sent again"):
        publish_settled(whatsapp, request)
    assert len(graph.wa_sent) == 1
    assert len(graph.fake.requests_to("POST", f"{GRAPH}/phone-1/messages")) == 1

