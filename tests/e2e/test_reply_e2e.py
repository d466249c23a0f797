"""Answering from the screen-pop page, end to end on a local stack of its own (its figures are this story's only):
a customer's Instagram comment arrives through the webhook, the agent opens the page the lookup linked and
replies from its form in headless Chromium with scripts off, a fake Instagram Graph API on loopback (reached
through REPLY_META_GRAPH_URL) receives the reply once, its echo comes back through the webhook as the brand's own
comment, and the day's figures show one first official answer with its response time. The page checks the form
and hands it to ReplyFunction (Lambda Invoke, from one function of the stack to another), which publishes. Also:
a cross-site form and forged tokens are refused, and a closed messaging window is shown and refused with its
reason."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from infra.local import samples
from infra.local.contact_centre import ContactCentreFake
from infra.local.stack import LocalStack
from socialcrm.reply_page import Link, csrf_token
from tests.e2e.test_pipeline_e2e import call, invoke
from tests.support.browser import headless_chromium
from tests.support.fake_platform import fake_platform
from tests.support.platform_fakes import GRAPH, MetaGraph

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SECRETS = json.loads((ROOT / "infra/local/secrets.json").read_text(encoding="utf-8"))
KEY = SECRETS["screen-pop"]["signing_key"].encode()
PAGE_TOKEN = "local-page-token"
OUR_INSTAGRAM = "17841400000000000"
ALAN_INSTAGRAM, ALAN_PHONE = "17841400000000003", "+44 7912 345678"  # cust-0003 of events/customer_sync.json
ADA_FACEBOOK, ADA_PHONE = "6104410001", "+44 7911 123456"  # cust-0001


@pytest.fixture(scope="module")
def graph():
    with fake_platform() as fake:
        yield MetaGraph(fake, tokens=(PAGE_TOKEN,))


@pytest.fixture(scope="module")
def reply_stack(graph, tmp_path_factory):
    folder = tmp_path_factory.mktemp("replies")
    secrets = {**SECRETS, "replies": {"instagram": {"page_access_token": PAGE_TOKEN},
                                      "facebook": {"page_access_token": PAGE_TOKEN}}}
    (folder / "secrets.json").write_text(json.dumps(secrets), encoding="utf-8")
    parameters = json.loads((ROOT / "infra/local/parameters.json").read_text(encoding="utf-8"))
    with ContactCentreFake(SECRETS["contact-centre"]["https"]["signing_key"]) as centre:
        parameters["ContactCentreUrl"] = centre.url
        with LocalStack(parameters=parameters, secrets_file=folder / "secrets.json", aws_port=0, api_port=0,
                        lambda_port=0, max_seconds=600, log_file=folder / "functions.log",
                        environment={"REPLY_META_GRAPH_URL": f"{graph.fake.url}{GRAPH}"}) as running:
            client = running.lambda_client()
            sample = json.loads((ROOT / "events/customer_sync.json").read_text(encoding="utf-8"))
            assert invoke(client, "CustomerSyncFunction", sample)["upserted"] == 3
            yield running


TIMEOUT = (3, 90)  # a cold start on a busy machine


def deliver(stack, payload) -> None:
    body = samples.encode(payload)
    answer = requests.post(f"{stack.api_url}/webhooks/meta", data=body, timeout=TIMEOUT, headers={
        "content-type": "application/json", "x-hub-signature-256": samples.sign(body, SECRETS["meta"]["app_secret"])})
    assert answer.status_code == 200, answer.text
    stack.wait_idle(timeout=180)


def screen_pop(stack, phone: str) -> str:
    url = call(stack.lambda_client(), phone)["screen_pop_url"]
    assert url.startswith(f"{stack.api_url}/agent/customers/"), url
    return url


def hidden_fields(html: str) -> dict[str, str]:
    import re

    return {name: value.replace("&amp;", "&") for name, value in
            re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html)}


@pytest.fixture(scope="module")
def alans_comment(reply_stack):
    comment_id = f"1790{time.time_ns() % 10**12:012d}"
    deliver(reply_stack, samples.instagram_comment(comment_id, ALAN_INSTAGRAM, "alan.t",
                                                   "My order never arrived and nobody answers"))
    return comment_id


def test_an_instagram_comment_answered_from_the_page_is_published_once_and_counted_as_the_first_answer(
        reply_stack, graph, alans_comment):
    url = screen_pop(reply_stack, ALAN_PHONE) + "&agent=ada.agent"
    text = "Sorry Alan, we have found your order and it ships today."
    with headless_chromium(scripts=False) as browser:
        assert browser.navigate(url) == 200
        page = browser.html()
        assert "My order never arrived" in page and "Answer this post" in page and 'value="ada.agent"' in page
        browser.type_into("textarea[name=text]", text)
        invoked = reply_stack.invocations["ReplyFunction"]
        assert browser.click("form button[type=submit]") == 200
        answered = browser.html()
    assert "Your reply: Sent" in answered and "by page:ada.agent" in answered
    # Published by ReplyFunction, invoked once by the page (which loads the CoreLayer alone: no HTTP library)
    assert reply_stack.invocations["ReplyFunction"] == invoked + 1

    sent = graph.fake.requests_to("POST", rf"{GRAPH}/{alans_comment}/replies")
    assert len(sent) == 1 and sent[0].form() == {"message": text}
    [published] = graph.comments[alans_comment]

    # The platform's echo: our account's comment under the customer's, through the webhook.
    echo = samples.instagram_comment(published["id"], OUR_INSTAGRAM, "acme", text)
    echo["entry"][0]["changes"][0]["value"]["parent_id"] = alans_comment
    deliver(reply_stack, echo)

    posts = reply_stack.resources.table_names["PostsTable"]
    dynamodb = reply_stack.client("dynamodb")
    ours = dynamodb.get_item(TableName=posts, Key={"pk": {"S": f"instagram#{published['id']}"}})["Item"]
    theirs = dynamodb.get_item(TableName=posts, Key={"pk": {"S": f"instagram#{alans_comment}"}})["Item"]
    assert ours["author_role"]["S"] == "company" and "answered_at" in theirs

    again = requests.get(url, timeout=TIMEOUT)  # the card shows the answer; the page lists the reply as sent
    assert escape(text) in again.text and '<p class="state sent" data-status="sent">' in again.text

    today = f"{datetime.now(UTC):%Y-%m-%d}"
    figures = invoke(reply_stack.lambda_client(), "MetricsRollupFunction", {"day": today})["figures"]
    assert figures["Posts|Platform=instagram|Kind=comment"] == 2  # the customer's and ours, once
    assert (figures["InboundPosts"], figures["AnsweredPosts"], figures["Replies|By=company"]) == (1, 1, 1)
    assert figures["ResponseMedianMinutes"] >= 0 and figures["AnsweredWithin1hShare"] == 1.0
    assert len(graph.fake.requests_to("POST", rf"{GRAPH}/{alans_comment}/replies")) == 1


class CrossSitePage:
    """Another origin (its own port) serving a form aimed at the screen-pop page."""

    def __init__(self) -> None:
        self.html = b""
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/html")
                self.send_header("content-length", str(len(outer.html)))
                self.end_headers()
                self.wfile.write(outer.html)

            def log_message(self, *_args) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_form_posted_from_another_site_is_refused_even_with_a_genuine_token(reply_stack, graph, alans_comment):
    url = screen_pop(reply_stack, ALAN_PHONE)
    fields = hidden_fields(requests.get(url, timeout=TIMEOUT).text)
    assert fields["post"] == f"instagram#{alans_comment}"
    before = len(graph.fake.seen)
    action = url.split("?")[0]
    inputs = "".join(f'<input type="hidden" name="{n}" value="{escape(v, quote=True)}">' for n, v in fields.items())
    elsewhere = CrossSitePage()
    elsewhere.html = (f'<!doctype html><form method="post" action="{escape(action, quote=True)}">{inputs}'
                      '<input name="agent" value="mallory"><input name="text" value="Visit evil.example">'
                      '<button type="submit">Win a prize</button></form>').encode()
    try:
        with headless_chromium(scripts=False) as browser:
            assert browser.navigate(elsewhere.url) == 200
            assert browser.click("button[type=submit]") == 403
            assert "this form was sent from another site" in browser.html()
    finally:
        elsewhere.close()
    assert len(graph.fake.seen) == before


def test_forged_or_misplaced_tokens_are_refused(reply_stack, graph, alans_comment):
    url = screen_pop(reply_stack, ALAN_PHONE)
    fields = hidden_fields(requests.get(url, timeout=TIMEOUT).text)
    action = url.split("?")[0]
    before = len(graph.fake.seen)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    other_link = Link(urlsplit(action).path.replace("cust-0003", "cust-0001"), query["exp"], query["sig"])
    for change in ({"csrf": ""}, {"csrf": "0" * 64}, {"post": "instagram#1790999"},
                   {"csrf": csrf_token(KEY, other_link, fields["post"])}):
        form = {**fields, "agent": "ada.agent", "text": "Hello", **change}
        answer = requests.post(action, data=form, timeout=TIMEOUT,
                               headers={"sec-fetch-site": "same-origin", "origin": "null"})
        assert answer.status_code == 403, change
        assert "was not issued for this post" in answer.text
    assert len(graph.fake.seen) == before


def test_a_closed_messaging_window_is_shown_and_a_reply_in_it_is_refused_with_the_reason(reply_stack, graph):
    mid = f"m_{time.time_ns()}"
    two_days_ago_ms = int((time.time() - 2 * 86400) * 1000)
    deliver(reply_stack, samples.messenger_message(mid, ADA_FACEBOOK, "Any news on my refund?", two_days_ago_ms))
    url = screen_pop(reply_stack, ADA_PHONE)
    post_key = f"facebook#{mid}"
    with headless_chromium(scripts=False) as browser:
        assert browser.navigate(f"{url}&post={post_key.replace('#', '%23')}") == 200
        page = browser.html()
    assert "Any news on my refund?" in page and "the messaging window closed at" in page
    assert 'name="text"' not in page  # no box to write in

    # A form kept from earlier (its token is genuine) is refused by the use case, with the reason.
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    link = Link(urlsplit(url).path, query["exp"], query["sig"])
    form = {"exp": link.expires, "sig": link.signature, "post": post_key, "csrf": csrf_token(KEY, link, post_key),
            "reply_id": f"p-{time.time_ns()}", "agent": "ada.agent", "text": "Your refund is on its way"}
    before = len(graph.fake.seen)
    answer = requests.post(url.split("?")[0], data=form, timeout=TIMEOUT, headers={"sec-fetch-site": "same-origin"})
    assert answer.status_code == 200
    assert "Your reply: Refused" in answer.text and "the messaging window closed at" in answer.text
    assert len(graph.fake.seen) == before
