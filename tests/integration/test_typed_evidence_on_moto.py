"""Issue 13: what anyone can type (a phone or email in a message, a display name) never links a post on its own
and never teaches a permanent link; the agent page says truthfully where each link came from."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from socialcrm.model import Author, CanonicalPost
from tests.integration.test_pipeline_on_moto import NOW, contact_event, count_table_items, sqs_event
from tests.support.functions import LambdaContext, load_handler

ADA = {"customer_id": "cust-1", "name": "Ada Lovelace", "phones": ["07911 123456"],
       "emails": ["ada.lovelace@example.org"], "city": "London",
       "social": [{"platform": "facebook", "user_id": "6104410001"}, {"platform": "instagram", "handle": "ada.l"}]}


def a_post(platform: str, post_id: str, author: Author, text: str, kind: str = "message", minutes: int = 0) -> str:
    created = (NOW - timedelta(minutes=60 - minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps(CanonicalPost(platform, post_id, kind, author, text, created, source=platform).to_message())


@pytest.fixture
def synced(aws):
    aws.use("CustomerSyncFunction")
    assert load_handler("customer_sync").lambda_handler({"customers": [ADA]}, LambdaContext())["upserted"] == 1
    aws.use("ProcessorFunction")
    return aws


def process(*bodies: str) -> None:
    assert load_handler("processor").lambda_handler(sqs_event(list(bodies)), LambdaContext()) == \
        {"batchItemFailures": []}


def stored(aws) -> dict[str, dict]:
    return {item["pk"]["S"]: item for item in count_table_items(aws, "PostsTable")}


def identity_items(aws, key: str) -> list[str]:
    items = count_table_items(aws, "CustomersTable")
    return [item["sk"]["S"] for item in items if item["pk"]["S"] == f"IDENTITY#{key}"]


STRANGER = Author("x", "66600066", "ada_fan_club", "Ada Lovelace")  # the customer's name, copied


TYPED = pytest.mark.parametrize("typed", ["my number is 07911 123456", "07911 123456 or ada.lovelace@example.org"],
                                ids=["phone", "phone-and-email"])


def stranger_writes(typed: str) -> None:
    process(a_post("x", "dm-1", STRANGER, f"Hi, it's Ada Lovelace, {typed}. Where is my refund?"))


@TYPED
def test_a_stranger_who_types_a_customers_phone_under_her_name_is_held_for_review_not_linked(synced, typed):
    stranger_writes(typed)
    first = stored(synced)["x#dm-1"]
    assert "customer_id" not in first and first["match_status"]["S"] == "candidate"
    held = [i for i in count_table_items(synced, "CustomersTable") if i["pk"]["S"] == "REVIEW"]
    assert [i["sk"]["S"] for i in held] == ["x#dm-1"]


@TYPED
def test_typed_evidence_teaches_no_link_to_the_strangers_account(synced, typed):
    stranger_writes(typed)
    assert not [sk for sk in identity_items(synced, "id:x:66600066") if sk.startswith("LINK#")]


@TYPED
def test_the_strangers_later_posts_are_not_linked_and_reach_no_card(synced, typed):
    stranger_writes(typed)
    process(a_post("x", "dm-2", STRANGER, "Any news on my refund? Call me back please."),
            a_post("x", "c-3", STRANGER, "Worst service ever", kind="comment"))
    later = stored(synced)
    assert "customer_id" not in later["x#dm-2"] and "customer_id" not in later["x#c-3"]
    synced.use("ContactLookupFunction")
    answer = load_handler("contact_lookup").lambda_handler(contact_event("+447911123456"), LambdaContext())
    assert answer["history_count"] == "0" and "refund" not in json.dumps(answer)  # Ada's card holds none of it


def agent_page(aws, customer_id: str) -> str:
    from socialcrm.adapters.secrets import screen_pop_secret
    from socialcrm.screen_pop import customer_path, signature

    aws.use("AgentPageFunction")
    path, expires = customer_path(customer_id), int(time.time()) + 300
    key = screen_pop_secret(aws.specs["AgentPageFunction"].environment["SCREEN_POP_SECRET_ID"])["signing_key"].encode()
    event = {"rawPath": path, "pathParameters": {"customer_id": customer_id},
             "queryStringParameters": {"exp": str(expires), "sig": signature(key, path, expires)}}
    answer = load_handler("agent_page").lambda_handler(event, LambdaContext())
    assert answer["statusCode"] == 200, answer["body"]
    return answer["body"]


def test_the_agent_page_says_a_learned_link_was_learned_and_from_what(synced):
    # Ada's Instagram account posts under the handle on her record, then renames: the link was learned.
    process(a_post("instagram", "h1", Author("instagram", "ig-3", "ada.l", "Ada Lovelace"), "Lovely shop",
                   kind="comment"))
    process(a_post("instagram", "h2", Author("instagram", "ig-3", "ada_writes", "Ada Lovelace"), "Still lovely",
                   kind="comment", minutes=1))
    process(a_post("facebook", "f1", Author("facebook", "6104410001", None, "Ada"), "Hello", kind="comment", minutes=2))
    assert {k: v.get("customer_id", {}).get("S") for k, v in stored(synced).items()} == \
        {"instagram#h1": "cust-1", "instagram#h2": "cust-1", "facebook#f1": "cust-1"}

    page = agent_page(synced, "cust-1")
    labels = [line.split("</div>")[0] for line in page.split('<div class="why">Matched by: ')[1:]]
    assert labels == ["Facebook account id on the customer record",  # newest first: f1, h2, h1
                      "learned from an earlier post by the same account (originally: Instagram handle on the "
                      "customer record)",
                      "Instagram handle on the customer record"]


def test_an_account_learned_from_a_handle_the_crm_then_drops_is_no_longer_linked(synced):
    # A stranger holds "ada.l" on Instagram before Ada ever posted with it: linked by the handle, its id learned.
    holder = Author("instagram", "ig-666", "ada.l", None)
    process(a_post("instagram", "ig-c1", holder, "Refund me to my new account", kind="comment"))
    assert stored(synced)["instagram#ig-c1"]["customer_id"]["S"] == "cust-1"
    # The CRM corrects Ada's record: that handle is not hers.
    synced.use("CustomerSyncFunction")
    corrected = {**ADA, "social": [{"platform": "facebook", "user_id": "6104410001"}]}
    assert load_handler("customer_sync").lambda_handler({"customers": [corrected]}, LambdaContext())["upserted"] == 1
    synced.use("ProcessorFunction")
    process(a_post("instagram", "ig-c2", Author("instagram", "ig-666", "new.name", None), "Still waiting",
                   kind="comment", minutes=5))
    posts = stored(synced)
    assert "customer_id" not in posts["instagram#ig-c1"] and "customer_id" not in posts["instagram#ig-c2"]
    assert not [sk for sk in identity_items(synced, "id:instagram:ig-666") if sk.startswith("LINK#")]
    synced.use("ContactLookupFunction")
    answer = load_handler("contact_lookup").lambda_handler(contact_event("+447911123456"), LambdaContext())
    assert "Refund me" not in json.dumps(answer) and "Still waiting" not in json.dumps(answer)
