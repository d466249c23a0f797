"""WhatsApp Cloud API webhooks: the Meta handshake and signature (the Meta app's secret).

The sender is a phone number (`wa_id`), so these posts match customers by phone. Status
callbacks (sent, delivered, read, failed) are acknowledged and not stored.
"""

from __future__ import annotations

from typing import Any

from socialcrm.errors import BadRequest
from socialcrm.model import Author, CanonicalPost, parse_time
from socialcrm.platforms.base import Entries, SetAside, WebhookRequest
from socialcrm.platforms.meta import MetaAdapter
from socialcrm.platforms.shapes import a_list, an_id, an_object, object_or_empty, optional_str, text_of

PLATFORM = "whatsapp"
CAPTIONED = ("image", "video", "document", "sticker", "audio")


def e164_of_wa_id(wa_id: str, where: str) -> str:
    digits = wa_id.removeprefix("+")
    if not digits.isdigit() or not 7 <= len(digits) <= 15:
        raise BadRequest(f"{where} is not a phone number")
    return "+" + digits


def message_text(message: dict[str, Any]) -> str:
    kind = message.get("type")
    body = object_or_empty(message.get(kind)) if isinstance(kind, str) else {}
    if kind == "text":
        return text_of(body.get("body"))
    if kind in CAPTIONED:
        return text_of(body.get("caption"))
    if kind == "button":
        return text_of(body.get("text"))
    if kind == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        return text_of(reply.get("title")) if isinstance(reply, dict) else ""
    return ""


class WhatsAppAdapter(MetaAdapter):
    """Meta's handshake and signature with the Meta app's credentials; its own payloads."""

    name = PLATFORM

    def normalize(self, request: WebhookRequest, set_aside: SetAside | None = None) -> list[CanonicalPost]:
        payload = an_object(request.json_body(), "body")
        entries = payload.get("entry")
        if payload.get("object") != "whatsapp_business_account" or not isinstance(entries, list):
            raise BadRequest("body must be a WhatsApp delivery with object 'whatsapp_business_account'")
        accepted = Entries(set_aside)
        for index, entry in enumerate(entries):
            with accepted.entry(f"entry[{index}]") as posts:
                for position, change in enumerate(a_list(an_object(entry, f"entry[{index}]").get("changes"),
                                                         f"entry[{index}].changes")):
                    where = f"entry[{index}].changes[{position}]"
                    change = an_object(change, where)
                    if change.get("field") != "messages":
                        continue
                    posts.extend(self._messages(an_object(change.get("value"), f"{where}.value"), f"{where}.value"))
        return accepted.posts

    @staticmethod
    def _messages(value: dict[str, Any], where: str) -> list[CanonicalPost]:
        metadata = object_or_empty(value.get("metadata"))
        account = an_id(metadata.get("phone_number_id"), f"{where}.metadata.phone_number_id", required=False)
        names = {}
        for contact in a_list(value.get("contacts"), f"{where}.contacts"):
            if isinstance(contact, dict) and isinstance(contact.get("profile"), dict):
                names[str(contact.get("wa_id"))] = optional_str(contact["profile"].get("name"))
        posts = []
        for index, message in enumerate(a_list(value.get("messages"), f"{where}.messages")):
            at = f"{where}.messages[{index}]"
            message = an_object(message, at)
            sender = an_id(message.get("from"), f"{at}.from") or ""
            author = Author(PLATFORM, None, None, names.get(sender), e164_of_wa_id(sender, f"{at}.from"))
            created = message.get("timestamp")
            created = int(created) if isinstance(created, str) and created.isdigit() else created
            context = object_or_empty(message.get("context"))
            if message.get("type") == "reaction":
                kind, reply_to = "reaction", None
            else:
                kind = "message"
                reply_to = an_id(context.get("id"), f"{at}.context.id", required=False)
            posts.append(CanonicalPost(
                platform=PLATFORM, post_id=an_id(message.get("id"), f"{at}.id") or "", kind=kind, author=author,
                text=message_text(message), created_at=parse_time(created), url=None, reply_to=reply_to,
                source=PLATFORM, account=account))
        return posts  # value.statuses (delivery receipts) are acknowledged and not stored


ADAPTER = WhatsAppAdapter()
