"""Who the contact centre is shown, through the handlers on moto: shared numbers and emails identify nobody,
and a chat is identified only by what the flow verified."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

from tests.integration.test_pipeline_on_moto import a_post, contact_event, sqs_event
from tests.support.functions import LambdaContext, load_handler

HOME_PHONE, HOME_EMAIL = "+447911123456", "home@example.com"
ADA = {"customer_id": "cust-1", "name": "Ada Lovelace", "phones": ["07911 123456"], "emails": [HOME_EMAIL],
       "social": [{"platform": "facebook", "user_id": "6104410001"}]}
BOB = {"customer_id": "cust-2", "name": "Bob Lovelace", "phones": [HOME_PHONE], "emails": ["Home@Example.com"]}


def sync(aws, *records: dict) -> None:
    aws.use("CustomerSyncFunction")
    answer = load_handler("customer_sync").lambda_handler({"customers": list(records)}, LambdaContext())
    assert answer["upserted"] == len(records)


def ada_posts(aws, post_id: str, text: str) -> None:
    aws.use("ProcessorFunction")
    answer = load_handler("processor").lambda_handler(sqs_event([a_post(post_id, text=text)]), LambdaContext())
    assert answer == {"batchItemFailures": []}


def chat_event(attributes: dict | None = None, parameters: dict | None = None) -> dict:
    return {"Name": "ContactFlowEvent", "Details": {
        "ContactData": {"Channel": "CHAT", "CustomerEndpoint": None, "Attributes": attributes or {}},
        "Parameters": parameters or {}}}


def lookup(aws, event: dict) -> dict:
    aws.use("ContactLookupFunction")
    return load_handler("contact_lookup").lambda_handler(event, LambdaContext())


def agent_page_by_phone(aws, phone: str) -> dict:
    aws.use("AgentPageFunction")
    from socialcrm.adapters.secrets import screen_pop_secret
    from socialcrm.screen_pop import signed_link

    key = screen_pop_secret(aws.specs["AgentPageFunction"].environment["SCREEN_POP_SECRET_ID"])["signing_key"].encode()

    path = f"/agent/phones/{phone.replace('+', '%2B')}"
    query = {k: v[0] for k, v in parse_qs(urlsplit(signed_link("", path, key, int(time.time()))).query)
             .items()}
    handler = load_handler("agent_page")  # a cold start: aws.use forgot the settings
    return handler.lambda_handler({"version": "2.0", "rawPath": path, "pathParameters": {"phone": phone},
                                   "queryStringParameters": query,
                                   "requestContext": {"http": {"method": "GET"}}}, LambdaContext())


def shows_nobody(answer: dict, reason: str) -> None:
    assert (answer["found"], answer["reason"]) == ("false", reason)
    shown = {k: v for k, v in answer.items() if v and k not in ("found", "reason", "recent_posts", "history_count")}
    assert shown == {}  # no id, no name, no post, no screen-pop link
    assert (answer["recent_posts"], answer["history_count"]) == ("0", "0")


def test_a_household_phone_and_email_show_nobody_until_one_record_drops_them(aws):
    sync(aws, ADA, BOB)
    ada_posts(aws, "h1", "My parcel never came, I want a refund")

    shows_nobody(lookup(aws, contact_event(HOME_PHONE)), "shared_number")
    shows_nobody(lookup(aws, chat_event(parameters={"verified_email": HOME_EMAIL})), "shared_email")
    page = agent_page_by_phone(aws, HOME_PHONE)
    assert page["statusCode"] == 404
    assert "Ada" not in page["body"] and "Bob" not in page["body"] and "parcel" not in page["body"]
    own = lookup(aws, chat_event(parameters={"verified_customer_id": "cust-1"}))  # her own card is still hers
    assert (own["customer_name"], own["last_post_text"]) == ("Ada Lovelace", "My parcel never came, I want a refund")

    sync(aws, {**BOB, "phones": [], "emails": []})  # Bob's record no longer has them
    for answer in (lookup(aws, contact_event(HOME_PHONE)),
                   lookup(aws, chat_event(parameters={"verified_email": HOME_EMAIL}))):
        assert (answer["found"], answer["customer_name"]) == ("true", "Ada Lovelace")
        assert answer["last_post_text"] == "My parcel never came, I want a refund"
    page = agent_page_by_phone(aws, HOME_PHONE)
    assert page["statusCode"] == 200 and "Ada Lovelace" in page["body"]


def test_a_second_customer_on_the_number_hides_the_first_and_erasure_gives_it_back(aws):
    sync(aws, ADA)
    ada_posts(aws, "h2", "Still waiting for my refund")
    assert lookup(aws, contact_event(HOME_PHONE))["customer_name"] == "Ada Lovelace"

    sync(aws, BOB)
    shows_nobody(lookup(aws, contact_event(HOME_PHONE)), "shared_number")
    ada_posts(aws, "h3", "Now it is two weeks")  # her next post does not bring her card back under the number
    shows_nobody(lookup(aws, contact_event(HOME_PHONE)), "shared_number")
    shows_nobody(lookup(aws, chat_event(parameters={"verified_email": HOME_EMAIL})), "shared_email")

    aws.use("ErasureFunction")
    load_handler("erasure").lambda_handler({"customer_id": "cust-2"}, LambdaContext())
    answer = lookup(aws, contact_event(HOME_PHONE))
    assert (answer["found"], answer["customer_name"], answer["last_post_text"]) == (
        "true", "Ada Lovelace", "Now it is two weeks")


def test_chat_attributes_alone_identify_nobody_and_the_flows_verified_parameter_does(aws):
    sync(aws, ADA)
    ada_posts(aws, "c1", "Where is my order")
    for attributes in ({"customer_id": "cust-1"}, {"email": HOME_EMAIL}):  # what a pre-chat form can set
        shows_nobody(lookup(aws, chat_event(attributes=attributes)), "not_authenticated")
    for parameters in ({"verified_customer_id": "cust-1"}, {"verified_email": HOME_EMAIL}):
        answer = lookup(aws, chat_event(attributes={"customer_id": "someone-else"}, parameters=parameters))
        assert (answer["found"], answer["customer_name"], answer["last_post_text"]) == (
            "true", "Ada Lovelace", "Where is my order")
