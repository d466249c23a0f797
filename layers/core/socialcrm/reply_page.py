"""The reply box of the screen-pop page: a plain HTML form (no script), guarded against cross-site requests.

The form posts back to the page's own path. What makes a POST ours (docs/replies.md, "The page"):
- the signed screen-pop link (exp, sig) travels in the form and must still be valid;
- a CSRF token, HMAC-SHA256 under a key derived from the ScreenPopSecret's signing key, over the path, the link's
  expiry and signature, and the answered post's key: it is good only for that link and that post, until the link
  expires, and is compared with hmac.compare_digest;
- a browser's Sec-Fetch-Site must say same-origin and an Origin header (when it is not "null": the page's
  no-referrer policy makes a browser send "null" on its own POSTs) must be the page's host.
No cookie is involved, so nothing ambient rides along with a forged request (SameSite has nothing to guard).

The agent names themselves in the form (their Connect login, prefilled from the link's `agent` parameter when the
agent workspace adds it); the record keeps `page:<agent>`. That name is as good as the link's holder: see
docs/replies.md for what is and is not verified.

Publishing is ReplyFunction's: a checked form is handed to it over Lambda Invoke and the box is drawn from its
answer (socialcrm.replies.box), so the page imports nothing of the reply use case nor its libraries.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from socialcrm.errors import BadRequest, Forbidden
from socialcrm.model import PostKey
from socialcrm.screen_pop import link_is_valid

_TOKEN = re.compile(r"[0-9a-f]{64}")
AGENT_LOGIN = re.compile(r"[A-Za-z0-9._@+-]{1,64}")
MAX_FORM_BYTES = 32 * 1024
CSRF_CONTEXT = b"socialcrm screen-pop reply form v1"
STATUS_LABELS = {"held": "Held for approval", "sending": "Sending", "sent": "Sent", "failed": "Failed",
                 "unknown": "Outcome unknown", "refused": "Refused"}
KIND_LABELS = {"comment_reply": "a public reply to the comment", "mention_reply": "a public reply to the mention",
               "review_reply": "the public reply to the review", "message": "a private message"}


@dataclass(frozen=True)
class Link:
    """The signed screen-pop link the page was opened with."""

    path: str
    expires: str
    signature: str
    agent: str = ""  # the agent's login, when the agent workspace put it on the link (a hint, not a proof)

    def query(self, **extra: str) -> str:
        agent = {"agent": self.agent} if self.agent else {}
        return urlencode({"exp": self.expires, "sig": self.signature, **agent, **extra})


def _form_key(key: bytes) -> bytes:
    return hmac.new(key, CSRF_CONTEXT, hashlib.sha256).digest()  # not the link key itself: another purpose


def csrf_token(key: bytes, link: Link, post_key: str) -> str:
    message = f"POST\n{link.path}\n{link.expires}\n{link.signature}\n{post_key}".encode()
    return hmac.new(_form_key(key), message, hashlib.sha256).hexdigest()


def csrf_is_valid(token: object, link: Link, post_key: str, keys: tuple[bytes, ...], now: int) -> bool:
    """The link is signed and unexpired, and the token was issued for it and this post (every key compared)."""
    if not link_is_valid(link.path, link.expires, link.signature, keys, now):
        return False
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        return False
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(token.encode(), csrf_token(key, link, post_key).encode())
    return matched


def same_origin(headers: Mapping[str, Any]) -> bool:
    """Refuse what a browser says came from elsewhere (the token is the main guard; this is a second one)."""
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    fetch_site = lowered.get("sec-fetch-site")
    if fetch_site is not None and fetch_site != "same-origin":
        return False
    origin = lowered.get("origin")
    if origin is None or origin == "null":
        return True
    return urlsplit(origin).netloc.lower() == lowered.get("host", "").lower()


def form_fields(event: Mapping[str, Any]) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (each field once); BadRequest for anything else."""
    raw = event.get("body") or ""
    if not isinstance(raw, str) or len(raw) > MAX_FORM_BYTES * 2:
        raise BadRequest("the form is too large")
    try:
        text = base64.b64decode(raw, validate=True).decode() if event.get("isBase64Encoded") else raw
    except (binascii.Error, UnicodeDecodeError):
        raise BadRequest("the form is not text") from None
    if len(text.encode()) > MAX_FORM_BYTES:
        raise BadRequest("the form is too large")
    fields: dict[str, str] = {}
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=20)
    except ValueError:
        raise BadRequest("the form is not a form") from None
    for name, value in pairs:
        if name in fields:
            raise BadRequest(f"the form has {name} twice")
        fields[name] = value
    return fields


def agent_of(value: object) -> str:
    if not isinstance(value, str) or not AGENT_LOGIN.fullmatch(value.strip()):
        raise BadRequest("your agent login: 1 to 64 letters, digits or . _ @ + -")
    return value.strip()


def new_reply_id() -> str:
    return "p-" + secrets.token_hex(16)


def checked_form(fields: Mapping[str, str], headers: Mapping[str, Any], path: str, keys: tuple[bytes, ...],
                 now: int) -> tuple[Link, PostKey]:
    """The link and post of a form that is ours; Forbidden otherwise."""
    if not same_origin(headers):
        raise Forbidden("this form was sent from another site")
    link = Link(path, fields.get("exp", ""), fields.get("sig", ""))
    post = fields.get("post", "")
    if not csrf_is_valid(fields.get("csrf"), link, post, keys, now):
        raise Forbidden("this form has expired or was not issued for this post")
    return link, PostKey.parse(post)


def _when(stamp: str) -> str:
    from socialcrm.agent_page import when

    return when(stamp) or stamp


@dataclass(frozen=True)
class BoxView:
    """ReplyFunction's answer for a post's reply box (socialcrm.replies.box): what may be sent now, the window
    that applies (messages), the post's replies and, after a submission, its state or why it was not taken."""

    kind: str | None  # None: the post cannot be answered at all (`refusal` says why)
    refusal: str | None
    window: Mapping[str, Any] | None  # {"open_until", "message_tag", "refusal"}
    template_outside: bool
    needs_approval: bool
    replies: list[Mapping[str, Any]]
    result: Mapping[str, Any] | None = None
    error: str | None = None

    @classmethod
    def of(cls, answer: object) -> BoxView:
        """The view of an answer; ValueError when it is not the shape ReplyFunction gives."""
        if not isinstance(answer, Mapping) or not isinstance(outlook := answer.get("outlook"), Mapping):
            raise ValueError("not a reply box answer")
        kind, window, replies = outlook.get("kind"), outlook.get("window"), answer.get("replies")
        result, error = answer.get("result"), answer.get("error")
        if kind is not None and kind not in KIND_LABELS:
            raise ValueError("an unknown reply kind")
        if window is not None:
            if not isinstance(window, Mapping):
                raise ValueError("a window is an object")
            for name in ("open_until", "message_tag", "refusal"):
                _optional_text(window.get(name))
        if not isinstance(replies, list) or not all(isinstance(reply, Mapping) for reply in replies):
            raise ValueError("replies are a list of objects")
        if result is not None and not isinstance(result, Mapping):
            raise ValueError("a result is an object")
        return cls(kind, _optional_text(outlook.get("refusal")), window, outlook.get("template_outside") is True,
                   outlook.get("needs_approval") is True, replies, result, _optional_text(error))

    def window_text(self, name: str) -> str | None:
        return _optional_text(self.window.get(name)) if self.window is not None else None


def _optional_text(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError("expected text")
    return value


def window_line(view: BoxView) -> str:
    """The messaging window that applies, in words."""
    if view.kind != "message":
        return ""
    if view.refusal is not None:
        return view.refusal
    open_until = view.window_text("open_until")
    if open_until is None:
        return "No messaging window on this platform."
    tag = view.window_text("message_tag")
    if tag:
        return f"The standard window has closed; open with the {tag} tag until {_when(open_until)}."
    return f"Messaging window open until {_when(open_until)}."


def reply_section(post: Mapping[str, Any], link: Link, agent: str, view: BoxView, keys: tuple[bytes, ...]) -> str:
    """The reply box for `post` (a card entry), its window, and its replies with their states."""
    post_key = str(post.get("post_key") or "")
    parts = ['<section class="reply" aria-labelledby="reply-h"><h2 id="reply-h">Answer this post</h2>']
    if view.error:
        parts.append(f'<p class="state refused" role="alert">Not sent: {escape(view.error)}</p>')
    if view.result is not None:
        parts.append(_state_line(view.result, "Your reply", "status"))
    if view.kind is not None:
        approval = " It waits for a second person's approval." if view.needs_approval else ""
        parts.append(f'<p class="why">This sends {KIND_LABELS[view.kind]}, as our account.{approval}</p>')
    line = window_line(view)
    if line:
        css = "closed" if view.refusal else "open"
        parts.append(f'<p class="window {css}">{escape(line)}</p>')
    elif view.refusal:
        parts.append(f'<p class="window closed">Cannot be answered: {escape(view.refusal)}</p>')
    template_only = bool(view.template_outside and view.window_text("refusal"))
    if view.refusal is None or template_only:
        parts.append(_form(post_key, link, agent, keys[0], template=template_only))
    if view.replies:
        items = "".join(f"<li>{_state_line(r, STATUS_LABELS.get(str(r.get('status')), 'Reply'), None)}"
                        f'<p class="text">{escape(str(r.get("text") or ""))}</p></li>' for r in view.replies)
        parts.append(f'<h3>Replies to this post</h3><ol class="replies">{items}</ol>')
    parts.append("</section>")
    return "".join(parts)


def _state_line(record: Mapping[str, Any], label: str, role: str | None) -> str:
    status = str(record.get("status") or "")
    css = status if status in STATUS_LABELS else "unknown"
    words = STATUS_LABELS.get(status, status)
    details = [f"by {record.get('sender', '')}", _when(str(record.get("submitted_at") or ""))]
    if record.get("reason"):
        details.append(f"why: {record['reason']}")
    if status == "sent" and record.get("platform_id"):
        details.append(f"published as {record['platform_id']}")
    role_attr = f' role="{role}"' if role else ""
    return (f'<p class="state {css}"{role_attr} data-status="{escape(status, quote=True)}">'
            f"<strong>{escape(label)}: {escape(words)}</strong> · {escape(' · '.join(d for d in details if d))}</p>")


def _form(post_key: str, link: Link, agent: str, key: bytes, template: bool) -> str:
    action = f"{link.path}?{link.query(post=post_key)}"
    hidden = {"exp": link.expires, "sig": link.signature, "post": post_key, "csrf": csrf_token(key, link, post_key),
              "reply_id": new_reply_id()}
    fields = "".join(f'<input type="hidden" name="{name}" value="{escape(value, quote=True)}">'
                     for name, value in hidden.items())
    template_fields = ('<p class="why">Only an approved template may be sent now.</p>'
                       '<label>Template name <input name="template_name" required maxlength="512"></label>'
                       '<label>Language <input name="template_language" required maxlength="32" value="en"></label>'
                       if template else "")
    text_field = ('<label>Template parameters, one a line <textarea name="text" rows="3" maxlength="4000"></textarea>'
                  "</label>" if template else
                  '<label>Your reply <textarea name="text" rows="4" required maxlength="4000"></textarea></label>')
    return (f'<form method="post" action="{escape(action, quote=True)}">{fields}'
            f'<label>Your agent login <input name="agent" required maxlength="64" autocomplete="username" '
            f'value="{escape(agent, quote=True)}"></label>{template_fields}{text_field}'
            '<button type="submit">Send</button></form>')


# ReplyFunction, asked for a post's reply box (socialcrm.replies.box): the request in, its answer out
ReplyBox = Callable[[dict[str, Any]], dict[str, Any]]
FORM_FIELDS = ("text", "reply_id", "template_name", "template_language")  # what the use case reads of the form
UNAVAILABLE = ('<section class="reply"><h2>Answer this post</h2>'
               '<p class="window closed">Replies are not available right now.</p></section>')


def submission_request(fields: Mapping[str, str], headers: Mapping[str, Any], path: str, keys: tuple[bytes, ...],
                       now: int) -> tuple[Link, PostKey, str, dict[str, Any]]:
    """A form POST, checked (Forbidden if not ours): its link, post, agent and the request for ReplyFunction."""
    link, post_key = checked_form(fields, headers, path, keys, now)
    agent = fields.get("agent", "").strip()[:64]
    form = {"agent": agent, **{name: fields[name] for name in FORM_FIELDS if name in fields}}
    return link, post_key, agent, {"reply_box": "submit", "post_key": post_key.text, "form": form}


def reply_panel(ask: ReplyBox, keys: tuple[bytes, ...], agent: str,
                answered: tuple[PostKey, BoxView] | None = None) -> Callable[[Any, Link], str]:
    """The page's reply box for a card entry and the link, from ReplyFunction's answer (`answered`: the answer to
    a submission, for its post). A ReplyFunction that cannot answer leaves the timeline shown, with a note."""

    def render(post: Mapping[str, Any], link: Link) -> str:
        try:
            post_key = PostKey.parse(post.get("post_key"))
        except BadRequest:
            return ""
        if answered is not None and answered[0] == post_key:
            view = answered[1]
        else:
            try:
                view = BoxView.of(ask({"reply_box": "show", "post_key": post_key.text}))
            except Exception:  # the timeline still helps the agent; the reply box says it is unavailable
                from socialcrm.observability import logger

                logger.exception("the reply box could not be shown")
                return UNAVAILABLE
        return reply_section(post, link, agent or link.agent, view, keys)

    return render
