"""What answering is worth: who is in a day's cohort, answered or not, and who called within 24 h (on fakes).

Posts go through the processor, calls through the contact lookup (reading the card the processor built), and
the figures come out of the daily rollup, as in production.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from socialcrm import answer_worth
from socialcrm import metric_catalogue as catalogue
from socialcrm.engagement import Registry
from socialcrm.lookup import lookup_contact
from socialcrm.processing import process_post
from socialcrm.rollup import roll_up_day, roll_up_event
from tests.fakes import FakePublisher
from tests.unit.test_processing import a_post

REGISTRY = Registry.from_settings("facebook:900", "facebook:700", "Acme", "")
DAY = "2026-11-20"
ADA, BOB = "+447911123456", "+447912345678"  # c-1 (facebook 1001), c-2 (facebook 2002) in the unit world
CLOSED = datetime(2026, 11, 22, 0, 20, tzinfo=UTC)  # the daily schedule after the next day: every window closed
WORTH = ("AnsweredCustomers", "AnsweredCustomersCalled", "UnansweredCustomers", "UnansweredCustomersCalled",
         "AnswerWorthOpenWindows")


class NoCalls:
    def read_day(self, day):
        return {}


def at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


@pytest.fixture
def deps(world):
    deps, _ = world
    deps.registry = REGISTRY
    deps.clock.moment = at("2026-11-21T12:00:00Z")  # posts of the 20th are in the past
    return deps


def post(deps, post_id, user_id, created, reply_to=None, text="Where is my refund"):
    process_post(replace(a_post(post_id, user_id=user_id, created=created, text=text), reply_to=reply_to), deps)


def answer(deps, post_id, to, created, user_id="900"):
    post(deps, post_id, user_id, created, reply_to=to, text="We are on it")


def call(deps, phone, when):
    """A call through the contact lookup, noted as production notes it (CALLED#<day>)."""
    return lookup_contact({"Details": {"ContactData": {"CustomerEndpoint": {"Address": phone}}, "Parameters": {}}},
                          deps.cards.cards.get, now=at(when), lookback_days=7, default_region="GB",
                          record_call=deps.posts.record_call)


def worth(deps, now=CLOSED, publisher=None):
    figures = roll_up_day(DAY, deps.posts, NoCalls(), publisher or FakePublisher(), now).figures
    return {name: figures[name] for name in (*WORTH, "AnsweredCallShare", "UnansweredCallShare") if name in figures}


def test_a_call_exactly_24_hours_after_the_post_counts_and_one_second_later_does_not(deps):
    post(deps, "q1", "1001", "2026-11-20T09:00:00Z")  # Ada
    answer(deps, "r1", "q1", "2026-11-20T09:30:00Z")
    post(deps, "q2", "2002", "2026-11-20T09:10:00Z")  # Bob: no answer
    assert call(deps, ADA, "2026-11-21T09:00:00Z")["found"] == "true"
    assert call(deps, BOB, "2026-11-21T09:10:01Z")["found"] == "true"
    publisher = FakePublisher()
    assert worth(deps, publisher=publisher) == {
        "AnsweredCustomers": 1, "AnsweredCustomersCalled": 1, "UnansweredCustomers": 1, "UnansweredCustomersCalled": 0,
        "AnswerWorthOpenWindows": 0, "AnsweredCallShare": 1.0, "UnansweredCallShare": 0.0}
    # One statistic set each: Sum = called, SampleCount = customers (the dashboard's share and its sample)
    assert publisher.statistic_sets == [(f"{DAY}T00:00:00Z", {"AnsweredCustomersCalled": (1.0, 1.0),
                                                              "UnansweredCustomersCalled": (0.0, 1.0)})]
    assert all("AnsweredCustomers" not in figures and "AnsweredCallShare" not in figures
               for _, figures in publisher.calls)  # the counts and shares are not sent as plain values


def test_a_call_before_the_post_does_not_count_and_a_call_the_same_day_after_it_does(deps):
    post(deps, "q0", "2002", "2026-11-19T10:00:00Z")  # Bob posted the day before, so his early call is noted
    call(deps, BOB, "2026-11-20T08:59:00Z")  # before his post of the 20th
    assert [call.first_call_at for call in deps.posts.called.values()] == ["2026-11-20T08:59:00Z"]
    post(deps, "q2", "2002", "2026-11-20T09:10:00Z")
    post(deps, "q1", "1001", "2026-11-20T09:00:00Z")
    call(deps, ADA, "2026-11-20T23:59:59Z")  # the same day, after the post
    assert worth(deps) == {"AnsweredCustomers": 0, "AnsweredCustomersCalled": 0, "UnansweredCustomers": 2,
                           "UnansweredCustomersCalled": 1, "AnswerWorthOpenWindows": 0, "UnansweredCallShare": 0.5}


def test_one_answered_and_one_unanswered_post_on_the_same_day_make_an_answered_customer(deps):
    post(deps, "q1", "1001", "2026-11-20T09:00:00Z")
    post(deps, "q2", "1001", "2026-11-20T15:00:00Z")
    answer(deps, "r2", "q2", "2026-11-20T16:00:00Z")  # only the second post is answered
    call(deps, ADA, "2026-11-21T09:30:00Z")  # 18.5 h after the second post, 24.5 h after the first
    # Answered; the window runs from the customer's first inbound post of the day, so this call is outside it.
    assert worth(deps) == {"AnsweredCustomers": 1, "AnsweredCustomersCalled": 0, "UnansweredCustomers": 0,
                           "UnansweredCustomersCalled": 0, "AnswerWorthOpenWindows": 0, "AnsweredCallShare": 0.0}


def test_the_brands_posts_employees_peers_strangers_and_late_answers_leave_the_cohort_as_it_should(deps):
    post(deps, "b1", "900", "2026-11-20T08:00:00Z", text="Our new offer")  # the brand's own post
    post(deps, "e1", "700", "2026-11-20T08:05:00Z", text="Proud of the team")  # an employee
    post(deps, "s1", "5555", "2026-11-20T08:10:00Z")  # a stranger: no customer, no cohort
    post(deps, "q1", "1001", "2026-11-20T09:00:00Z")  # Ada
    post(deps, "p1", "2002", "2026-11-20T09:20:00Z", reply_to="q1", text="Same for me, try the app")  # Bob: a peer
    answer(deps, "r1", "q1", "2026-11-21T09:01:00Z")  # 24 h and a minute later: too late to count as answered
    answer(deps, "r9", "s1", "2026-11-20T08:20:00Z")  # answering a stranger adds no one
    call(deps, BOB, "2026-11-20T10:00:00Z")  # Bob called, but his reply to another voice waited for nobody
    assert worth(deps) == {"AnsweredCustomers": 0, "AnsweredCustomersCalled": 0, "UnansweredCustomers": 1,
                           "UnansweredCustomersCalled": 0, "AnswerWorthOpenWindows": 0, "UnansweredCallShare": 0.0}
    assert deps.posts.read_hour("2026-11-20T09:00:00Z")["AnsweredPosts"] == 1  # still a (late) first answer


def test_redelivered_posts_answers_and_repeated_calls_change_nothing(deps):
    for _ in range(3):
        post(deps, "q1", "1001", "2026-11-20T09:00:00Z")
        answer(deps, "r1", "q1", "2026-11-20T09:30:00Z")
        call(deps, ADA, "2026-11-20T11:00:00Z")
    assert worth(deps)["AnsweredCustomers"] == 1 and worth(deps)["AnsweredCustomersCalled"] == 1


def test_open_windows_are_shown_and_the_cohort_is_published_once_they_have_all_closed(deps):
    post(deps, "q1", "1001", "2026-11-20T09:00:00Z")
    answer(deps, "r1", "q1", "2026-11-20T09:30:00Z")
    post(deps, "q2", "2002", "2026-11-20T20:00:00Z")
    call(deps, BOB, "2026-11-21T10:00:00Z")
    publisher = FakePublisher()
    early = worth(deps, now=at("2026-11-21T12:00:00Z"), publisher=publisher)  # a back-fill before Bob's closed
    assert early["AnswerWorthOpenWindows"] == 1 and early["UnansweredCustomersCalled"] == 1
    assert publisher.statistic_sets == []  # not final: nothing sent

    # The daily schedule of the 22nd rolls the 21st, and the cohort of the 20th again (its windows closed).
    result = roll_up_event({"period": "day", "time": "2026-11-22T00:20:00Z"}, CLOSED, deps.posts, publisher,
                           NoCalls)
    assert result.hour == "2026-11-21"
    assert deps.posts.rollups[DAY]["AnswerWorthOpenWindows"] == 0
    assert deps.posts.rollups[DAY]["Posts|Platform=facebook|Kind=comment"] == 3  # the rest of the day kept
    assert publisher.statistic_sets == [(f"{DAY}T00:00:00Z", {"AnsweredCustomersCalled": (0.0, 1.0),
                                                              "UnansweredCustomersCalled": (1.0, 1.0)})]
    again = FakePublisher()
    roll_up_event({"period": "day", "time": "2026-11-22T00:20:00Z"}, CLOSED, deps.posts, again, NoCalls)
    roll_up_day(DAY, deps.posts, NoCalls(), again, CLOSED)
    assert again.statistic_sets == []  # a re-run sends nothing twice


def test_a_day_past_the_facts_lifetime_keeps_the_figures_stored_when_it_was_rolled_up(deps):
    post(deps, "q1", "1001", "2026-11-20T09:00:00Z")
    stored = worth(deps)
    deps.posts.asked.clear()  # the facts expired (TTL)
    deps.posts.asked_in_batch.clear()
    later = datetime(2026, 12, 10, tzinfo=UTC)
    assert worth(deps, now=later) == stored
    assert worth(deps, now=CLOSED) == {"AnsweredCustomers": 0, "AnsweredCustomersCalled": 0,
                                       "UnansweredCustomers": 0, "UnansweredCustomersCalled": 0,
                                       "AnswerWorthOpenWindows": 0}


def test_the_lookup_notes_only_found_callers_whose_newest_post_is_at_most_24_hours_old(deps):
    post(deps, "q1", "1001", "2026-11-20T09:00:00Z")
    noted = []
    lookup = {"Details": {"ContactData": {"CustomerEndpoint": {"Address": ADA}}, "Parameters": {}}}
    unknown = {"Details": {"ContactData": {"CustomerEndpoint": {"Address": "+447700900123"}}, "Parameters": {}}}
    for event, when in ((lookup, "2026-11-21T09:00:00Z"), (lookup, "2026-11-21T09:00:01Z"),
                        (unknown, "2026-11-20T10:00:00Z")):
        lookup_contact(event, deps.cards.cards.get, now=at(when), lookback_days=7, default_region="GB",
                       record_call=lambda customer, moment: noted.append((customer, answer_worth.iso(moment))))
    assert noted == [("c-1", "2026-11-21T09:00:00Z")]

    def broken(customer, moment):
        raise OSError("the metrics table did not answer")

    found = lookup_contact(lookup, deps.cards.cards.get, now=at("2026-11-20T10:00:00Z"), lookback_days=7,
                           default_region="GB", record_call=broken)
    assert found["found"] == "true" and found["customer_id"] == "c-1"  # the caller still gets the answer


def test_the_facts_hold_no_customer_id_and_a_day_s_marker_differs_from_the_next():
    marker = answer_worth.marker(DAY, "c-1")
    assert "c-1" not in marker and marker != answer_worth.marker("2026-11-21", "c-1")
    assert answer_worth.asked_partition(DAY, marker) in answer_worth.asked_partitions(DAY)
    assert answer_worth.posted_time("2030-01-01T00:00:00Z", CLOSED) == "2026-11-22T00:20:00Z"  # future: now
    assert answer_worth.posted_time("2026-11-20T10:00:00+01:00", CLOSED) == "2026-11-20T09:00:00Z"


def test_at_most_two_published_families_without_dimensions_carry_the_figure():
    published = [metric for metric in catalogue.COHORT if metric.published]
    assert [metric.name for metric in published] == ["AnsweredCustomersCalled", "UnansweredCustomersCalled"]
    assert all(metric.dimensions == () and metric.samples in catalogue.BY_NAME for metric in published)
    assert catalogue.STATISTIC_SETS == {"AnsweredCustomersCalled": "AnsweredCustomers",
                                        "UnansweredCustomersCalled": "UnansweredCustomers"}


def test_a_batch_notes_each_customer_of_a_day_once_with_their_earliest_post_in_its_day_s_item(deps):
    from socialcrm.processing import Delivery, process_batch

    written = []
    record_sightings = deps.posts.record_sightings
    deps.posts.record_sightings = lambda batch, day, seen, expires_at, asked=None, asked_expires_at=None: (
        written.append((day, dict(asked or {}))), record_sightings(batch, day, seen, expires_at, asked))
    batch = [Delivery(a_post(p, user_id=u, created=t, text="Where is my refund"), f"m-{p}")
             for p, u, t in (("q2", "1001", "2026-11-20T15:00:00Z"), ("q1", "1001", "2026-11-20T09:00:00Z"),
                             ("q3", "2002", "2026-11-20T10:00:00Z"), ("q4", "1001", "2026-11-21T08:00:00Z"))]
    assert [r.status for r in process_batch(batch, deps)] == ["stored"] * 4
    assert sorted(written) == [  # one write per day, with the sightings: no request of its own
        (DAY, {"c-1": "2026-11-20T09:00:00Z", "c-2": "2026-11-20T10:00:00Z"}),
        ("2026-11-21", {"c-1": "2026-11-21T08:00:00Z"})]


def test_a_failed_cohort_note_fails_its_posts_and_their_retry_notes_them(deps):
    from socialcrm.processing import Delivery, process_batch

    record_sightings = deps.posts.record_sightings

    def unavailable_on_the_20th(batch, day, seen, expires_at, asked=None, asked_expires_at=None):
        if day == DAY:
            raise RuntimeError("throttled")
        record_sightings(batch, day, seen, expires_at, asked, asked_expires_at)

    deps.posts.record_sightings = unavailable_on_the_20th
    batch = [Delivery(a_post("q1", user_id="1001", created="2026-11-20T09:00:00Z"), "m-q1"),
             Delivery(a_post("s1", user_id="5555", created="2026-11-21T09:10:00Z"), "m-s1")]  # a stranger, next day
    results = process_batch(batch, deps)
    assert isinstance(results[0], RuntimeError) and results[1].status == "stored"
    assert worth(deps)["UnansweredCustomers"] == 0
    deps.posts.record_sightings = record_sightings
    assert process_batch(batch[:1], deps)[0].status == "stored"  # the message again: its post is finished
    assert worth(deps)["UnansweredCustomers"] == 1
    assert deps.posts.read_hour("2026-11-20T09:00:00Z")["Posts|Platform=facebook|Kind=comment"] == 1
    assert deps.posts.read_hour("2026-11-21T09:00:00Z")["Posts|Platform=facebook|Kind=comment"] == 1
