"""The loop closes: a sent reply comes back as the brand's own post, answers the customer's post once (response
time), shows on their card, and asks the contact centre to close the post's task."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from socialcrm.cards import customer_lookup_key
from socialcrm.engagement import Registry
from socialcrm.model import Author, CanonicalPost, PostKey, answered_push_id_for
from socialcrm.processing import process_post
from socialcrm.replies.model import Sender
from socialcrm.replies.policy import ReplyPolicy, reply_accounts
from socialcrm.replies.service import ReplyDeps, Submission, submit_reply
from tests.fakes import FakeReplyPublisher, FakeReplyStore

PAGE = "9999"
AGENT = Sender("arn:aws:sts::123456789012:assumed-role/SocialAgents/ada", "iam")


def customer_comment(post_id="cm-1", created="2026-11-20T09:00:00Z"):
    return CanonicalPost("facebook", post_id, "comment", Author("facebook", "1001", None, "Ada"),
                         "My order arrived broken", created, reply_to="page-post-1", source="meta", account=PAGE)


def loop(world):
    deps, _ = world
    store, publisher, echoes = FakeReplyStore(), FakeReplyPublisher("facebook"), []
    deps.registry = Registry.from_settings(f"facebook:{PAGE}", "", "", "")
    deps.replies = store
    deps.clock.moment = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    policy = ReplyPolicy(official=deps.registry.official, allowed=reply_accounts(f"facebook:{PAGE}"))
    replies = ReplyDeps(deps.posts, store, lambda _platform: publisher, policy, deps.clock, echo=echoes.append)
    return deps, replies, publisher, echoes


def test_our_reply_comes_back_as_our_post_and_is_the_first_official_answer(world):
    deps, replies, publisher, echoes = loop(world)
    process_post(customer_comment(), deps)
    before = deps.posts.read_hour("2026-11-20T09:00:00Z")
    deps.clock.moment = datetime(2026, 11, 20, 10, 31, 30, tzinfo=UTC)  # the platform published it at 10:31
    sent = submit_reply(Submission(PostKey("facebook", "cm-1"), "So sorry, Ada: a new one is on its way."), AGENT,
                        replies)
    [echo] = echoes
    assert publisher.calls == 1
    assert (echo.key, echo.reply_to, echo.author.user_id, echo.created_at) == (
        PostKey("facebook", sent.platform_id), "cm-1", PAGE, "2026-11-20T10:31:00Z")
    assert process_post(echo, deps).status == "stored"
    ours = deps.posts.get_state(echo.key)
    assert ours.author_role == "company" and ours.customer_id is None  # never a customer's post
    answered = deps.posts.get_state(PostKey("facebook", "cm-1"))
    assert answered.answered_at == "2026-11-20T10:31:00Z" and answered.answer_text == sent.text
    hour = deps.posts.read_hour("2026-11-20T09:00:00Z")
    assert hour["AnsweredPosts"] == 1 and hour["ResponseMinutes|Bucket=95"] == 1  # 91 minutes
    assert before["MatchedPosts|Platform=facebook"] == hour["MatchedPosts|Platform=facebook"] == 1
    assert hour.get("UnmatchedPosts|Platform=facebook", 0) == 0  # our reply is not a customer's (or anyone's) post
    assert deps.posts.read_hour("2026-11-20T10:00:00Z")["Replies|By=company"] == 1
    card = deps.cards.cards[customer_lookup_key("c-1")]
    [shown] = [p for p in card["posts"] if p["post_key"] == "facebook#cm-1"]
    assert (shown["answered_at"], shown["answer"]) == ("2026-11-20T10:31:00Z", sent.text)
    closing = deps.push_queue.pushes[-1]
    assert closing.push_id == answered_push_id_for(PostKey("facebook", "cm-1")) and closing.answered_at
    assert closing.customer_id == "c-1" and not closing.actionable and closing.text == ""


def test_the_platforms_own_echo_of_the_same_reply_changes_nothing(world):
    deps, replies, _, echoes = loop(world)
    process_post(customer_comment(), deps)
    submit_reply(Submission(PostKey("facebook", "cm-1"), "On its way"), AGENT, replies)
    [ours] = echoes
    process_post(ours, deps)
    counters, pushes = dict(deps.posts.counters), len(deps.push_queue.pushes)
    webhook_echo = replace(ours, source="meta", account=PAGE, author=Author("facebook", PAGE, None, "Acme"))
    assert process_post(webhook_echo, deps).status == "duplicate"
    assert dict(deps.posts.counters) == counters and len(deps.push_queue.pushes) == pushes


def test_an_echo_that_does_not_say_what_it_answers_is_matched_by_the_platforms_id(world):
    """X direct messages, say: the platform's id of what we published leads to the answered post."""
    deps, replies, _, echoes = loop(world)
    process_post(customer_comment(), deps)
    submit_reply(Submission(PostKey("facebook", "cm-1"), "On its way"), AGENT, replies)
    [ours] = echoes
    assert process_post(replace(ours, reply_to=None), deps).status == "stored"
    assert deps.posts.get_state(PostKey("facebook", "cm-1")).answered_at == ours.created_at


def test_a_post_by_someone_else_is_never_taken_for_our_reply(world):
    deps, replies, _, echoes = loop(world)
    process_post(customer_comment(), deps)
    submit_reply(Submission(PostKey("facebook", "cm-1"), "On its way"), AGENT, replies)
    [ours] = echoes
    impostor = replace(ours, author=Author("facebook", "6666", None, "Acme Support"), reply_to=None)
    process_post(impostor, deps)
    assert deps.posts.get_state(PostKey("facebook", "cm-1")).answered_at is None
    assert deps.posts.get_state(impostor.key).author_role != "company"


class NoTaskWindows:
    @staticmethod
    def forget(_customer_id: str) -> int:
        return 0


def erasure_of(deps, store):
    from socialcrm.erasure import ErasureDeps

    return ErasureDeps(deps.customers, deps.posts, deps.cards, NoTaskWindows(), deps.clock, deps.reviews, deps.codes,
                       "GB", replies=store)


def test_erasing_the_customer_erases_our_replies_to_them_and_the_posts_that_published_them(world):
    from socialcrm.erasure import erase

    deps, replies, _, echoes = loop(world)
    process_post(customer_comment(), deps)
    sent = submit_reply(Submission(PostKey("facebook", "cm-1"), "So sorry, Ada"), AGENT, replies)
    process_post(echoes[0], deps)
    other = customer_comment("cm-2")  # an unlinked stranger's post, answered too: not theirs to erase
    process_post(replace(other, author=Author("facebook", "7777", None, "Zed")), deps)
    kept = submit_reply(Submission(PostKey("facebook", "cm-2"), "Hello Zed"), AGENT, replies)
    receipt = erase({"customer_id": "c-1"}, erasure_of(deps, replies.store))
    assert receipt.counts["replies"] == 1
    assert replies.store.get(sent.reply_id) is None and replies.store.published(echoes[0].key) is None
    assert deps.posts.get_state(echoes[0].key) is None  # our post that said it
    assert replies.store.get(kept.reply_id) is not None


def test_erasing_an_identity_erases_the_replies_to_its_posts(world):
    from socialcrm.erasure import erase

    deps, replies, _, _ = loop(world)
    stranger = replace(customer_comment("cm-9"), author=Author("facebook", "7777", None, "Zed"))
    process_post(stranger, deps)
    sent = submit_reply(Submission(PostKey("facebook", "cm-9"), "Hello Zed"), AGENT, replies)
    assert sent.customer_id is None
    receipt = erase({"platform": "facebook", "user_id": "7777"}, erasure_of(deps, replies.store))
    assert receipt.counts["replies"] == 1 and replies.store.get(sent.reply_id) is None
