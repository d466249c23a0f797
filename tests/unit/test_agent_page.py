"""The agent's screen-pop page (socialcrm.agent_page): who gets a timeline, and what the agent sees on it."""

from __future__ import annotations

import re

import pytest

from socialcrm.agent_page import (
    STYLE_HASH,
    content_security_policy,
    page_for,
    page_target,
    render_message,
    render_timeline,
)
from socialcrm.lookup import LookupUnavailable
from socialcrm.screen_pop import signature

KEY = b"current-screen-pop-key-0123456789abcdef"
NOW = 1_800_000_000  # 2027-01-15T08:00:00Z
PATH = "/agent/customers/cust-1"
POST = {"post_key": "facebook#p1", "platform": "facebook", "kind": "comment", "text": "Where is my <b>order</b>?",
        "sentiment": "negative", "created_at": "2027-01-15T07:30:00Z", "url": "https://www.facebook.com/1_2_3",
        "match": "id:facebook:123", "matched_by": "platform_id_on_record"}
CARD = {"customer_id": "cust-1", "customer_name": "Ada Lovelace", "posts": [POST]}


def valid_query(path: str = PATH, expires: int = NOW + 600) -> dict[str, str]:
    return {"exp": str(expires), "sig": signature(KEY, path, expires)}


def open_page(card: dict | None = CARD, query: dict[str, str] | None = None, lookup_key: str | None = "CUSTOMER#cust-1",
              retention_days: int | None = None, now: int = NOW):
    reads: list[str] = []

    def read_card(key: str):
        reads.append(key)
        return card

    page = page_for(PATH, lookup_key, valid_query() if query is None else query, (KEY,), now, read_card,
                    retention_days)
    return page, reads


def test_a_valid_link_shows_the_customers_timeline():
    page, reads = open_page()
    assert page.status == 200
    assert reads == ["CUSTOMER#cust-1"]
    assert "<h1>Ada Lovelace</h1>" in page.html
    assert "Where is my &lt;b&gt;order&lt;/b&gt;?" in page.html


def test_a_link_one_second_past_its_expiry_is_refused_without_reading_the_card():
    page, reads = open_page(query=valid_query(expires=NOW - 1))
    assert page.status == 403
    assert "Link expired" in page.html
    assert reads == []


def test_a_link_at_its_expiry_second_still_opens():
    assert open_page(query=valid_query(expires=NOW))[0].status == 200


def test_a_link_signed_for_another_customer_is_refused():
    page, reads = open_page(query=valid_query(path="/agent/customers/cust-2"))
    assert (page.status, reads) == (403, [])


def test_a_link_without_its_parameters_is_refused():
    assert open_page(query={})[0].status == 403


def test_a_valid_link_to_no_customer_is_not_found_without_a_read():
    page, reads = open_page(lookup_key=None)
    assert page.status == 404 and "No customer for this link." in page.html
    assert reads == []


def test_a_customer_without_a_card_is_not_found():
    page, _ = open_page(card=None)
    assert page.status == 404 and "No social posts for this customer." in page.html


def test_a_number_on_two_customers_records_shows_nobody():
    page, _ = open_page(card={"shared": True, "posts": [POST], "customer_name": "Ada Lovelace"})
    assert page.status == 404
    assert "more than one customer" in page.html and "Ada" not in page.html


def test_a_card_that_only_looks_shared_is_shown():
    assert open_page(card={**CARD, "shared": "yes"})[0].status == 200


def test_the_card_store_being_unavailable_asks_the_agent_to_try_again():
    def read_card(_key: str):
        raise LookupUnavailable("timeout")

    page = page_for(PATH, "CUSTOMER#cust-1", valid_query(), (KEY,), NOW, read_card)
    assert page.status == 503 and "Try again" in page.html


def test_posts_past_their_retention_are_not_shown_even_when_the_card_still_holds_them():
    old = {**POST, "post_key": "facebook#p0", "text": "an old complaint", "created_at": "2026-10-17T07:59:59Z"}
    edge = {**POST, "post_key": "facebook#p2", "text": "kept to the second", "created_at": "2026-10-17T08:00:00Z"}
    card = {**CARD, "posts": [POST, edge, old]}
    page, _ = open_page(card=card, retention_days=90)
    assert page.status == 200
    assert "Where is my" in page.html and "kept to the second" in page.html
    assert "an old complaint" not in page.html
    assert "2 recent social posts" in page.html
    assert "an old complaint" in open_page(card=card)[0].html  # without a retention, everything on the card


def test_the_timeline_names_the_platform_the_kind_the_time_and_the_sentiment():
    html = render_timeline(CARD)
    assert '<span class="platform">Facebook</span>' in html
    assert "<span>comment</span>" in html
    assert '<time datetime="2027-01-15T07:30:00Z">15 Jan 2027 07:30 UTC</time>' in html
    assert '<span class="s negative">negative</span>' in html
    assert "1 recent social post, newest first · customer cust-1" in html


def test_the_timeline_says_why_the_post_is_this_customers():
    html = render_timeline(CARD)
    assert '<div class="why">Matched by: Facebook account id on the customer record</div>' in html
    assert 'class="why"' not in render_timeline({**CARD, "posts": [{**POST, "match": None, "matched_by": None}]})


def test_the_timeline_links_only_to_the_posts_own_platform_over_https():
    html = render_timeline(CARD)
    assert ('<a href="https://www.facebook.com/1_2_3" rel="noopener noreferrer" target="_blank">open post</a>'
            in html)
    for url in ("javascript:alert(1)", "https://evil.test/login", "http://www.facebook.com/1", None):
        assert "open post" not in render_timeline({**CARD, "posts": [{**POST, "url": url}]})


def test_an_unknown_sentiment_is_shown_as_neutral():
    html = render_timeline({**CARD, "posts": [{**POST, "sentiment": "<script>x</script>"}]})
    assert '<span class="s neutral">neutral</span>' in html
    assert "<script>" not in html


def test_a_customer_without_a_name_or_posts_still_gets_a_page():
    html = render_timeline({"customer_id": "cust-9"})
    assert "<h1>Customer</h1>" in html
    assert "<li>No social posts on record.</li>" in html
    assert "0 recent social posts" in html


def test_what_is_not_a_post_on_the_card_is_skipped():
    html = render_timeline({**CARD, "posts": [POST, "a string", 7]})
    assert html.count("<li>") == 1
    assert "1 recent social post," in html


def test_an_unreadable_time_leaves_the_time_blank_instead_of_failing():
    html = render_timeline({**CARD, "posts": [{**POST, "created_at": "yesterday"}]})
    assert '<time datetime="yesterday"></time>' in html


def test_everything_the_customer_or_the_crm_wrote_is_escaped():
    card = {"customer_id": "<cc>", "customer_name": "<img src=x>", "posts": [
        {**POST, "kind": "<kk>", "platform": "<pp>", "created_at": '"><xx', "text": "<tt>"}]}
    html = render_timeline(card)
    assert not re.search(r"<(img|cc|kk|pp|tt|xx)\b", html)
    assert not re.search(r'datetime=""', html)
    for escaped in ("&lt;img src=x&gt;", "&lt;cc&gt;", "&lt;kk&gt;", "&lt;pp&gt;", "&quot;&gt;&lt;xx", "&lt;tt&gt;"):
        assert escaped in html


def test_the_page_is_a_complete_document_with_its_style():
    html = render_timeline(CARD)
    assert html.startswith('<!doctype html><html lang="en"><head><meta charset="utf-8">')
    assert "<title>Ada Lovelace: social timeline</title>" in html
    assert html.endswith("</ol></body></html>")
    message = render_message("<Oops>", "a & b")
    assert "<title>&lt;Oops&gt;</title>" in message and "<h1>&lt;Oops&gt;</h1><p>a &amp; b</p>" in message


def test_the_content_security_policy_allows_only_the_pages_own_style_form_and_the_given_frame_ancestors():
    policy = content_security_policy("https://example.my.connect.aws")  # the reply form posts to the page itself
    assert policy == (f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'none'; base-uri 'none'; "
                      "form-action 'self'; frame-ancestors https://example.my.connect.aws")


def test_a_customer_page_is_signed_for_the_escaped_id_and_reads_that_customers_card():
    assert page_target({"customer_id": "cust/1"}, "GB") == ("/agent/customers/cust%2F1", "CUSTOMER#cust/1")


def test_a_phone_page_reads_the_card_of_the_number_in_e164():
    assert page_target({"phone": "07911 123456"}, "GB") == ("/agent/phones/07911%20123456", "PHONE#+447911123456")


def test_a_phone_that_is_not_a_number_has_no_card():
    assert page_target({"phone": "not a number"}, "GB") == ("/agent/phones/not%20a%20number", None)


@pytest.mark.parametrize("parameters", [{"customer_id": "\ud800"}, {"customer_id": 7}])
def test_a_customer_id_that_is_not_text_signs_no_customers_path(parameters):
    assert page_target(parameters, "GB") == ("/agent/customers/", "CUSTOMER#")
