"""WhatsApp Cloud API: POST /{phone-number-id}/messages (docs/platforms.md, "Replying").

Inside the 24-hour customer-service window: `type: text`. Outside it only an approved template (`type:
template`, with its name, language code and body parameters); anything else is refused before sending (see
windows.check_window) and, should it reach Meta, Meta's own refusal (error 131047) is passed on with its reason.
The reply id travels as `biz_opaque_callback_data`, which Meta echoes in the message's status webhooks.

The Cloud API cannot list the messages we sent, so an unknown outcome cannot be settled by asking: the use case
must not send again (`can_find_published` is False).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from socialcrm.replies.contract import Capabilities, Published, PublishRefused, ReplyRequest, WindowRule
from socialcrm.reply_platforms.base import Clock, PublisherBase
from socialcrm.reply_platforms.http import Client, StaticBearer, required
from socialcrm.reply_platforms.meta import GRAPH_URL, graph_http
from socialcrm.reply_platforms.windows import STANDARD_WINDOW

BASE_URL = GRAPH_URL
SECRET_KEYS = ("access_token",)
CUSTOMER_SERVICE_WINDOW = WindowRule(standard=STANDARD_WINDOW, template_outside=True)
CALLBACK_DATA_LIMIT = 512
TEXT_LIMIT = 4096


class WhatsAppPublisher(PublisherBase):
    def __init__(self, credentials: Mapping[str, str], base_url: str, clock: Clock, **options: Any) -> None:
        super().__init__("whatsapp", Capabilities(frozenset({"message"}), can_find_published=False),
                         {"message": CUSTOMER_SERVICE_WINDOW}, clock)
        self.client = Client(graph_http("whatsapp", **options),
                             StaticBearer(credentials.get("access_token", ""), "access_token"))
        self.base_url = base_url.rstrip("/")

    def message(self, request: ReplyRequest) -> dict[str, Any]:
        """The documented body: a text, or an approved template when one is given."""
        body: dict[str, Any] = {
            "messaging_product": "whatsapp", "recipient_type": "individual",
            "to": required(request.target.recipient, "the customer's WhatsApp id (recipient)"),
            "biz_opaque_callback_data": request.reply_id[:CALLBACK_DATA_LIMIT],
        }
        template = request.template
        if template is None:
            if len(request.text) > TEXT_LIMIT:
                raise PublishRefused(f"a WhatsApp text is at most {TEXT_LIMIT} characters")
            body.update(type="text", text={"preview_url": False, "body": request.text})
            return body
        template_body: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
        if template.parameters:
            template_body["components"] = [{"type": "body", "parameters": [
                {"type": "text", "text": value} for value in template.parameters]}]
        body.update(type="template", template=template_body)
        return body

    def send(self, request: ReplyRequest) -> Published:
        phone_number_id = required(request.target.account, "our WhatsApp phone number id (account)")
        answer = self.client.json("POST", f"{self.base_url}/{quote(phone_number_id, safe='')}/messages",
                                  json=self.message(request))
        messages = answer.get("messages") if isinstance(answer, dict) else None
        first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
        return self.published(first.get("id"))

    def find_published(self, request: ReplyRequest) -> Published | None:
        return self.cannot_list()


def whatsapp(credentials: Mapping[str, str], base_url: str, clock: Clock, **options: Any) -> WhatsAppPublisher:
    return WhatsAppPublisher(credentials, base_url, clock, **options)

