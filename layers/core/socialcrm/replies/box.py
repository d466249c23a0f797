"""The screen-pop page's reply box, answered by ReplyFunction (docs/replies.md, "The page").

AgentPageFunction checks a form (signed link, CSRF token, origin: socialcrm.reply_page) and then invokes
ReplyFunction with one of these requests (Lambda Invoke; only the page's role may, besides administrators):

    {"reply_box": "show", "post_key": "<platform>#<id>"}
    {"reply_box": "submit", "post_key": ..., "form": {"agent", "text", "reply_id", "template_name"?,
                                                       "template_language"?}}

The answer: {"outlook": what may be sent now (reply_outlook), "replies": the post's replies, "result": the
submitted reply's state or None, "error": why the submission was not taken or None}, read after the submission.
The page renders it (socialcrm.reply_page.BoxView), so the publishing, its policy and its libraries stay here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from socialcrm.errors import BadRequest, SocialCrmError
from socialcrm.model import PostKey
from socialcrm.replies.contract import TemplateMessage
from socialcrm.replies.model import Sender, checked_reply_id, clean_text
from socialcrm.replies.service import Outlook, ReplyDeps, Submission, replies_for_post, reply_outlook, submit_reply
from socialcrm.reply_page import agent_of

BOX = "reply_box"  # the key that marks a request from the page (an HTTP API event has a routeKey instead)


def is_box_request(event: object) -> bool:
    return isinstance(event, Mapping) and BOX in event and "routeKey" not in event


def submission_from(fields: Mapping[str, Any], post_key: PostKey) -> Submission:
    """The use case's Submission from the form's fields."""
    template = None
    name, language = _text(fields, "template_name").strip(), _text(fields, "template_language").strip()
    if name or language:
        if not name or not language:
            raise BadRequest("a template needs its name and language")
        parameters = tuple(line.strip()[:1024] for line in _text(fields, "text").splitlines() if line.strip())[:20]
        template = TemplateMessage(name[:512], language[:32], parameters)
        text = clean_text(f"[template {name[:512]}] " + " | ".join(parameters))
    else:
        text = clean_text(fields.get("text"))
    return Submission(post_key, text, checked_reply_id(fields.get("reply_id")), template)


def _text(fields: Mapping[str, Any], name: str) -> str:
    value = fields.get(name, "")
    if not isinstance(value, str):
        raise BadRequest(f"{name} is text")
    return value


def outlook_json(outlook: Outlook) -> dict[str, Any]:
    window = outlook.window
    return {"kind": outlook.kind, "refusal": outlook.refusal,
            "window": None if window is None else {"open_until": window.open_until,
                                                   "message_tag": window.message_tag, "refusal": window.refusal},
            "template_outside": outlook.template_outside, "needs_approval": outlook.needs_approval}


def answer_box(request: Mapping[str, Any], deps: ReplyDeps) -> dict[str, Any]:
    """The reply box for one post, after submitting the page's form when the request is a submission. A refused
    submission is an answer (its `error`); a malformed request raises BadRequest."""
    post_key = PostKey.parse(request.get("post_key"))
    result: dict[str, Any] | None = None
    error: str | None = None
    action = request.get(BOX)
    if action == "submit":
        form = request.get("form")
        if not isinstance(form, Mapping):
            raise BadRequest("a submission carries its form")
        try:
            sender = Sender(agent_of(form.get("agent")), "page")
            result = submit_reply(submission_from(form, post_key), sender, deps).summary()
        except SocialCrmError as refused:
            if refused.http_status >= 500:
                raise
            error = refused.message
    elif action != "show":
        raise BadRequest("a reply box request is show or submit")
    return {"outlook": outlook_json(reply_outlook(post_key, deps)),
            "replies": [record.summary() for record in replies_for_post(post_key, deps)],
            "result": result, "error": error}
