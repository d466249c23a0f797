"""The agent's screen-pop page: a customer's recent social timeline as small, script-free HTML.

Read from the card (one GetItem), rendered on the server, escaped, readable in a narrow side panel.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Any

from socialcrm.identity import describe_match
from socialcrm.lookup import card_link, clean_text
from socialcrm.names import PLATFORM_NAMES

if TYPE_CHECKING:
    from socialcrm.reply_page import Link, ReplyBox

STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:8px;color:#1b1b1b;
background:#fff;max-width:100%;word-wrap:break-word}
h1{font-size:16px;margin:0 0 2px}
.meta{color:#555;font-size:12px;margin:0 0 8px}
ol{list-style:none;margin:0;padding:0}
li{border-top:1px solid #ddd;padding:8px 0}
.top{display:flex;flex-wrap:wrap;gap:6px;align-items:baseline;font-size:12px;color:#444}
.platform{font-weight:600;color:#1b1b1b}
.s{border-radius:3px;padding:0 4px;font-weight:600}
.negative{background:#fde2e1;color:#8a1c12}.neutral{background:#eceff1;color:#37474f}
.positive{background:#e0f2e9;color:#1b5e3a}
.text{margin:4px 0;white-space:pre-wrap}
.why{font-size:12px;color:#555}
a{color:#0b57d0}
.reply{border:1px solid #c7d2e0;border-radius:4px;padding:8px;margin:8px 0;background:#f7f9fc}
h2{font-size:14px;margin:0 0 4px}h3{font-size:13px;margin:8px 0 4px}
label{display:block;font-size:12px;margin:6px 0 2px}
input,textarea{display:block;width:100%;box-sizing:border-box;font:inherit;padding:4px}
button{margin-top:6px;font:inherit;padding:4px 12px}
.window.open{color:#1b5e3a}.window.closed,.state.refused,.state.failed{color:#8a1c12}
.state.held,.state.unknown,.state.sending{color:#7a4d00}.state.sent{color:#1b5e3a}
.selected{background:#f0f4fa}
""".strip()
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def content_security_policy(frame_ancestors: str) -> str:
    return (f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'none'; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {frame_ancestors}")


def _when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).strftime("%d %b %Y %H:%M UTC")
    except (AttributeError, ValueError):
        return ""


when = _when


def render_timeline(card: dict[str, Any], selected: str | None = None, link: Link | None = None,
                    section: str = "", left_card: str = "") -> str:
    """The timeline; with a link, each post offers "Answer" and the `selected` post carries `section`.
    `left_card`: the reply box of a post answered after it left the card, shown above the timeline."""
    name = escape(clean_text(str(card.get("customer_name") or ""), 200) or "Customer")
    posts = [p for p in card.get("posts") or [] if isinstance(p, dict)]
    items = []
    for post in posts:
        sentiment = post.get("sentiment") if post.get("sentiment") in ("negative", "neutral", "positive") else "neutral"
        url = card_link(post)
        open_link = (f' · <a href="{escape(url, quote=True)}" rel="noopener noreferrer" target="_blank">open post</a>'
                     if url else "")
        why = describe_match(post.get("match"), post.get("matched_by"), post.get("platform"))
        platform_name = str(post.get("platform", ""))
        platform = PLATFORM_NAMES.get(platform_name, platform_name)
        created = str(post.get("created_at", ""))
        post_key = str(post.get("post_key") or "")
        chosen = bool(section) and post_key == selected
        answer = (f' · <a href="{escape(link.path + "?" + link.query(post=post_key), quote=True)}">answer</a>'
                  if link is not None and post_key and not chosen else "")
        items.append(
            ('<li class="selected">' if chosen else "<li>") +
            f'<div class="top"><span class="platform">{escape(platform)}</span>'
            f'<span>{escape(str(post.get("kind", "")))}</span>'
            f'<time datetime="{escape(created, quote=True)}">{escape(_when(created))}</time>'
            f'<span class="s {sentiment}">{sentiment}</span>{open_link}{answer}</div>'
            f'<p class="text">{escape(str(post.get("text") or ""))}</p>'
            + (f'<div class="why">Matched by: {escape(why)}</div>' if why else "")
            + (section if chosen else "")
            + "</li>")
    body = "".join(items) if items else "<li>No social posts on record.</li>"
    plural = "" if len(posts) == 1 else "s"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{name}: social timeline</title><style>{STYLE}</style></head><body>"
        f'<h1>{name}</h1><p class="meta">{len(posts)} recent social post{plural}, newest first · customer '
        f"{escape(str(card.get('customer_id', '')))}</p>"
        + (f'<div class="selected"><p class="meta">This post is no longer on the timeline.</p>{left_card}</div>'
           if left_card else "")
        + f"<ol>{body}</ol></body></html>")


def render_message(title: str, message: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>")


def page_target(path_parameters: dict[str, str], region: str) -> tuple[str, str | None]:
    """(the signed path, the card key) of /agent/customers/{customer_id} or /agent/phones/{phone}."""
    from urllib.parse import quote

    from socialcrm.cards import customer_lookup_key, phone_lookup_key
    from socialcrm.phones import to_e164
    from socialcrm.screen_pop import customer_path

    def text(name: str) -> str:  # '' for what is not UTF-8 text (a lone surrogate): no link is signed for it
        value = path_parameters.get(name, "")
        try:
            return value if isinstance(value, str) and value.encode() else ""
        except UnicodeEncodeError:
            return ""

    if "customer_id" in path_parameters:
        customer_id = text("customer_id")
        return customer_path(customer_id), customer_lookup_key(customer_id)
    phone = text("phone")
    e164 = to_e164(phone, region)
    return f"/agent/phones/{quote(phone, safe='')}", phone_lookup_key(e164) if e164 else None


@dataclass(frozen=True)
class Page:
    status: int  # the HTTP status
    html: str


def page_for(path: str, lookup_key: str | None, query: dict[str, str], keys: tuple[bytes, ...], now: int,
             read_card: Callable[[str], dict[str, Any] | None], retention_days: int | None = None,
             reply_panel: Callable[[dict[str, Any], Link], str] | None = None, selected: str | None = None) -> Page:
    """The answer to a screen-pop request: refused unless the link is signed by a key in force and
    unexpired. With `reply_panel`, the selected post (`selected`, the link's `post`, else the newest) carries
    the reply box (socialcrm.reply_page)."""
    from socialcrm.lookup import LookupUnavailable
    from socialcrm.screen_pop import link_is_valid

    if not link_is_valid(path, query.get("exp"), query.get("sig"), keys, now):
        return Page(403, render_message("Link expired",
                                        "Open the customer again from the contact to get a fresh link."))
    if lookup_key is None:
        return Page(404, render_message("Not found", "No customer for this link."))
    try:
        card = read_card(lookup_key)
    except LookupUnavailable:
        return Page(503, render_message("Try again", "The timeline is not available right now."))
    if card is None:
        return Page(404, render_message("Not found", "No social posts for this customer."))
    from socialcrm.cards import is_shared

    if is_shared(card):  # names nobody: the number is on more than one customer's record
        return Page(404, render_message("Not found", "This number belongs to more than one customer."))
    if retention_days:  # a card may still hold a post whose retention has passed
        from datetime import UTC, datetime, timedelta

        kept_since = (datetime.fromtimestamp(now, UTC) - timedelta(days=retention_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        card = {**card, "posts": [p for p in card.get("posts") or [] if str(p.get("created_at", "")) >= kept_since]}
    if reply_panel is None:
        return Page(200, render_timeline(card))
    from socialcrm.reply_page import Link

    link = Link(path, str(query["exp"]), str(query["sig"]), _agent_hint(query.get("agent")))
    posts = [p for p in card.get("posts") or [] if isinstance(p, dict) and p.get("post_key")]
    wanted = selected or query.get("post")
    post = next((p for p in posts if p.get("post_key") == wanted), None)
    if post is None and selected:  # the post answered has left the card: its box, with the outcome, stands apart
        return Page(200, render_timeline(card, None, link, left_card=reply_panel({"post_key": selected}, link)))
    post = post or (posts[0] if posts else None)
    section = reply_panel(post, link) if post is not None else ""
    return Page(200, render_timeline(card, str(post.get("post_key")) if post else None, link, section))


def _agent_hint(value: object) -> str:
    from socialcrm.reply_page import AGENT_LOGIN

    return value if isinstance(value, str) and AGENT_LOGIN.fullmatch(value) else ""


def respond(event: dict[str, Any], keys: tuple[bytes, ...], now: int, read_card: Callable[[str], dict[str, Any] | None],
            region: str, retention_days: int | None, ask_reply_function: ReplyBox) -> Page:
    """A screen-pop request: GET shows the page (with the reply box), POST is the reply form, checked here and
    handed to ReplyFunction, which publishes (socialcrm.reply_page, socialcrm.replies.box)."""
    from socialcrm.errors import BadRequest, Forbidden
    from socialcrm.reply_page import BoxView, form_fields, reply_panel, submission_request

    path, lookup_key = page_target(event.get("pathParameters") or {}, region)
    context = event.get("requestContext")
    http = context.get("http") if isinstance(context, dict) else None
    method = http.get("method") if isinstance(http, dict) else "GET"
    if method != "POST":
        query = event.get("queryStringParameters") or {}
        return page_for(path, lookup_key, query, keys, now, read_card, retention_days,
                        reply_panel(ask_reply_function, keys, ""))
    try:
        fields = form_fields(event)
        link, post_key, agent, request = submission_request(fields, event.get("headers") or {}, path, keys, now)
    except Forbidden as refused:
        return Page(403, render_message("Not sent", f"{refused.message}. Open the customer again from the contact."))
    except BadRequest as bad:
        return Page(400, render_message("Not sent", bad.message))
    try:
        view = BoxView.of(ask_reply_function(request))
    except Exception:  # it may have been sent before the answer was lost: say so, never "not sent"
        from socialcrm.observability import logger

        logger.exception("the reply function did not answer the form")
        return Page(502, render_message("Reply not confirmed", "The reply service did not answer. Open the post "
                                        "again from the contact to see whether your reply was sent; sending the "
                                        "same form again does not send it twice."))
    query = {"exp": link.expires, "sig": link.signature}
    page = page_for(path, lookup_key, query, keys, now, read_card, retention_days,
                    reply_panel(ask_reply_function, keys, agent, (post_key, view)), selected=post_key.text)
    return Page(400 if view.error and page.status == 200 else page.status, page.html)
