"""The screen-pop page's reply box: its CSRF token, the origin checks, the window it shows, and the form's POST,
handed to ReplyFunction's reply box (socialcrm.replies.box, over JSON as the Lambda Invoke API carries it) and
through it to the reply use case (in-memory fakes)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from socialcrm.agent_page import respond
from socialcrm.model import PostKey
from socialcrm.replies.box import answer_box
from socialcrm.replies.contract import WindowRule
from socialcrm.replies.policy import ReplyPolicy, reply_accounts
from socialcrm.replies.service import PublisherUnavailable, ReplyDeps
from socialcrm.reply_page import Link, csrf_is_valid, csrf_token, same_origin
from socialcrm.screen_pop import customer_path, signature
from socialcrm.stored import StoredPost
from tests.fakes import FakePosts, FakeReplyPublisher, FakeReplyStore, FixedClock

KEY, PREVIOUS = b"k" * 32, b"p" * 32
NOW = int(datetime(2026, 11, 20, 10, 30, tzinfo=UTC).timestamp())
ACCOUNT = "17841400000000001"
PATH = customer_path("cust-1")
COMMENT, MESSAGE = PostKey("instagram", "c-100"), PostKey("instagram", "m-200")
POLICY = ReplyPolicy(official=frozenset({f"id:instagram:{ACCOUNT}"}), allowed=reply_accounts(f"instagram:{ACCOUNT}"),
                     approval="none", phone_region="GB")
META_WINDOW = WindowRule(timedelta(hours=24), tag="HUMAN_AGENT", tagged=timedelta(days=7))
WHATSAPP_WINDOW = WindowRule(timedelta(hours=24), template_outside=True)


def link(path: str = PATH, expires: int = NOW + 600, key: bytes = KEY) -> Link:
    return Link(path, str(expires), signature(key, path, expires))


# -- the CSRF token -------------------------------------------------------------------------------------------
def test_a_token_is_good_for_its_link_and_post():
    issued = link()
    assert csrf_is_valid(csrf_token(KEY, issued, COMMENT.text), issued, COMMENT.text, (KEY,), NOW)


def test_a_token_for_another_post_is_refused():
    issued = link()
    assert not csrf_is_valid(csrf_token(KEY, issued, MESSAGE.text), issued, COMMENT.text, (KEY,), NOW)


def test_a_token_of_another_link_is_refused():
    issued, other = link(), link(expires=NOW + 601)
    assert not csrf_is_valid(csrf_token(KEY, other, COMMENT.text), issued, COMMENT.text, (KEY,), NOW)
    elsewhere = link(customer_path("cust-2"))
    assert not csrf_is_valid(csrf_token(KEY, elsewhere, COMMENT.text), issued, COMMENT.text, (KEY,), NOW)


def test_a_token_is_refused_once_its_link_has_expired():
    issued = link(expires=NOW + 60)
    token = csrf_token(KEY, issued, COMMENT.text)
    assert csrf_is_valid(token, issued, COMMENT.text, (KEY,), NOW + 60)
    assert not csrf_is_valid(token, issued, COMMENT.text, (KEY,), NOW + 61)


@pytest.mark.parametrize("tamper", [lambda t: ("0" if t[0] != "0" else "1") + t[1:], lambda t: t.upper(),
                                    lambda t: t[:-1], lambda t: "", lambda t: None])
def test_a_tampered_token_is_refused(tamper):
    issued = link()
    assert not csrf_is_valid(tamper(csrf_token(KEY, issued, COMMENT.text)), issued, COMMENT.text, (KEY,), NOW)


def test_a_token_under_another_key_is_refused_and_the_previous_key_counts_only_while_in_force():
    issued = link(key=PREVIOUS)
    token = csrf_token(PREVIOUS, issued, COMMENT.text)
    assert csrf_is_valid(token, issued, COMMENT.text, (KEY, PREVIOUS), NOW)
    assert not csrf_is_valid(token, issued, COMMENT.text, (KEY,), NOW)


def test_the_token_is_not_the_links_own_signature():
    issued = link()
    assert csrf_token(KEY, issued, COMMENT.text) != issued.signature
    assert not csrf_is_valid(issued.signature, issued, COMMENT.text, (KEY,), NOW)


@pytest.mark.parametrize(("headers", "ours"), [
    ({"host": "api.example.com"}, True),
    ({"host": "api.example.com", "sec-fetch-site": "same-origin", "origin": "null"}, True),
    ({"host": "api.example.com", "origin": "https://api.example.com"}, True),
    ({"host": "api.example.com", "sec-fetch-site": "cross-site"}, False),
    ({"host": "api.example.com", "sec-fetch-site": "same-site"}, False),
    ({"host": "api.example.com", "origin": "https://evil.example"}, False),
    ({"Host": "api.example.com", "Origin": "https://api.example.com.evil.example"}, False),
])
def test_a_browser_that_says_the_form_came_from_elsewhere_is_refused(headers, ours):
    assert same_origin(headers) is ours


# -- the page ---------------------------------------------------------------------------------------------------
class World:
    def __init__(self, publisher: FakeReplyPublisher | None = None, policy: ReplyPolicy = POLICY) -> None:
        self.posts, self.store = FakePosts(), FakeReplyStore()
        self.publisher = publisher or FakeReplyPublisher()
        self.clock = FixedClock(datetime.fromtimestamp(NOW, UTC))
        self.deps = ReplyDeps(self.posts, self.store, self.publisher_for, policy, self.clock)
        self.requests: list[dict] = []  # what the page asked ReplyFunction
        self.card = {"customer_id": "cust-1", "customer_name": "Ada", "posts": []}
        for key, kind, at in ((MESSAGE, "message", "2026-11-20T10:00:00Z"), (COMMENT, "comment",
                                                                            "2026-11-20T09:00:00Z")):
            self.posts.items[key.text] = StoredPost(
                key, kind, at, text="Where is my parcel?", customer_id="cust-1", author_key="id:instagram:9001",
                author_user_id="9001", account=ACCOUNT)
            self.card["posts"].append({"post_key": key.text, "platform": "instagram", "kind": kind,
                                       "text": "Where is my parcel?", "created_at": at})

    def publisher_for(self, platform: str) -> FakeReplyPublisher:
        if platform != self.publisher.platform:
            raise PublisherUnavailable(f"replies to {platform} are not set up")
        return self.publisher

    def ask_reply_function(self, request: dict) -> dict:
        """ReplyFunction's reply box, the request and its answer through JSON as Lambda Invoke carries them."""
        self.requests.append(json.loads(json.dumps(request)))
        return json.loads(json.dumps(answer_box(self.requests[-1], self.deps)))

    def get(self, post: PostKey | None = None, issued: Link | None = None, agent: str = "") -> tuple[int, str]:
        issued = issued or link()
        query = {"exp": issued.expires, "sig": issued.signature, **({"post": post.text} if post else {}),
                 **({"agent": agent} if agent else {})}
        event = {"pathParameters": {"customer_id": "cust-1"}, "queryStringParameters": query,
                 "requestContext": {"http": {"method": "GET"}}}
        page = respond(event, (KEY,), NOW, lambda _key: self.card, "GB", None,
                       self.ask_reply_function)
        return page.status, page.html

    def post(self, fields: dict[str, str], headers: dict[str, str] | None = None) -> tuple[int, str]:
        event = {"pathParameters": {"customer_id": "cust-1"}, "body": urlencode(fields),
                 "headers": headers or {"host": "api.example.com", "sec-fetch-site": "same-origin"},
                 "requestContext": {"http": {"method": "POST"}}}
        page = respond(event, (KEY,), NOW, lambda _key: self.card, "GB", None,
                       self.ask_reply_function)
        return page.status, page.html


def form_of(html: str) -> dict[str, str]:
    form = re.search(r"<form .*?</form>", html, re.S)
    assert form, "the page has no reply form"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group()))


def test_the_newest_post_carries_the_reply_box_with_a_token_for_it_and_the_other_posts_a_link_to_theirs():
    status, html = World().get(agent="ada")
    assert status == 200
    fields = form_of(html)
    assert fields["post"] == MESSAGE.text and csrf_is_valid(fields["csrf"], link(), MESSAGE.text, (KEY,), NOW)
    assert 'name="agent" required maxlength="64" autocomplete="username" value="ada"' in html
    assert "post=instagram%23c-100" in html and html.count("<form ") == 1


def test_a_message_shows_until_when_its_window_is_open():
    world = World(FakeReplyPublisher(window=META_WINDOW))
    _, html = world.get(MESSAGE)
    assert "Messaging window open until 21 Nov 2026 10:00 UTC." in html and "<form " in html


def test_past_the_standard_window_the_page_says_which_tag_keeps_it_open():
    world = World(FakeReplyPublisher(window=META_WINDOW), policy=ReplyPolicy(
        official=POLICY.official, allowed=POLICY.allowed, approval="none", tag_platforms=frozenset({"instagram"}),
        phone_region="GB"))
    world.clock.moment += timedelta(days=2)
    _, html = world.get(MESSAGE)
    assert "open with the HUMAN_AGENT tag until 27 Nov 2026 10:00 UTC" in html and "<form " in html


def test_a_closed_window_is_shown_with_its_reason_and_no_form():
    world = World(FakeReplyPublisher(window=META_WINDOW))
    world.clock.moment += timedelta(days=2)
    _, html = world.get(MESSAGE)
    assert "the messaging window closed at 2026-11-21T10:00:00Z" in html
    assert '<p class="window closed">' in html and "<form " not in html


def test_outside_whatsapps_window_the_form_asks_for_an_approved_template():
    world = World(FakeReplyPublisher(window=WHATSAPP_WINDOW))
    world.clock.moment += timedelta(days=2)
    _, html = world.get(MESSAGE)
    assert "only an approved template may be sent now" in html and 'name="template_name"' in html


def test_a_public_reply_under_the_approval_policy_says_it_will_wait():
    world = World(policy=ReplyPolicy(official=POLICY.official, allowed=POLICY.allowed, approval="public",
                                     phone_region="GB"))
    _, html = world.get(COMMENT)
    assert "a public reply to the comment" in html and "second person's approval" in html


def test_the_form_sends_the_reply_as_the_named_agent_and_shows_its_state():
    world = World()
    _, html = world.get(COMMENT)
    status, after = world.post({**form_of(html), "agent": "ada", "text": "Sorry! We are on it."})
    assert status == 200
    [record] = world.store.records.values()
    assert (record.status, record.sender, record.post_key) == ("sent", "page:ada", COMMENT)
    assert "Your reply: Sent" in after and "published as instagram-1" in after
    again = world.post({**form_of(html), "agent": "ada", "text": "Sorry! We are on it."})  # the same form again
    assert again[0] == 200 and world.publisher.calls == 1


def test_a_held_reply_shows_why():
    world = World()
    _, html = world.get(COMMENT)
    world.post({**form_of(html), "agent": "ada", "text": "Call us on 020 7946 0958"})
    _, after = world.get(COMMENT)
    assert "Held for approval" in after and "a phone number" in after and world.publisher.calls == 0


def test_a_form_sent_while_the_window_closed_is_refused_with_the_reason():
    world = World(FakeReplyPublisher(window=META_WINDOW))
    _, html = world.get(MESSAGE)
    world.clock.moment += timedelta(days=2)
    status, after = world.post({**form_of(html), "agent": "ada", "text": "Here is your tracking link"})
    assert status == 200 and world.publisher.calls == 0
    assert "Your reply: Refused" in after and "the messaging window closed at 2026-11-21T10:00:00Z" in after


@pytest.mark.parametrize("change", [
    {"csrf": "0" * 64},
    {"post": COMMENT.text},  # the message's token, for the comment
    {"sig": "0" * 64},
    {"exp": str(NOW + 900)},
])
def test_a_form_that_is_not_ours_is_refused_and_sends_nothing(change):
    world = World()
    _, html = world.get(MESSAGE)
    status, after = world.post({**form_of(html), "agent": "ada", "text": "Hello", **change})
    assert status == 403 and "Not sent" in after
    assert world.publisher.calls == 0 and world.store.records == {}
    assert [request["reply_box"] for request in world.requests] == ["show"]  # never handed to ReplyFunction


def test_a_form_posted_from_another_site_is_refused_even_with_a_good_token():
    world = World()
    _, html = world.get(COMMENT)
    elsewhere = {"host": "api.example.com", "origin": "https://evil.example", "sec-fetch-site": "cross-site"}
    status, _ = world.post({**form_of(html), "agent": "ada", "text": "Hello"}, elsewhere)
    assert status == 403 and world.publisher.calls == 0


def test_the_agent_must_name_themselves():
    world = World()
    _, html = world.get(COMMENT)
    status, after = world.post({**form_of(html), "agent": "", "text": "Hello"})
    assert status == 400 and "agent login" in after and world.publisher.calls == 0


def test_the_form_is_handed_to_reply_function_once_with_its_fields_and_published_once():
    world = World()
    _, html = world.get(COMMENT)
    world.requests.clear()
    world.post({**form_of(html), "agent": " ada ", "text": "Sorry! We are on it."})
    [request] = world.requests  # the page after the POST is drawn from the submission's answer
    assert request == {"reply_box": "submit", "post_key": COMMENT.text,
                       "form": {"agent": "ada", "text": "Sorry! We are on it.", "reply_id": form_of(html)["reply_id"]}}
    assert world.publisher.calls == 1 and [r.status for r in world.store.records.values()] == ["sent"]


def test_an_unreachable_reply_function_leaves_the_timeline_and_never_says_a_form_was_not_sent():
    world = World()
    _, html = world.get(COMMENT)

    def unreachable(_request: dict) -> dict:
        raise TimeoutError("read timeout")

    event = {"pathParameters": {"customer_id": "cust-1"}, "requestContext": {"http": {"method": "GET"}},
             "queryStringParameters": {"exp": link().expires, "sig": link().signature}}
    page = respond(event, (KEY,), NOW, lambda _key: world.card, "GB", None, unreachable)
    assert page.status == 200 and "Where is my parcel?" in page.html
    assert "Replies are not available right now." in page.html and "<form " not in page.html
    posted = {**event, "requestContext": {"http": {"method": "POST"}}, "headers": {"host": "api.example.com"},
              "body": urlencode({**form_of(html), "agent": "ada", "text": "Hello"})}
    page = respond(posted, (KEY,), NOW, lambda _key: world.card, "GB", None, unreachable)
    assert page.status == 502 and "Reply not confirmed" in page.html and "Not sent" not in page.html


@pytest.mark.parametrize("answer", [{"error": "a reply box request is show or submit"}, {"outlook": []},
                                    {"outlook": {"kind": "telegram"}, "replies": []},
                                    {"outlook": {"kind": None, "refusal": 3}, "replies": []},
                                    {"outlook": {"kind": None}, "replies": "none"},
                                    {"outlook": {"kind": "message", "window": {"open_until": 1}}, "replies": []}])
def test_an_answer_that_is_not_a_reply_box_shows_the_box_unavailable(answer):
    world = World()
    event = {"pathParameters": {"customer_id": "cust-1"}, "requestContext": {"http": {"method": "GET"}},
             "queryStringParameters": {"exp": link().expires, "sig": link().signature}}
    page = respond(event, (KEY,), NOW, lambda _key: world.card, "GB", None, lambda _request: answer)
    assert page.status == 200 and "Replies are not available right now." in page.html


def test_the_box_of_a_message_asks_the_publisher_for_its_window_once():
    world = World(FakeReplyPublisher(window=META_WINDOW))
    _, html = world.get(MESSAGE)
    assert "Messaging window open until" in html and world.publisher.window_asks == 1
