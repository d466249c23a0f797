"""The contact-centre lookup: caller number -> flat string map, in one DynamoDB GetItem.

Kept light for a fast cold start: boto3, phonenumbers and the standard library only (no
PynamoDB, no requests, no pydantic). It never raises: any failure answers found="false".
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from socialcrm.cards import phone_lookup_key
from socialcrm.phones import to_e164

RESPONSE_KEYS = (
    "found",
    "customer_id",
    "customer_name",
    "recent_posts",
    "last_post_platform",
    "last_post_text",
    "last_post_sentiment",
    "last_post_at",
    "last_post_url",
)
MAX_TEXT_CHARS = 500
MAX_RESPONSE_BYTES = 32_768  # Amazon Connect's limit on a Lambda response
_SPACES = re.compile(r"\s+")


class LookupUnavailable(Exception):
    """The card store did not answer in time; the caller still gets an answer."""


def caller_address(event: dict[str, Any]) -> str | None:
    try:
        endpoint = event["Details"]["ContactData"].get("CustomerEndpoint")
    except (KeyError, TypeError, AttributeError):
        return None
    if not isinstance(endpoint, dict):
        return None
    address = endpoint.get("Address")
    return address if isinstance(address, str) else None


def clean_text(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Printable text on one line: control and format characters removed, whitespace collapsed."""
    printable = "".join(ch if not unicodedata.category(ch).startswith("C") else " " for ch in text)
    return _SPACES.sub(" ", printable).strip()[:limit]


def not_found(reason: str) -> dict[str, str]:
    answer = dict.fromkeys(RESPONSE_KEYS, "")
    answer["found"] = "false"
    answer["recent_posts"] = "0"
    answer["reason"] = reason
    return answer


def response_size(answer: dict[str, str]) -> int:
    return len(json.dumps(answer, ensure_ascii=False).encode())


def answer_from_card(card: dict[str, Any], now: datetime, lookback_days: int) -> dict[str, str]:
    since = now - timedelta(days=lookback_days)
    recent = 0
    for stamp in card.get("post_times", []):
        try:
            if datetime.fromisoformat(stamp.replace("Z", "+00:00")) >= since:
                recent += 1
        except (AttributeError, ValueError):
            continue
    posts = card.get("posts") or []
    last = posts[0] if posts else {}
    answer = {
        "found": "true",
        "customer_id": str(card.get("customer_id", "")),
        "customer_name": clean_text(str(card.get("customer_name") or ""), 200),
        "recent_posts": str(recent),
        "last_post_platform": str(last.get("platform", "")),
        "last_post_text": clean_text(str(last.get("text") or "")),
        "last_post_sentiment": str(last.get("sentiment", "")),
        "last_post_at": str(last.get("created_at", "")),
        "last_post_url": clean_text(str(last.get("url") or ""), 2000),
    }
    while response_size(answer) >= MAX_RESPONSE_BYTES and answer["last_post_text"]:
        answer["last_post_text"] = answer["last_post_text"][: len(answer["last_post_text"]) // 2]
    return answer


def lookup_contact(event: dict[str, Any], read_card: Callable[[str], dict[str, Any] | None], *,
                   now: datetime, lookback_days: int, default_region: str) -> dict[str, str]:
    address = caller_address(event)
    if not address:
        return not_found("no_caller_number")
    e164 = to_e164(address, default_region)
    if e164 is None:
        return not_found("withheld_or_invalid_number")
    try:
        card = read_card(phone_lookup_key(e164))
    except LookupUnavailable:
        return not_found("lookup_unavailable")
    if card is None:
        return not_found("no_customer")
    return answer_from_card(card, now, lookback_days)


@cache
def _dynamodb():
    import boto3
    from botocore.config import Config

    # Short timeouts and few retries: a slow table must not push the contact flow to its error branch.
    return boto3.client("dynamodb", config=Config(connect_timeout=1, read_timeout=1,
                                                 retries={"max_attempts": 2, "mode": "standard"}))


def card_reader(table_name: str, client=None) -> Callable[[str], dict[str, Any] | None]:
    def read(lookup_key: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            item = (client or _dynamodb()).get_item(
                TableName=table_name, Key={"pk": {"S": lookup_key}}, ProjectionExpression="card"
            ).get("Item")
        except (BotoCoreError, ClientError) as error:
            raise LookupUnavailable(type(error).__name__) from error
        if not item or "card" not in item:
            return None
        try:
            return json.loads(item["card"]["S"])
        except (KeyError, TypeError, ValueError):
            return None

    return read


def utc_now() -> datetime:
    return datetime.now(UTC)
