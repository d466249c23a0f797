"""Sample Meta deliveries for the demo and the end-to-end tests, signed like Meta signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

PAGE_ID = "1234567890"
INSTAGRAM_ID = "17841400000000000"  # our Instagram professional account
ADA_FACEBOOK_ID = "6104410001"
GRACE_FACEBOOK_ID = "6104410002"
ALAN_INSTAGRAM_ID = "17841400000000003"


def sign(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def page_comment(comment_id: str, user_id: str, name: str, message: str, when: int | None = None,
                 reply_to: str | None = None) -> dict[str, Any]:
    """A comment on the Page's post 555, or (reply_to) a reply to one of its comments."""
    when = when or int(time.time())
    parent = f"{PAGE_ID}_555_{reply_to}" if reply_to else f"{PAGE_ID}_555"
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": when, "changes": [{"field": "feed", "value": {
        "from": {"id": user_id, "name": name}, "item": "comment", "verb": "add",
        "post_id": f"{PAGE_ID}_555", "comment_id": f"{PAGE_ID}_555_{comment_id}", "parent_id": parent,
        "message": message, "created_time": when}}]}]}


def page_post(post_id: str, user_id: str, name: str, message: str, when: int | None = None) -> dict[str, Any]:
    when = when or int(time.time())
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": when, "changes": [{"field": "feed", "value": {
        "from": {"id": user_id, "name": name}, "item": "status", "verb": "add",
        "post_id": f"{PAGE_ID}_{post_id}", "message": message, "created_time": when}}]}]}


def messenger_message(mid: str, sender_id: str, text: str, when_ms: int | None = None) -> dict[str, Any]:
    when_ms = when_ms or int(time.time() * 1000)
    return {"object": "page", "entry": [{"id": PAGE_ID, "time": when_ms, "messaging": [{
        "sender": {"id": sender_id}, "recipient": {"id": PAGE_ID}, "timestamp": when_ms,
        "message": {"mid": mid, "text": text}}]}]}


def instagram_comment(comment_id: str, user_id: str, username: str, text: str,
                      when: int | None = None) -> dict[str, Any]:
    when = when or int(time.time())
    return {"object": "instagram", "entry": [{"id": INSTAGRAM_ID, "time": when, "changes": [{
        "field": "comments", "value": {"from": {"id": user_id, "username": username},
                                       "media": {"id": "18000000000000001", "media_product_type": "FEED"},
                                       "id": comment_id, "text": text}}]}]}


def instagram_message(mid: str, sender_id: str, text: str, when_ms: int | None = None) -> dict[str, Any]:
    """An Instagram direct message as Meta delivers it (Instagram messaging webhooks, field `messages`): object
    `instagram`, entry.id and recipient = our Instagram professional account, sender = the customer's IGSID."""
    when_ms = when_ms or int(time.time() * 1000)
    return {"object": "instagram", "entry": [{"id": INSTAGRAM_ID, "time": when_ms, "messaging": [{
        "sender": {"id": sender_id}, "recipient": {"id": INSTAGRAM_ID}, "timestamp": when_ms,
        "message": {"mid": mid, "text": text}}]}]}


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
