"""What the contact flow gets back from the lookup, field by field (socialcrm.lookup's answer shaping).

The cards here are stored cards as the lookup reads them (JSON objects); each test names one thing an agent, a
caller or the contact flow would notice."""

from __future__ import annotations

from datetime import timedelta

import pytest

from socialcrm.lookup import (
    BUDGET_BYTES,
    HISTORY_SIZE,
    RESPONSE_KEYS,
    answer_from_card,
    channel_signals,
    clean_text,
    fit_budget,
    lookup_contact,
    not_found,
    response_size,
    speakable,
    spoken_summary,
)
from tests.unit.test_lookup import NOW, CardReader

PHONE_KEY = "PHONE#+447911123456"


def iso(delta: timedelta) -> str:
    return (NOW - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def a_post(n: int, ago: timedelta, **fields) -> dict:
    return {"post_key": f"facebook#p{n}", "platform": "facebook", "kind": "comment", "text": f"post number {n}",
            "sentiment": "negative", "created_at": iso(ago), "url": f"https://www.facebook.com/{n}", **fields}


def a_card(*posts: dict, name: str = "Ada Lovelace", **fields) -> dict:
    return {"customer_id": "c-1", "customer_name": name, "posts": list(posts),
            "post_times": [post["created_at"] for post in posts], **fields}


def call(parameters: dict | None = None, address: str | None = "+447911123456", attributes: dict | None = None):
    endpoint = {"Address": address, "Type": "TELEPHONE_NUMBER"} if address is not None else None
    return {"Name": "ContactFlowEvent", "Details": {
        "ContactData": {"Channel": "VOICE", "CustomerEndpoint": endpoint, "Attributes": attributes or {}},
        "Parameters": parameters or {}}}


def ask(card: dict | None, parameters: dict | None = None, lookback_days: int = 7, **options) -> dict[str, str]:
    return lookup_contact(call(parameters), CardReader({PHONE_KEY: card} if card else {}), now=NOW,
                          lookback_days=lookback_days, default_region="GB", **options)


# Who is calling


def test_a_known_caller_is_found_with_their_id_and_name():
    answer = ask(a_card(a_post(1, timedelta(hours=2))))
    assert (answer["found"], answer["reason"], answer["customer_id"], answer["customer_name"]) == (
        "true", "", "c-1", "Ada Lovelace")


def test_the_flows_country_reads_a_national_number_and_a_long_value_counts_by_its_first_two_letters():
    reader = CardReader({"PHONE#+12025550143": a_card()})
    for country in ("US", "us", "USA"):
        answer = lookup_contact(call({"default_country": country}, "(202) 555-0143"), reader, now=NOW,
                                lookback_days=7, default_region="GB")
        assert answer["found"] == "true", country


def test_a_chat_identified_by_the_flow_is_found_by_customer_id_and_the_id_is_trimmed():
    reader = CardReader({"CUSTOMER#c-1": a_card()})
    answer = lookup_contact(call({"verified_customer_id": "  c-1 "}, address=None), reader, now=NOW,
                            lookback_days=7, default_region="GB")
    assert answer["found"] == "true"
    assert reader.reads == ["CUSTOMER#c-1"]


def test_a_chat_identified_by_a_verified_email_is_found_by_its_address_in_lower_case():
    reader = CardReader({"EMAIL#ada@example.com": a_card()})
    answer = lookup_contact(call({"verified_email": " Ada@Example.com "}, address=None), reader, now=NOW,
                            lookback_days=7, default_region="GB")
    assert answer["found"] == "true"


@pytest.mark.parametrize("email", ["ada@example", "ada example.com", "@example.com", "ada@@example.com", ""])
def test_a_verified_email_that_is_not_an_address_identifies_nobody(email):
    reader = CardReader({})
    answer = lookup_contact(call({"verified_email": email}, address=None), reader, now=NOW, lookback_days=7,
                            default_region="GB")
    assert (answer["found"], answer["reason"]) == ("false", "no_caller_number")
    assert reader.reads == []


@pytest.mark.parametrize("parameters", [{"verified_customer_id": "   "}, {"verified_customer_id": 7}])
def test_a_blank_or_mistyped_verified_id_identifies_nobody(parameters):
    answer = lookup_contact(call(parameters, address=None), CardReader({}), now=NOW, lookback_days=7,
                            default_region="GB")
    assert answer["reason"] == "no_caller_number"


@pytest.mark.parametrize(("attributes", "reason"), [
    ({"customer_id": "c-1"}, "not_authenticated"), ({"email": "ada@example.com"}, "not_authenticated"),
    ({"customer_id": "  ", "email": ""}, "no_caller_number"), ({"customer_id": 7}, "no_caller_number"),
    ({"other": "c-1"}, "no_caller_number")])
def test_only_non_blank_customer_attributes_say_the_contact_was_not_authenticated(attributes, reason):
    answer = lookup_contact(call(address=None, attributes=attributes), CardReader({}), now=NOW, lookback_days=7,
                            default_region="GB")
    assert answer["reason"] == reason


def test_an_invalid_number_with_a_customer_attribute_is_still_not_authenticated():
    answer = lookup_contact(call(address="anonymous", attributes={"customer_id": "c-1"}), CardReader({}), now=NOW,
                            lookback_days=7, default_region="GB")
    assert answer["reason"] == "not_authenticated"


def test_a_number_on_two_records_says_shared_and_names_nobody():
    answer = ask({"shared": True, "customer_name": "Ada Lovelace"})
    assert (answer["found"], answer["reason"], answer["customer_name"]) == ("false", "shared_number", "")


def test_an_email_on_two_records_says_shared_email():
    reader = CardReader({"EMAIL#ada@example.com": {"shared": True}})
    answer = lookup_contact(call({"verified_email": "ada@example.com"}, address=None), reader, now=NOW,
                            lookback_days=7, default_region="GB")
    assert answer["reason"] == "shared_email"


def test_a_not_found_answer_has_every_key_zero_counts_and_the_reason():
    answer = not_found("no_customer")
    assert list(answer) == list(RESPONSE_KEYS)
    assert (answer["found"], answer["reason"], answer["recent_posts"], answer["history_count"]) == (
        "false", "no_customer", "0", "0")
    assert all(value == "" for key, value in answer.items()
               if key not in ("found", "reason", "recent_posts", "history_count"))


# The latest post and the history


def test_the_latest_post_is_given_field_by_field():
    answer = ask(a_card(a_post(2, timedelta(hours=1), sentiment="positive"), a_post(1, timedelta(days=1))))
    assert answer["last_post_platform"] == "facebook"
    assert answer["last_post_text"] == "post number 2"
    assert answer["last_post_sentiment"] == "positive"
    assert answer["last_post_at"] == iso(timedelta(hours=1))
    assert answer["last_post_url"] == "https://www.facebook.com/2"


def test_the_history_lists_the_posts_after_the_latest_one_up_to_its_size():
    posts = [a_post(n, timedelta(hours=n)) for n in range(1, HISTORY_SIZE + 3)]
    answer = ask(a_card(*posts), lookback_days=30)
    assert answer["history_count"] == str(HISTORY_SIZE)
    for n in range(1, HISTORY_SIZE + 1):
        post = posts[n]
        assert [answer[f"history_{n}_{field}"] for field in ("platform", "text", "sentiment", "at", "url")] == [
            "facebook", post["text"], "negative", post["created_at"], post["url"]]
    assert f"history_{HISTORY_SIZE + 1}_text" not in answer


def test_one_post_has_no_history_and_none_has_no_latest_post():
    one = ask(a_card(a_post(1, timedelta(hours=1))))
    assert (one["history_count"], one["history_1_text"]) == ("0", "")
    none = ask(a_card())
    assert (none["found"], none["history_count"], none["last_post_text"], none["last_post_url"]) == (
        "true", "0", "", "")


def test_an_unsafe_link_on_the_card_is_not_given_to_the_agent():
    answer = ask(a_card(a_post(2, timedelta(hours=1), url="javascript:alert(1)"),
                        a_post(1, timedelta(hours=2), url="https://evil.test/1")))
    assert (answer["last_post_url"], answer["history_1_url"]) == ("", "")


def test_what_is_not_a_post_on_the_card_is_skipped():
    answer = ask(a_card(a_post(1, timedelta(hours=1))) | {"posts": ["junk", a_post(1, timedelta(hours=1)), 5]})
    assert (answer["last_post_text"], answer["history_count"]) == ("post number 1", "0")


def test_missing_post_fields_are_empty_not_none():
    answer = ask(a_card({"created_at": iso(timedelta(hours=1))}, {"created_at": iso(timedelta(hours=2))}))
    assert all(isinstance(value, str) for value in answer.values())
    for key in ("last_post_platform", "last_post_text", "last_post_sentiment", "history_1_platform",
                "history_1_text", "history_1_sentiment", "history_1_url"):
        assert answer[key] == "", key


def test_a_card_without_a_name_gives_an_empty_name():
    assert ask(a_card(name=None))["customer_name"] == ""  # type: ignore[arg-type]


def test_names_and_texts_are_one_printable_line():
    answer = ask(a_card(a_post(1, timedelta(hours=1), text="line one\nline\ttwo\x00\u200b  end"),
                        name="Ada\nLovelace\x07"))
    assert answer["customer_name"] == "Ada Lovelace"
    assert answer["last_post_text"] == "line one line two end"


def test_a_customer_name_is_cut_at_200_characters():
    assert ask(a_card(name="A" * 300))["customer_name"] == "A" * 200


def test_clean_text_cuts_after_collapsing_and_trimming():
    assert clean_text("  a  b  ", 3) == "a b"
    assert clean_text("x" * 600) == "x" * 500


# How many recent posts, over which window


def test_recent_posts_counts_the_post_times_within_the_window_including_its_first_second():
    card = a_card(a_post(1, timedelta(hours=1))) | {"post_times": [
        iso(timedelta(hours=1)), iso(timedelta(days=7)), iso(timedelta(days=7, seconds=1)), "not a time"]}
    assert ask(card)["recent_posts"] == "2"


@pytest.mark.parametrize(("days", "recent"), [("1", "1"), ("365", "3"), (" 30 ", "2"), ("0", "2"), ("366", "2"),
                                              ("seven", "2"), (None, "2")])
def test_the_flows_lookback_days_from_1_to_365_sets_the_window_and_anything_else_falls_back(days, recent):
    card = a_card(a_post(1, timedelta(hours=1)), a_post(2, timedelta(days=5)), a_post(3, timedelta(days=100)))
    parameters = {} if days is None else {"lookback_days": days}
    assert ask(card, parameters, lookback_days=10)["recent_posts"] == recent


@pytest.mark.parametrize(("max_text", "length"), [("20", 20), ("1000", 1000), ("19", 500), ("1001", 500),
                                                  ("", 500)])
def test_the_flows_max_text_from_20_to_1000_cuts_the_texts_and_anything_else_keeps_500(max_text, length):
    card = a_card(a_post(2, timedelta(hours=1), text="x" * 2000), a_post(1, timedelta(hours=2), text="y" * 2000))
    answer = ask(card, {"max_text": max_text})
    assert (len(answer["last_post_text"]), len(answer["history_1_text"])) == (length, length)


def test_posts_past_the_retention_are_neither_shown_nor_counted_beyond_it():
    card = a_card(a_post(1, timedelta(days=1)), a_post(2, timedelta(days=30)), a_post(3, timedelta(days=31)))
    answer = ask(card, lookback_days=60, retention_days=30)
    assert answer["history_count"] == "1"
    assert answer["recent_posts"] == "2"
    assert "30 days" in answer["spoken_summary"]


# What is read aloud


def test_the_spoken_summary_names_the_customer_the_count_the_platform_the_time_and_the_sentiment():
    answer = ask(a_card(a_post(1, timedelta(hours=3), text="Where is my refund?"), a_post(2, timedelta(days=2))))
    assert answer["spoken_summary"] == (
        "Ada Lovelace. 2 social posts in the last 7 days. Latest on Facebook, 3 hours ago, negative: "
        "Where is my refund?")


def test_one_post_is_said_in_the_singular_and_a_post_without_text_ends_the_sentence():
    summary = spoken_summary("Ada", 1, 7, {"platform": "facebook", "created_at": iso(timedelta(hours=1)),
                                           "sentiment": "positive"}, NOW)
    assert summary == "Ada. 1 social post in the last 7 days. Latest on Facebook, 1 hour ago, positive."


def test_no_posts_and_no_name_are_said_plainly():
    assert spoken_summary("", 0, 7, {}, NOW) == "This customer. No social posts on record."


def test_an_unknown_platform_and_a_missing_sentiment_are_said_generically():
    summary = spoken_summary("Ada", 0, 7, {"platform": "myspace", "created_at": iso(timedelta(minutes=5))}, NOW)
    assert summary == "Ada. 0 social posts in the last 7 days. Latest on social media, 5 minutes ago, neutral."


@pytest.mark.parametrize(("ago", "said"), [
    (timedelta(seconds=59), "just now"), (timedelta(seconds=-30), "just now"), (timedelta(minutes=1), "1 minute ago"),
    (timedelta(minutes=59), "59 minutes ago"), (timedelta(minutes=60), "1 hour ago"),
    (timedelta(minutes=119), "1 hour ago"), (timedelta(hours=2), "2 hours ago"), (timedelta(hours=47), "47 hours ago"),
    (timedelta(hours=48), "2 days ago"), (timedelta(days=9, hours=23), "9 days ago")])
def test_how_long_ago_is_said_in_the_largest_whole_unit(ago, said):
    summary = spoken_summary("Ada", 1, 7, {"platform": "facebook", "created_at": iso(ago), "sentiment": "neutral"},
                             NOW)
    assert summary.endswith(f"Latest on Facebook, {said}, neutral.")


def test_an_unreadable_post_time_is_left_out_of_the_summary():
    summary = spoken_summary("Ada", 1, 7, {"platform": "facebook", "created_at": "yesterday"}, NOW)
    assert summary == "Ada. 1 social post in the last 7 days. Latest on Facebook, , neutral."


def test_the_spoken_text_has_no_links_emoji_or_markup():
    assert speakable("Look 😡 at https://x.test/a?b=c and www.example.com <b>now</b>!") == "Look at and b now b !"


def test_a_long_spoken_text_stops_at_a_whole_word_with_an_ellipsis():
    text = "word " * 50
    said = speakable(text)
    assert said.endswith("word...") and len(said) <= 163
    assert speakable("a" * 160) == "a" * 160
    assert speakable("abc def", limit=5) == "abc..."


def test_a_long_name_is_said_in_at_most_60_characters():
    summary = spoken_summary("Ada " * 30, 0, 7, {}, NOW)
    assert summary.startswith("Ada Ada") and summary.index("...") <= 60


# The screen-pop link


def test_a_found_customer_gets_a_screen_pop_link_for_their_id():
    links: list[str] = []

    def screen_pop(customer_id: str) -> str:
        links.append(customer_id)
        return f"https://pop/{customer_id}"

    assert ask(a_card(), screen_pop=screen_pop)["screen_pop_url"] == "https://pop/c-1"
    assert links == ["c-1"]


def test_a_card_without_a_customer_id_gets_no_screen_pop_link():
    answer = ask(a_card() | {"customer_id": ""}, screen_pop=lambda customer_id: "https://pop/x")
    assert answer["screen_pop_url"] == ""


def test_a_link_that_cannot_be_made_still_answers_the_caller():
    def broken(_customer_id: str) -> str:
        raise RuntimeError("no secret")

    answer = ask(a_card(), screen_pop=broken)
    assert (answer["found"], answer["screen_pop_url"]) == ("true", "")


# The byte budget


def test_an_answer_under_the_budget_is_left_as_it_is():
    answer = answer_from_card(a_card(a_post(1, timedelta(hours=1)), a_post(2, timedelta(hours=2))), NOW, 7)
    assert fit_budget(dict(answer)) == answer


def test_the_oldest_history_goes_first_then_the_latest_text_is_halved_until_under_the_budget():
    posts = [a_post(n, timedelta(hours=n), text=("é" * 1000)) for n in range(1, HISTORY_SIZE + 2)]
    answer = answer_from_card(a_card(*posts), NOW, 7, max_text=1000)
    assert response_size(answer) < BUDGET_BYTES
    assert answer["history_count"] == str(HISTORY_SIZE)  # 10 texts of 2 KB fit in 32 KB

    huge = dict(answer, last_post_text="é" * 40_000)
    fitted = fit_budget(huge)
    assert response_size(fitted) < BUDGET_BYTES
    assert fitted["history_count"] == "0" and fitted["history_1_text"] == ""
    assert fitted["last_post_text"] and len(fitted["last_post_text"]) < 40_000

    big = dict(answer, history_1_text="é" * 14_000)
    trimmed = fit_budget(big)
    assert response_size(trimmed) < BUDGET_BYTES
    assert trimmed["last_post_text"] == answer["last_post_text"]  # the latest post is kept whole
    assert trimmed["history_1_text"] == "é" * 14_000  # the newest history stays as long as it can
    kept = int(trimmed["history_count"])
    assert 1 <= kept < HISTORY_SIZE
    assert trimmed[f"history_{kept + 1}_text"] == "" and trimmed[f"history_{kept}_text"]


# What the call tells the metrics


def test_the_call_signals_say_whether_the_caller_posted_within_a_day_a_week_or_at_all():
    def signals(ago: timedelta) -> dict[str, int]:
        return channel_signals({"found": "true", "last_post_at": iso(ago)}, NOW)

    assert signals(timedelta(hours=24)) == {"CallerPosted24h": 1, "CallerPosted7d": 1, "CallWithSocialContext": 1}
    assert signals(timedelta(hours=24, seconds=1)) == {"CallerPosted24h": 0, "CallerPosted7d": 1,
                                                       "CallWithSocialContext": 1}
    assert signals(timedelta(days=8)) == {"CallerPosted24h": 0, "CallerPosted7d": 0, "CallWithSocialContext": 1}
    nobody = {"CallerPosted24h": 0, "CallerPosted7d": 0, "CallWithSocialContext": 0}
    assert channel_signals({"found": "false", "last_post_at": iso(timedelta(hours=1))}, NOW) == nobody
    assert channel_signals({"found": "true", "last_post_at": ""}, NOW) == nobody
