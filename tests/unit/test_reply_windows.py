"""Messaging windows per platform and kind, each failing then passing at its boundary: Meta's 24-hour standard
window and 7-day HUMAN_AGENT tag (Messenger, Instagram), WhatsApp's 24-hour customer-service window with
templates outside it; public replies (comments, mentions, reviews) and the other platforms have none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from socialcrm import reply_platforms
from socialcrm.replies.contract import PublishRefused, ReplyTarget, TemplateMessage
from socialcrm.reply_platforms import check_window
from tests.support.replies import a_reply

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)
CREDENTIALS = {"page_access_token": "t", "access_token": "t", "client_id": "c", "refresh_token": "r"}


def window_of(platform: str, kind: str):
    publisher = reply_platforms.build(platform, CREDENTIALS, {})
    return publisher.window(ReplyTarget(platform, kind, "post-1", "acct"))


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_meta_messages_pass_until_the_24_hour_window_ends_then_only_with_the_human_agent_tag(platform):
    rule = window_of(platform, "message")
    untagged = a_reply(platform, "message", "m", "acct", recipient="u")
    tagged = a_reply(platform, "message", "m", "acct", recipient="u", tag="HUMAN_AGENT")
    check_window(rule, untagged, NOW - timedelta(hours=24) + SECOND, NOW)
    with pytest.raises(PublishRefused, match="HUMAN_AGENT tag"):
        check_window(rule, untagged, NOW - timedelta(hours=24) - SECOND, NOW)
    check_window(rule, tagged, NOW - timedelta(hours=24) - SECOND, NOW)


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_the_human_agent_tag_passes_until_seven_days_then_nothing_does(platform):
    rule = window_of(platform, "message")
    tagged = a_reply(platform, "message", "m", "acct", recipient="u", tag="HUMAN_AGENT")
    check_window(rule, tagged, NOW - timedelta(days=7) + SECOND, NOW)
    with pytest.raises(PublishRefused, match="have passed too"):
        check_window(rule, tagged, NOW - timedelta(days=7) - SECOND, NOW)


def test_another_message_tag_is_refused():
    rule = window_of("facebook", "message")
    with pytest.raises(PublishRefused, match="only HUMAN_AGENT"):
        check_window(rule, a_reply("facebook", "message", "m", "acct", recipient="u", tag="ACCOUNT_UPDATE"),
                     NOW - timedelta(hours=30), NOW)


def test_whatsapp_texts_pass_until_the_customer_service_window_ends_then_only_an_approved_template():
    rule = window_of("whatsapp", "message")
    text = a_reply("whatsapp", "message", "m", "acct", recipient="447911123456")
    template = a_reply("whatsapp", "message", "m", "acct", recipient="447911123456", text="",
                       template=TemplateMessage("order_update", "en_GB"))
    check_window(rule, text, NOW - timedelta(hours=24) + SECOND, NOW)
    with pytest.raises(PublishRefused, match="only an approved message template"):
        check_window(rule, text, NOW - timedelta(hours=24) - SECOND, NOW)
    check_window(rule, template, NOW - timedelta(days=30), NOW)
    check_window(rule, template, None, NOW)


def test_a_customer_who_never_wrote_opens_no_window():
    with pytest.raises(PublishRefused, match="no messaging window is open"):
        check_window(window_of("facebook", "message"), a_reply("facebook", "message", "m", "acct", recipient="u"),
                     None, NOW)


@pytest.mark.parametrize(("platform", "kind"), [
    ("facebook", "comment_reply"), ("instagram", "comment_reply"), ("x", "message"), ("x", "mention_reply"),
    ("linkedin", "comment_reply"), ("youtube", "comment_reply"), ("google-business", "review_reply")])
def test_public_replies_and_platforms_without_a_window_have_none(platform, kind):
    rule = window_of(platform, kind)
    assert rule is None
    check_window(rule, a_reply(platform, kind, "p", "acct", recipient="u"), NOW - timedelta(days=400), NOW)
