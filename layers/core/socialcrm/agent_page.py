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
from typing import Any

from socialcrm.identity import describe_match
from socialcrm.lookup import card_link, clean_text
from socialcrm.names import PLATFORM_NAMES

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
""".strip()
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


def content_security_policy(frame_ancestors: str) -> str:
    return (f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'none'; base-uri 'none'; form-action 'none'; "
            f"frame-ancestors {frame_ancestors}")


def _when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).strftime("%d %b %Y %H:%M UTC")
    except (AttributeError, ValueError):
        return ""


def render_timeline(card: dict[str, Any]) -> str:
    name = escape(clean_text(str(card.get("customer_name") or ""), 200) or "Customer")
    posts = [p for p in card.get("posts") or [] if isinstance(p, dict)]
    items = []
    for post in posts:
        sentiment = post.get("sentiment") if post.get("sentiment") in ("negative", "neutral", "positive") else "neutral"
        url = card_link(post)
        link = (f' · <a href="{escape(url, quote=True)}" rel="noopener noreferrer" target="_blank">open post</a>'
                if url else "")
        why = describe_match(post.get("match"), post.get("matched_by"), post.get("platform"))
        platform_name = str(post.get("platform", ""))
        platform = PLATFORM_NAMES.get(platform_name, platform_name)
        created = str(post.get("created_at", ""))
        items.append(
            "<li>"
            f'<div class="top"><span class="platform">{escape(platform)}</span>'
            f'<span>{escape(str(post.get("kind", "")))}</span>'
            f'<time datetime="{escape(created, quote=True)}">{escape(_when(created))}</time>'
            f'<span class="s {sentiment}">{sentiment}</span>{link}</div>'
            f'<p class="text">{escape(str(post.get("text") or ""))}</p>'
            + (f'<div class="why">Matched by: {escape(why)}</div>' if why else "")
            + "</li>")
    body = "".join(items) if items else "<li>No social posts on record.</li>"
    plural = "" if len(posts) == 1 else "s"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{name}: social timeline</title><style>{STYLE}</style></head><body>"
        f'<h1>{name}</h1><p class="meta">{len(posts)} recent social post{plural}, newest first · customer '
        f"{escape(str(card.get('customer_id', '')))}</p><ol>{body}</ol></body></html>")


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
             read_card: Callable[[str], dict[str, Any] | None], retention_days: int | None = None) -> Page:
    """The answer to a screen-pop request: refused unless the link is signed by a key in force and
    unexpired."""
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
    return Page(200, render_timeline(card))
