"""Answering a captured post as the brand: submit, approve, and the state of a post's replies (docs/replies.md).

Never twice: a reply record is claimed (a conditional write under the reply id) before anything is sent, and is
moved on only from the state last read. A request whose outcome is unknown (a timeout after sending) is never
sent again before the platform has been asked what we published; a platform that cannot be asked keeps the reply
`unknown` for a person to check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from socialcrm.errors import BadRequest, Conflict, Forbidden, NotFound, SocialCrmError
from socialcrm.model import Author, CanonicalPost, PostKey, utc_iso
from socialcrm.ports import PostsForReplies, ReplyStore
from socialcrm.replies.contract import (
    PUBLIC_KINDS,
    OutcomeUnknown,
    Published,
    PublishFailed,
    PublishRefused,
    ReplyKind,
    ReplyPublisher,
    ReplyTarget,
    TemplateMessage,
    WindowRule,
)
from socialcrm.replies.model import ReplyRecord, ReplyStatus, Sender, checked_reply_id, clean_text, derived_reply_id
from socialcrm.replies.policy import ReplyPolicy, WindowDecision, decide_window
from socialcrm.stored import StoredPost

# the post kinds that can be answered, and how
REPLY_KIND_OF_POST: dict[str, ReplyKind] = {"comment": "comment_reply", "post": "comment_reply",
                                            "mention": "mention_reply", "review": "review_reply",
                                            "message": "message"}


class PublisherUnavailable(SocialCrmError):
    """No publisher for this platform in this deployment (no credentials in the ReplySecret, or none exists)."""

    http_status = 422


PublisherFor = Callable[[str], ReplyPublisher]  # raises PublisherUnavailable


@dataclass
class ReplyDeps:
    posts: PostsForReplies
    store: ReplyStore
    publisher_for: PublisherFor
    policy: ReplyPolicy
    clock: Callable[[], datetime]
    retention_days: int = 365
    settle_seconds: int = 60  # after an unknown outcome, how long a platform may take to list what it published
    stale_sending_seconds: int = 300  # a record still `sending` after this was cut off mid-request: unknown
    # Our published reply handed to the pipeline as the brand's own post (the ingest queue): the loop closes even
    # where the platform sends no echo (WhatsApp, Meta's message echoes); a webhook echo is the same post key.
    echo: Callable[[CanonicalPost], None] | None = None


@dataclass(frozen=True)
class Submission:
    post_key: PostKey
    text: str
    reply_id: str | None = None  # supplied by the client; else derived (model.derived_reply_id)
    template: TemplateMessage | None = None


def submission_of(body: Mapping[str, Any]) -> Submission:
    """A submission from a JSON body: {"post_key", "text", "reply_id"?, "template"?: {"name", "language",
    "parameters"}}."""
    if not isinstance(body, Mapping):
        raise BadRequest("a reply is a JSON object")
    reply_id = body.get("reply_id")
    template = body.get("template")
    return Submission(PostKey.parse(body.get("post_key")), clean_text(body.get("text")),
                      checked_reply_id(reply_id) if reply_id is not None else None,
                      _template(template) if template is not None else None)


def _template(value: object) -> TemplateMessage:
    if not isinstance(value, Mapping):
        raise BadRequest("template: an object with name and language")
    name, language, parameters = value.get("name"), value.get("language"), value.get("parameters", [])
    if not isinstance(name, str) or not name or not isinstance(language, str) or not language:
        raise BadRequest("template: name and language are strings")
    if not isinstance(parameters, list) or not all(isinstance(p, str) for p in parameters) or len(parameters) > 20:
        raise BadRequest("template: parameters is a list of at most 20 strings")
    return TemplateMessage(name[:512], language[:32], tuple(p[:1024] for p in parameters))


def submit_reply(submission: Submission, sender: Sender, deps: ReplyDeps) -> ReplyRecord:
    """Answer a post: refused, held for approval, or sent (or its state, when this reply was submitted before)."""
    reply_id = submission.reply_id or derived_reply_id(submission.post_key, sender, submission.text)
    existing = deps.store.get(reply_id)
    if existing is not None:
        if existing.post_key != submission.post_key or existing.text != submission.text:
            raise Conflict("this reply id was used for another reply")
        return _resume(existing, deps)
    stored = deps.posts.get_state(submission.post_key)
    if stored is None:
        raise NotFound("no such post")
    now = utc_iso(deps.clock())
    record = _first_record(reply_id, stored, submission, sender, now, deps)
    if not deps.store.claim(record):  # another request claimed this id a moment ago: answer its state
        raced = deps.store.get(reply_id)
        if raced is None:
            raise Conflict("the reply is being written; ask again")
        return raced
    return _publish(record, deps) if record.status == "sending" else record


def approve_reply(reply_id: str, approver: Sender, deps: ReplyDeps) -> ReplyRecord:
    """A second person releases a held reply (approver != sender); it is checked again and sent."""
    record = deps.store.get(checked_reply_id(reply_id))
    if record is None:
        raise NotFound("no such reply")
    if record.status != "held":
        return _resume(record, deps)
    if approver.label == record.sender or approver.principal == record.sender.partition(":")[2]:
        raise Forbidden("a reply is approved by someone other than its sender")
    now = utc_iso(deps.clock())
    stored = deps.posts.get_state(record.post_key)
    refusal, window = _refusal(record.target, stored, record.template, deps) if stored else ("the post is gone", None)
    if refusal is not None:
        after = record.moved("refused", now, reason=refusal, approved_by=approver.label, approved_at=now)
        return after if deps.store.replace(record, after) else _current(reply_id, deps)
    after = record.moved("sending", now, reason="", approved_by=approver.label, approved_at=now,
                         message_tag=window.message_tag if window else None)
    if not deps.store.replace(record, after):
        return _current(reply_id, deps)
    return _publish(after, deps)


def replies_for_post(post_key: PostKey, deps: ReplyDeps) -> list[ReplyRecord]:
    return deps.store.for_post(post_key)


def reply_state(reply_id: str, deps: ReplyDeps) -> ReplyRecord:
    record = deps.store.get(checked_reply_id(reply_id))
    if record is None:
        raise NotFound("no such reply")
    return record


@dataclass(frozen=True)
class Outlook:
    """What the page shows before a reply is written: may this post be answered now, and the window that applies."""

    kind: ReplyKind | None  # None: it cannot be answered at all (`refusal` says why)
    refusal: str | None  # why a reply would be refused now
    window: WindowDecision | None  # messages only: open until when, with which tag
    template_outside: bool = False  # past the window only an approved template may go (WhatsApp)
    needs_approval: bool = False  # every public reply waits for a second person (ReplyApproval=public)


def reply_outlook(post_key: PostKey, deps: ReplyDeps) -> Outlook:
    """The sending gates for this post as they stand now, without a reply (the page shows them)."""
    stored = deps.posts.get_state(post_key)
    if stored is None:
        return Outlook(None, "we no longer hold this post", None)
    target = target_of(stored)
    if isinstance(target, str):
        return Outlook(None, target, None)
    refusal, window, rule = _gates(target, stored, None, deps)
    return Outlook(target.kind, refusal, window, bool(rule and rule.template_outside),
                   target.kind in PUBLIC_KINDS and deps.policy.approval == "public")


def target_of(stored: StoredPost) -> ReplyTarget | str:
    """Where an answer to this post goes, or why it cannot be answered."""
    kind = REPLY_KIND_OF_POST.get(stored.kind)
    if kind is None:
        return f"a {stored.kind} cannot be answered"
    if stored.author_role == "company":
        return "this post is our own"
    if not stored.account:
        return "we do not know which of our accounts received this post, so none may answer it"
    if kind == "message" and not stored.author_user_id:
        return "the platform did not say who sent this message, so it cannot be answered"
    return ReplyTarget(stored.platform, kind, stored.key.post_id, stored.account,
                       recipient=stored.author_user_id if kind == "message" else None, conversation=stored.thread)


def _first_record(reply_id: str, stored: StoredPost, submission: Submission, sender: Sender, now: str,
                  deps: ReplyDeps) -> ReplyRecord:
    target = target_of(stored)
    expires = _expiry(stored, deps)
    if isinstance(target, str):
        placeholder = ReplyTarget(stored.platform, "comment_reply", stored.key.post_id, stored.account or "")
        return ReplyRecord(reply_id, stored.key, placeholder, submission.text, "refused", sender.label, now, now,
                           reason=target, customer_id=stored.customer_id, template=submission.template,
                           expires_at=expires)
    record = ReplyRecord(reply_id, stored.key, target, submission.text, "sending", sender.label, now, now,
                         customer_id=stored.customer_id, template=submission.template, expires_at=expires)
    return _checked(record, stored, now, deps)


def _checked(record: ReplyRecord, stored: StoredPost, now: str, deps: ReplyDeps) -> ReplyRecord:
    """The record as the policy has it now: refused, held, or ready to send (`sending`).

    Gates in order: who speaks (an official, allowed account: refused otherwise); then approval (held, whatever
    else); then sending (a publisher for the platform and kind, the messaging window), checked when the reply would
    go: now, or when it is approved (the window may have closed by then)."""
    refusal = deps.policy.account_refusal(record.target)
    if refusal is not None:
        return record.moved("refused", now, reason=refusal)
    holds = deps.policy.holds(record.target.kind, record.text)
    if holds:
        return record.moved("held", now, reason="; ".join(holds))
    refusal, window = _refusal(record.target, stored, record.template, deps)
    if refusal is not None:
        return record.moved("refused", now, reason=refusal)
    return record.moved("sending", now, reason="", message_tag=window.message_tag if window else None)


def _refusal(target: ReplyTarget, stored: StoredPost, template: TemplateMessage | None,
             deps: ReplyDeps) -> tuple[str | None, WindowDecision | None]:
    refusal, window, _rule = _gates(target, stored, template, deps)
    return refusal, window


def _gates(target: ReplyTarget, stored: StoredPost, template: TemplateMessage | None,
           deps: ReplyDeps) -> tuple[str | None, WindowDecision | None, WindowRule | None]:
    """Why a reply would be refused now, the window decision and the platform's window rule (messages only;
    the publisher is asked for its rule once)."""
    refusal = deps.policy.account_refusal(target)
    if refusal is not None:
        return refusal, None, None
    try:
        publisher = deps.publisher_for(target.platform)
    except PublisherUnavailable as error:
        return error.message, None, None
    if target.kind not in publisher.capabilities.kinds:
        return f"{target.platform} replies of kind {target.kind} cannot be published", None, None
    if target.kind != "message":
        return None, None, None
    last = deps.posts.last_post_at(stored.author_key) if stored.author_key else None
    last = max(filter(None, (last, stored.created_at)))
    rule = publisher.window(target)
    window = decide_window(rule, target.platform, last, deps.clock(), deps.policy.tag_platforms, template)
    return window.refusal, window, rule


def _expiry(stored: StoredPost, deps: ReplyDeps) -> int:
    created = datetime.fromisoformat(stored.created_at.replace("Z", "+00:00"))
    return int((created + timedelta(days=deps.retention_days)).timestamp())


def _resume(record: ReplyRecord, deps: ReplyDeps) -> ReplyRecord:
    """A resubmission: answer the state, and go on only where that can never publish twice."""
    now = deps.clock()
    if record.status in ("sent", "held"):
        return record
    if record.status == "refused":  # nothing was published: the policy may allow it now (an account added)
        stored = deps.posts.get_state(record.post_key)
        target = target_of(stored) if stored is not None else "the post is gone"
        if stored is None or isinstance(target, str):
            return record
        after = _checked(replace(record, target=target), stored, utc_iso(now), deps)
        if after.status == "refused":
            return record
        if not deps.store.replace(record, after):
            return _current(record.reply_id, deps)
        return _publish(after, deps) if after.status == "sending" else after
    if record.status == "failed":  # the platform said nothing was published
        after = record.moved("sending", utc_iso(now), reason="")
        return _publish(after, deps) if deps.store.replace(record, after) else _current(record.reply_id, deps)
    if record.status == "sending" and _age(record, now) < deps.stale_sending_seconds:
        return record  # another request is sending it now
    return _settle(record, deps)


def _settle(record: ReplyRecord, deps: ReplyDeps) -> ReplyRecord:
    """An unknown outcome (or a send cut off mid-request): ask the platform before anything else."""
    now = deps.clock()
    try:
        publisher = deps.publisher_for(record.target.platform)
    except PublisherUnavailable as error:
        return record.moved(record.status, record.updated_at, reason=error.message)
    if not publisher.capabilities.can_find_published:
        reason = (f"{record.target.platform} may have published this reply and cannot be asked: it is not sent "
                  "again; look on the platform")
        return _moved_or_current(record, record.moved("unknown", record.updated_at, reason=reason), deps)
    try:
        found = publisher.find_published(record.request)
    except (PublishFailed, PublishRefused, OutcomeUnknown) as error:
        reason = f"could not ask {record.target.platform} what was published ({_why(error)}): try again later"
        return _moved_or_current(record, record.moved("unknown", record.updated_at, reason=reason), deps)
    if found is not None:
        return _mark_sent(record, found, deps)
    if _age(record, now) < deps.settle_seconds:
        reason = f"{record.target.platform} does not show this reply yet: ask again in a minute (it is not resent)"
        return _moved_or_current(record, record.moved("unknown", record.updated_at, reason=reason), deps)
    after = record.moved("sending", utc_iso(now), reason="")
    return _publish(after, deps) if deps.store.replace(record, after) else _current(record.reply_id, deps)


def _publish(record: ReplyRecord, deps: ReplyDeps) -> ReplyRecord:
    """Send a claimed (`sending`) record once and record what came of it."""
    status: ReplyStatus
    try:
        published = deps.publisher_for(record.target.platform).publish(record.request)
    except PublishRefused as error:
        status, reason = "refused", error.reason
    except PublishFailed as error:
        status, reason = "failed", error.reason
    except OutcomeUnknown as error:
        status, reason = "unknown", f"the platform may have published it ({_why(error)}): it will be checked first"
    except PublisherUnavailable as error:
        status, reason = "failed", error.message
    except Exception:  # a publisher's own bug after sending may still have published
        status, reason = "unknown", "an unexpected error while sending: it will be checked before any resend"
    else:
        return _mark_sent(record, published, deps)
    return _moved_or_current(record, record.moved(status, utc_iso(deps.clock()), reason=reason), deps)


ECHO_KINDS = {"comment_reply": "comment", "mention_reply": "comment", "review_reply": "comment", "message": "message"}


def echo_of(record: ReplyRecord) -> CanonicalPost:
    """A sent reply as the brand's own post: by our account, replying to the answered post."""
    target = record.target
    return CanonicalPost(platform=target.platform, post_id=record.platform_id or "", kind=ECHO_KINDS[target.kind],
                         author=Author(target.platform, target.account), text=record.text,
                         created_at=record.published_at or record.updated_at, reply_to=target.post_id,
                         source="reply", account=target.account, thread=target.conversation)


def _mark_sent(record: ReplyRecord, published: Published, deps: ReplyDeps) -> ReplyRecord:
    sent = record.moved("sent", utc_iso(deps.clock()), reason=published.note, platform_id=published.platform_id,
                        published_at=published.published_at)
    if not deps.store.replace(record, sent):
        return _current(record.reply_id, deps)
    if deps.echo is not None:
        deps.echo(echo_of(sent))
    return sent


def _moved_or_current(before: ReplyRecord, after: ReplyRecord, deps: ReplyDeps) -> ReplyRecord:
    if after == before:
        return after
    return after if deps.store.replace(before, after) else _current(before.reply_id, deps)


def _current(reply_id: str, deps: ReplyDeps) -> ReplyRecord:
    record = deps.store.get(reply_id)
    if record is None:
        raise NotFound("no such reply")
    return record


def _age(record: ReplyRecord, now: datetime) -> float:
    return (now - datetime.fromisoformat(record.updated_at.replace("Z", "+00:00"))).total_seconds()


def _why(error: Exception) -> str:
    return str(getattr(error, "reason", "") or type(error).__name__)[:200]
