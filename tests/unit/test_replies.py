"""The reply use case with in-memory fakes: published once, governed, inside the messaging windows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from socialcrm.errors import BadRequest, Conflict, Forbidden, NotFound
from socialcrm.model import PostKey
from socialcrm.replies.contract import TemplateMessage, WindowRule
from socialcrm.replies.model import Sender, derived_reply_id
from socialcrm.replies.policy import ReplyPolicy, luhn_valid, reply_accounts, sensitive_content
from socialcrm.replies.service import (
    PublisherUnavailable,
    ReplyDeps,
    Submission,
    approve_reply,
    replies_for_post,
    submission_of,
    submit_reply,
    target_of,
)
from socialcrm.stored import StoredPost
from tests.fakes import FakePosts, FakeReplyPublisher, FakeReplyStore, FixedClock

ACCOUNT = "17841400000000001"
AGENT = Sender("arn:aws:sts::123456789012:assumed-role/Agents/ada", "iam")
SUPERVISOR = Sender("arn:aws:sts::123456789012:assumed-role/Supervisors/grace", "iam")
COMMENT = PostKey("instagram", "c-100")
MESSAGE = PostKey("instagram", "m-200")
POLICY = ReplyPolicy(official=frozenset({f"id:instagram:{ACCOUNT}"}), allowed=reply_accounts(f"instagram:{ACCOUNT}"),
                     phone_region="GB")
META_WINDOW = WindowRule(timedelta(hours=24), tag="HUMAN_AGENT", tagged=timedelta(days=7))
WHATSAPP_WINDOW = WindowRule(timedelta(hours=24), template_outside=True)


class World:
    def __init__(self, publisher: FakeReplyPublisher | None = None, policy: ReplyPolicy = POLICY) -> None:
        self.posts = FakePosts()
        self.store = FakeReplyStore()
        self.publisher = publisher or FakeReplyPublisher()
        self.clock = FixedClock(datetime(2026, 11, 20, 10, 30, tzinfo=UTC))
        self.deps = ReplyDeps(self.posts, self.store, self.publisher_for, policy, self.clock)
        for key, kind in ((COMMENT, "comment"), (MESSAGE, "message")):
            self.posts.items[key.text] = StoredPost(
                key, kind, "2026-11-20T10:00:00Z", text="Where is my parcel?", customer_id="cust-1",
                author_key="id:instagram:9001", author_user_id="9001", account=ACCOUNT)

    def publisher_for(self, platform: str) -> FakeReplyPublisher:
        if platform != self.publisher.platform:
            raise PublisherUnavailable(f"replies to {platform} are not set up")
        return self.publisher

    def later(self, seconds: float) -> None:
        self.clock.moment += timedelta(seconds=seconds)


def submit(world: World, key: PostKey = COMMENT, text: str = "Sorry! We are on it.", sender: Sender = AGENT,
           **extra):
    return submit_reply(Submission(key, text, **extra), sender, world.deps)


def test_a_reply_is_published_as_our_account_and_recorded_with_who_sent_it():
    world = World()
    record = submit(world)
    assert record.status == "sent" and record.platform_id == "instagram-1"
    assert record.sender == f"iam:{AGENT.principal}" and record.submitted_at == "2026-11-20T10:30:00Z"
    assert record.post_key == COMMENT and record.customer_id == "cust-1"
    [(_, request)] = world.publisher.published
    assert (request.target.kind, request.target.post_id, request.target.account) == ("comment_reply", "c-100", ACCOUNT)
    assert world.store.get(record.reply_id) == record
    assert replies_for_post(COMMENT, world.deps) == [record]


def test_submitting_the_same_answer_twice_publishes_it_once():
    world = World()
    first, second = submit(world), submit(world)
    assert first == second and world.publisher.calls == 1


def test_a_timeout_after_the_platform_took_the_reply_is_settled_by_asking_never_by_sending_again():
    world = World(FakeReplyPublisher(outcomes=["timeout-after"]))
    first = submit(world)
    assert first.status == "unknown" and "checked first" in first.reason
    world.later(5)
    second = submit(world)
    assert second.status == "sent" and second.platform_id == "instagram-1"
    assert world.publisher.calls == 1 and world.publisher.finds == 1 and len(world.publisher.published) == 1


def test_a_request_that_never_arrived_is_sent_again_only_after_the_platform_had_time_to_show_it():
    world = World(FakeReplyPublisher(outcomes=["timeout-before"]))
    assert submit(world).status == "unknown"
    world.later(10)
    early = submit(world)
    assert early.status == "unknown" and "ask again" in early.reason and world.publisher.calls == 1
    world.later(60)
    assert submit(world).status == "sent"
    assert world.publisher.calls == 2 and len(world.publisher.published) == 1


def test_a_platform_that_cannot_be_asked_keeps_the_reply_unknown_and_never_resends_it():
    world = World(FakeReplyPublisher(can_find=False, outcomes=["timeout-after"]))
    submit(world)
    world.later(3600)
    again = submit(world)
    assert again.status == "unknown" and "cannot be asked" in again.reason
    assert world.publisher.calls == 1 and world.publisher.finds == 0


def test_a_send_cut_off_mid_request_is_left_to_its_sender_then_settled_by_asking():
    world = World()
    reply_id = derived_reply_id(COMMENT, AGENT, "Sorry! We are on it.")
    submit(world)
    stuck = replace(world.store.get(reply_id), status="sending", platform_id=None)  # the Lambda died mid-request
    world.store.records[reply_id] = stuck
    assert submit(world) == stuck  # fresh: another request may be sending it right now
    world.later(600)
    settled = submit(world)
    assert settled.status == "sent" and world.publisher.calls == 1 and world.publisher.finds == 1


def test_a_failure_the_platform_reports_is_sent_again_on_resubmission():
    world = World(FakeReplyPublisher(outcomes=["failed"]))
    failed = submit(world)
    assert failed.status == "failed" and "503" in failed.reason
    assert submit(world).status == "sent" and world.publisher.calls == 2 and len(world.publisher.published) == 1


def test_a_platform_refusal_is_recorded_with_its_reason():
    world = World(FakeReplyPublisher(outcomes=["refused"]))
    refused = submit(world)
    assert (refused.status, refused.reason) == ("refused", "the platform refused it")


def test_a_reply_id_given_by_the_client_is_the_idempotency_key():
    world = World()
    first = submit(world, reply_id="page-0001-abcd")
    assert first.reply_id == "page-0001-abcd"
    assert submit(world, reply_id="page-0001-abcd") == first
    with pytest.raises(Conflict):
        submit(world, text="Something else", reply_id="page-0001-abcd")
    assert world.publisher.calls == 1


def test_two_agents_sending_the_same_words_are_two_replies():
    world = World()
    assert submit(world).reply_id != submit(world, sender=SUPERVISOR).reply_id


# -- approval ---------------------------------------------------------------------------------------------------
def test_public_replies_wait_for_a_second_person_when_the_policy_says_so():
    world = World(policy=replace(POLICY, approval="public"))
    held = submit(world)
    assert held.status == "held" and "second person's approval" in held.reason and world.publisher.calls == 0
    with pytest.raises(Forbidden):
        approve_reply(held.reply_id, AGENT, world.deps)
    with pytest.raises(Forbidden):  # the same person through the page is still the same person
        approve_reply(held.reply_id, Sender(AGENT.principal, "page"), world.deps)
    world.later(120)
    approved = approve_reply(held.reply_id, SUPERVISOR, world.deps)
    assert approved.status == "sent" and approved.approved_by == f"iam:{SUPERVISOR.principal}"
    assert approved.approved_at == "2026-11-20T10:32:00Z" and approved.sender == f"iam:{AGENT.principal}"
    assert approve_reply(held.reply_id, SUPERVISOR, world.deps) == approved and world.publisher.calls == 1


def test_without_the_approval_rule_a_public_reply_goes_at_once():
    assert submit(World()).status == "sent"


def test_messages_do_not_wait_for_approval():
    world = World(FakeReplyPublisher(window=META_WINDOW), policy=replace(POLICY, approval="public"))
    assert submit(world, MESSAGE, "Call us on 020 7946 0958").status == "sent"


@pytest.mark.parametrize(("text", "why"), [
    ("Call us on 020 7946 0958", "a phone number"),
    ("Write to ada.lovelace@example.com", "an email address"),
    ("Your card 4111 1111 1111 1111 was refunded", "a card-like number"),
])
def test_a_public_reply_with_personal_details_is_held_with_the_reason(text, why):
    world = World()
    held = submit(world, text=text)
    assert held.status == "held" and why in held.reason and world.publisher.calls == 0
    assert approve_reply(held.reply_id, SUPERVISOR, world.deps).status == "sent"


def test_ordinary_numbers_are_not_held():
    assert sensitive_content("Order 12345 ships in 2 days; 1234 5678 9012 3456 is not a card", "GB") == []
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")


# -- accounts ----------------------------------------------------------------------------------------------------
def test_nothing_is_published_as_an_account_that_is_not_official():
    world = World(policy=replace(POLICY, official=frozenset()))
    refused = submit(world)
    assert refused.status == "refused" and "OfficialAccounts" in refused.reason and world.publisher.calls == 0


def test_an_official_account_not_allowed_to_reply_is_refused_until_it_is():
    world = World(policy=replace(POLICY, allowed=frozenset()))
    refused = submit(world)
    assert refused.status == "refused" and "ReplyAccounts" in refused.reason
    world.deps.policy = POLICY  # the operator allows it: the same reply may now go
    assert submit(world).status == "sent" and world.publisher.calls == 1


def test_a_platform_without_a_publisher_is_refused_clearly():
    world = World(FakeReplyPublisher(platform="facebook"))
    refused = submit(world)
    assert refused.status == "refused" and "not set up" in refused.reason


def test_a_kind_the_platform_cannot_publish_is_refused():
    world = World(FakeReplyPublisher(kinds=("message",)))
    assert "cannot be published" in submit(world).reason


def test_posts_that_cannot_be_answered_say_why():
    base = StoredPost(COMMENT, "comment", "2026-11-20T10:00:00Z", account=ACCOUNT, author_user_id="9001")
    assert "accounts received" in target_of(replace(base, account=None))
    assert target_of(replace(base, author_role="company")) == "this post is our own"
    assert "who sent" in target_of(replace(base, kind="message", author_user_id=None))
    assert "cannot be answered" in target_of(replace(base, kind="reaction"))
    message = target_of(replace(base, kind="message", thread="t-1"))
    assert not isinstance(message, str) and (message.recipient, message.conversation) == ("9001", "t-1")


def test_an_unknown_post_is_not_found():
    with pytest.raises(NotFound):
        submit(World(), PostKey("instagram", "nope"))


# -- messaging windows ------------------------------------------------------------------------------------------
def test_a_message_inside_the_window_is_sent():
    world = World(FakeReplyPublisher(window=META_WINDOW))
    sent = submit(world, MESSAGE)
    assert sent.status == "sent" and sent.message_tag is None
    [(_, request)] = world.publisher.published
    assert (request.target.kind, request.target.recipient) == ("message", "9001")


def test_a_message_after_the_window_closed_is_refused_with_when_it_closed():
    world = World(FakeReplyPublisher(window=META_WINDOW))
    world.later(25 * 3600)
    refused = submit(world, MESSAGE)
    assert refused.status == "refused" and "closed at 2026-11-21T10:00:00Z" in refused.reason
    assert world.publisher.calls == 0


def test_the_customers_later_message_keeps_the_window_open():
    world = World(FakeReplyPublisher(window=META_WINDOW))
    world.posts.items["instagram#m-201"] = StoredPost(PostKey("instagram", "m-201"), "message", "2026-11-21T09:00:00Z",
                                                      author_key="id:instagram:9001")
    world.later(25 * 3600)
    assert submit(world, MESSAGE).status == "sent"


def test_the_human_agent_tag_is_used_where_this_app_may_use_it():
    policy = replace(POLICY, tag_platforms=frozenset({"instagram"}))
    world = World(FakeReplyPublisher(window=META_WINDOW), policy=policy)
    world.later(3 * 86400)
    sent = submit(world, MESSAGE)
    assert sent.status == "sent" and sent.message_tag == "HUMAN_AGENT"
    assert world.publisher.published[0][1].message_tag == "HUMAN_AGENT"
    world.later(5 * 86400)
    late = submit(world, MESSAGE, "Still there?")
    assert late.status == "refused" and "HUMAN_AGENT tag's 7 days have passed" in late.reason


def test_outside_the_whatsapp_window_only_a_template_goes():
    world = World(FakeReplyPublisher(window=WHATSAPP_WINDOW))
    world.later(2 * 86400)
    refused = submit(world, MESSAGE)
    assert refused.status == "refused" and "only an approved template" in refused.reason
    template = TemplateMessage("order_update", "en_GB", ("A-1",))
    sent = submit(world, MESSAGE, "Your order update", template=template)
    assert sent.status == "sent" and world.publisher.published[0][1].template == template


# -- input -------------------------------------------------------------------------------------------------------
def test_a_submission_is_read_from_json_and_checked():
    submission = submission_of({"post_key": "instagram#c-100", "text": "  Hello\u0000 there ", "reply_id": "abcd1234"})
    assert (submission.post_key, submission.text, submission.reply_id) == (COMMENT, "Hello there", "abcd1234")
    for bad in ({"post_key": "instagram#c-100", "text": "   "}, {"post_key": "nope", "text": "hi"},
                {"post_key": "instagram#c-100", "text": "hi", "reply_id": "a b"},
                {"post_key": "instagram#c-100", "text": "x" * 4001},
                {"post_key": "instagram#c-100", "text": "hi", "template": {"name": 3}}, []):
        with pytest.raises(BadRequest):
            submission_of(bad)


def test_a_reply_needs_an_authenticated_sender():
    with pytest.raises(BadRequest):
        Sender("", "iam")


def test_approval_comes_before_sending_and_sending_is_checked_again_when_approved():
    world = World(FakeReplyPublisher(platform="facebook"))  # no publisher for instagram here
    held = submit(world, text="Write to ada.lovelace@example.com")
    assert held.status == "held"
    refused = approve_reply(held.reply_id, SUPERVISOR, world.deps)
    assert refused.status == "refused" and "not set up" in refused.reason
    assert refused.approved_by == f"iam:{SUPERVISOR.principal}" and world.publisher.calls == 0
