"""The agent's screen-pop page (socialcrm.agent_page): what `make mutation` showed no test noticing. The exact words
of each refusal, retention counted in UTC whatever the host's zone, which post carries the reply box, and the reply
form's POST: its refusals, the answer lost on the way, and the page drawn after it."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from socialcrm.agent_page import Page, page_for, render_message, respond
from socialcrm.lookup import LookupUnavailable
from socialcrm.reply_page import Link, csrf_token
from socialcrm.screen_pop import signature

KEY = b"current-screen-pop-key-0123456789abcdef"
NOW = 1_800_000_000  # 2027-01-15T08:00:00Z; 90 days before is 2026-10-17T08:00:00Z
PATH = "/agent/customers/cust-1"
EXPIRES = str(NOW + 600)
SIG = signature(KEY, PATH, NOW + 600)
NEWEST = {"post_key": "facebook#p2", "platform": "facebook", "kind": "comment", "text": "Still waiting for my order",
          "created_at": "2027-01-15T07:30:00Z"}
OLDER = {"post_key": "facebook#p1", "platform": "facebook", "kind": "comment", "text": "Where is my order?",
         "created_at": "2027-01-14T07:30:00Z"}
OLD = {"post_key": "facebook#p0", "platform": "facebook", "kind": "comment", "text": "an old complaint",
       "created_at": "2026-10-17T07:59:59Z"}
CARD = {"customer_id": "cust-1", "customer_name": "Ada Lovelace", "posts": [NEWEST, OLDER]}
BOX = {"outlook": {"kind": "comment_reply"}, "replies": []}
SENT = {**BOX, "result": {"status": "sent", "sender": "page:ada", "platform_id": "fb-9"}}
NOT_SENT_FORM = "this form has expired or was not issued for this post. Open the customer again from the contact."


def valid_query() -> dict[str, str]:
    return {"exp": EXPIRES, "sig": SIG}


class ReplyFunction:
    """ReplyFunction's reply box as the page sees it: every request recorded, a fixed answer per kind of request."""

    def __init__(self, submitted: dict | None = None) -> None:
        self.requests: list[dict] = []
        self.submitted = submitted or SENT

    def __call__(self, request: dict) -> dict:
        self.requests.append(request)
        return self.submitted if request["reply_box"] == "submit" else BOX


def get(query: dict[str, str], card: dict = CARD, ask: ReplyFunction | None = None, retention_days: int | None = None,
        path_parameters: dict[str, str] | None = None, region: str = "GB") -> tuple[Page, list[str]]:
    reads: list[str] = []

    def read_card(key: str) -> dict:
        reads.append(key)
        return card

    event = {"pathParameters": path_parameters or {"customer_id": "cust-1"}, "queryStringParameters": query,
             "requestContext": {"http": {"method": "GET"}}}
    return respond(event, (KEY,), NOW, read_card, region, retention_days, ask or ReplyFunction()), reads


def form(post_key: str, **extra: str) -> dict[str, str]:
    """The fields of the reply form the page issued for `post_key`."""
    issued = Link(PATH, EXPIRES, SIG)
    return {"exp": EXPIRES, "sig": SIG, "post": post_key, "csrf": csrf_token(KEY, issued, post_key),
            "reply_id": "p-" + "1" * 32, "agent": "ada", "text": "Sorry! We are on it.", **extra}


def post(body: str, card: dict = CARD, ask: Any = None, retention_days: int | None = None) -> Page:
    event = {"pathParameters": {"customer_id": "cust-1"}, "body": body,
             "headers": {"host": "api.example.com", "sec-fetch-site": "same-origin"},
             "requestContext": {"http": {"method": "POST"}}}
    return respond(event, (KEY,), NOW, lambda _key: card, "GB", retention_days,
                   ask if ask is not None else ReplyFunction())


@pytest.fixture
def host_five_hours_behind_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "EST+05")  # a POSIX zone: no time-zone database needed
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


# -- the page's refusals, word for word ------------------------------------------------------------------------
def _unavailable(_key: str) -> dict:
    raise LookupUnavailable("timeout")


@pytest.mark.parametrize(("query", "lookup_key", "read_card", "status", "title", "message"), [
    ({"exp": str(NOW - 1), "sig": signature(KEY, PATH, NOW - 1)}, "CUSTOMER#cust-1", lambda _key: CARD, 403,
     "Link expired", "Open the customer again from the contact to get a fresh link."),
    (valid_query(), None, lambda _key: CARD, 404, "Not found", "No customer for this link."),
    (valid_query(), "CUSTOMER#cust-1", _unavailable, 503, "Try again", "The timeline is not available right now."),
    (valid_query(), "CUSTOMER#cust-1", lambda _key: None, 404, "Not found", "No social posts for this customer."),
    (valid_query(), "PHONE#+447911123456", lambda _key: {"shared": True, "posts": [NEWEST]}, 404, "Not found",
     "This number belongs to more than one customer."),
])
def test_a_refused_page_says_exactly_why_and_what_to_do(query, lookup_key, read_card, status, title, message):
    page = page_for(PATH, lookup_key, query, (KEY,), NOW, read_card)
    assert page == Page(status, render_message(title, message))
    assert f"<title>{title}</title>" in page.html and f"<h1>{title}</h1><p>{message}</p>" in page.html


# -- retention ---------------------------------------------------------------------------------------------------
def test_retention_is_counted_in_utc_whatever_the_hosts_time_zone(host_five_hours_behind_utc):
    card = {**CARD, "posts": [NEWEST, OLD]}
    page = page_for(PATH, "CUSTOMER#cust-1", valid_query(), (KEY,), NOW, lambda _key: card, retention_days=90)
    assert page.status == 200
    assert "Still waiting for my order" in page.html and "an old complaint" not in page.html


def test_under_retention_a_post_without_a_creation_time_is_not_shown():
    undated = {key: value for key, value in OLDER.items() if key != "created_at"}
    card = {**CARD, "posts": [NEWEST, undated]}
    page = page_for(PATH, "CUSTOMER#cust-1", valid_query(), (KEY,), NOW, lambda _key: card, retention_days=90)
    assert page.status == 200
    assert "Still waiting for my order" in page.html and "Where is my order?" not in page.html
    assert "1 recent social post," in page.html


def test_the_page_with_the_reply_box_leaves_out_posts_past_their_retention():
    page, _ = get(valid_query(), card={**CARD, "posts": [NEWEST, OLD]}, retention_days=90)
    assert page.status == 200
    assert "Still waiting for my order" in page.html and "an old complaint" not in page.html


def test_the_page_after_a_reply_leaves_out_posts_past_their_retention():
    page = post(urlencode(form(NEWEST["post_key"])), card={**CARD, "posts": [NEWEST, OLD]}, retention_days=90)
    assert page.status == 200
    assert "Your reply: Sent" in page.html and "an old complaint" not in page.html


# -- which post carries the reply box, and the links to the others --------------------------------------------------
def test_the_reply_box_goes_to_the_newest_post_that_has_a_key():
    keyless = {key: value for key, value in NEWEST.items() if key != "post_key"}
    ask = ReplyFunction()
    page, _ = get(valid_query(), card={**CARD, "posts": [keyless, OLDER]}, ask=ask)
    assert page.status == 200
    assert ask.requests == [{"reply_box": "show", "post_key": OLDER["post_key"]}]
    assert page.html.count("<form ") == 1 and f'name="post" value="{OLDER["post_key"]}"' in page.html


def test_a_link_naming_an_older_post_opens_that_posts_box_not_the_newest():
    ask = ReplyFunction()
    page, _ = get({**valid_query(), "post": OLDER["post_key"]}, ask=ask)
    assert page.status == 200
    assert ask.requests == [{"reply_box": "show", "post_key": OLDER["post_key"]}]
    assert f'name="post" value="{OLDER["post_key"]}"' in page.html
    assert f'name="post" value="{NEWEST["post_key"]}"' not in page.html


@pytest.mark.parametrize("agent", [None, "", "not a login!", "a" * 65])
def test_a_link_without_a_proper_agent_login_passes_no_agent_on(agent):
    page, _ = get({**valid_query(), **({"agent": agent} if agent is not None else {})})
    other = urlencode({"exp": EXPIRES, "sig": SIG, "post": OLDER["post_key"]})
    assert f'<a href="{PATH}?{other.replace("&", "&amp;")}">answer</a>' in page.html
    assert "agent=" not in page.html
    assert 'autocomplete="username" value=""' in page.html


def test_a_link_with_the_agents_login_passes_it_on():
    page, _ = get({**valid_query(), "agent": "ada.l@example"})
    other = urlencode({"exp": EXPIRES, "sig": SIG, "agent": "ada.l@example", "post": OLDER["post_key"]})
    assert f'<a href="{PATH}?{other.replace("&", "&amp;")}">answer</a>' in page.html
    assert 'autocomplete="username" value="ada.l@example"' in page.html


def test_a_phone_page_reads_the_card_of_the_national_number_in_the_configured_region():
    phone = "07911 123456"
    path = f"/agent/phones/{quote(phone, safe='')}"
    query = {"exp": EXPIRES, "sig": signature(KEY, path, NOW + 600)}
    page, reads = get(query, path_parameters={"phone": phone}, region="GB")
    assert (page.status, reads) == (200, ["PHONE#+447911123456"])


# -- the reply form's POST ------------------------------------------------------------------------------------------
def test_a_form_that_is_not_ours_is_refused_with_the_reason_and_what_to_do():
    ask = ReplyFunction()
    page = post(urlencode({**form(NEWEST["post_key"]), "csrf": "0" * 64}), ask=ask)
    assert page == Page(403, render_message("Not sent", NOT_SENT_FORM))
    assert "<h1>Not sent</h1>" in page.html and ask.requests == []


def test_a_form_with_a_field_twice_is_refused_as_a_bad_request_and_sends_nothing():
    ask = ReplyFunction()
    page = post(urlencode(form(NEWEST["post_key"])) + "&agent=bob", ask=ask)
    assert page == Page(400, render_message("Not sent", "the form has agent twice"))
    assert "<h1>Not sent</h1><p>the form has agent twice</p>" in page.html and ask.requests == []


def test_a_reply_function_that_does_not_answer_the_form_is_logged_and_never_called_not_sent(log_output):
    def unreachable(_request: dict) -> dict:
        raise TimeoutError("read timeout")

    page = post(urlencode(form(NEWEST["post_key"])), ask=unreachable)
    message = ("The reply service did not answer. Open the post again from the contact to see whether your reply was "
               "sent; sending the same form again does not send it twice.")
    assert page == Page(502, render_message("Reply not confirmed", message))
    assert f"<h1>Reply not confirmed</h1><p>{message}</p>" in page.html
    [record] = [json.loads(line) for line in log_output.getvalue().splitlines()]
    assert (record["level"], record["message"]) == ("ERROR", "the reply function did not answer the form")


def test_after_a_reply_the_next_form_is_already_signed_with_the_agents_login():
    page = post(urlencode(form(NEWEST["post_key"], agent=" ada ")))
    assert page.status == 200 and "Your reply: Sent" in page.html
    assert 'autocomplete="username" value="ada"' in page.html


def test_after_a_reply_to_a_post_no_longer_on_the_card_its_outcome_is_shown_above_the_timeline():
    ask = ReplyFunction()
    page = post(urlencode(form("facebook#gone")), ask=ask)
    assert page.status == 200
    assert [(r["reply_box"], r["post_key"]) for r in ask.requests] == [("submit", "facebook#gone")]
    notice = page.html.index("This post is no longer on the timeline.")
    assert notice < page.html.index("Your reply: Sent") < page.html.index("<ol>")
    assert 'name="post" value="facebook#gone"' in page.html
    assert f'name="post" value="{NEWEST["post_key"]}"' not in page.html
    assert page.html.count("answer</a>") == 2  # both posts still offer their own box
    assert '<li class="selected">' not in page.html


def test_a_link_naming_a_post_no_longer_on_the_card_opens_the_newest_posts_box():
    ask = ReplyFunction()
    page, _ = get({**valid_query(), "post": "facebook#gone"}, ask=ask)
    assert page.status == 200
    assert [(r["reply_box"], r["post_key"]) for r in ask.requests] == [("show", NEWEST["post_key"])]
    assert "This post is no longer on the timeline." not in page.html
