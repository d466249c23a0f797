"""The contact-centre lookup: who is calling (or chatting) -> flat string map, in one DynamoDB GetItem (a second
only for a caller number written as E.164 that finds nobody and is written otherwise once normalized).

Kept light for a fast cold start: boto3 and the standard library only (phonenumbers only for a caller number
not written as E.164; no PynamoDB, no requests, no pydantic, no X-Ray SDK). It never raises: any failure answers
found="false" with a `reason`, well inside Amazon Connect's 8 s, so the caller never goes down the error branch.

Identification, first that applies: the caller's phone number (E.164, national numbers read with the
block parameter `default_country`, else DEFAULT_PHONE_REGION); for chat and task contacts, or a
withheld number, the block parameter `verified_customer_id`, then `verified_email`, which the flow sets
only after its own authentication step. The contact attributes `customer_id` and `email` alone (a
pre-chat form lets anyone set them) identify nobody: found="false", reason "not_authenticated".
Block parameters (all optional): `default_country`, `lookback_days` (1-365), `max_text` (20-1000),
`verified_customer_id`, `verified_email`.

A found caller whose newest post is at most 24 h old is noted for "what answering is worth" (one UpdateItem
of `CALLED#<day>` in MetricsTable, answer_worth.py); a failure there never costs the caller the answer.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from socialcrm import answer_worth, call_signals
from socialcrm.cards import CARD_POSTS, customer_lookup_key, email_lookup_key, is_shared, phone_lookup_key
from socialcrm.names import PLATFORM_NAMES

if TYPE_CHECKING:  # types only: the lookup's cold start imports none of these
    from mypy_boto3_dynamodb import DynamoDBClient

    from socialcrm.screen_pop import CachedKeys

HISTORY_FIELDS = ("platform", "text", "sentiment", "at", "url")
HISTORY_SIZE = CARD_POSTS - 1  # posts after the latest one, as history_<n>_<field>
RESPONSE_KEYS = (
    "found", "reason", "customer_id", "customer_name", "recent_posts", "last_post_platform", "last_post_text",
    "last_post_sentiment", "last_post_at", "last_post_url", "spoken_summary", "screen_pop_url", "history_count",
    *(f"history_{n}_{field}" for n in range(1, HISTORY_SIZE + 1) for field in HISTORY_FIELDS),
)
DEFAULT_MAX_TEXT = 500
MAX_RESPONSE_BYTES = 32_768  # Amazon Connect's limit on a Lambda response
BUDGET_BYTES = MAX_RESPONSE_BYTES - 512  # headroom for Connect's own framing
SPOKEN_TEXT_CHARS = 160
_SPACES = re.compile(r"\s+")
_URLS = re.compile(r"https?://\S+|www\.\S+")
_UNSPEAKABLE = re.compile(r"[^\w\s.,!?'\u2019:;%-]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WRITTEN_AS_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class LookupUnavailable(Exception):
    """The card store did not answer in time; the caller still gets an answer."""


def clean_text(text: str, limit: int = DEFAULT_MAX_TEXT) -> str:
    """Printable text on one line: control and format characters removed, whitespace collapsed."""
    printable = "".join(ch if not unicodedata.category(ch).startswith("C") else " " for ch in text)
    return _SPACES.sub(" ", printable).strip()[:limit]


def speakable(text: str, limit: int = SPOKEN_TEXT_CHARS) -> str:
    """Safe for text-to-speech: no links, emoji or markup characters, short."""
    words = _SPACES.sub(" ", _UNSPEAKABLE.sub(" ", _URLS.sub(" ", clean_text(text, 2000)))).strip()
    return words if len(words) <= limit else words[:limit].rsplit(" ", 1)[0] + "..."


def empty_answer() -> dict[str, str]:
    answer = dict.fromkeys(RESPONSE_KEYS, "")
    answer.update(found="false", recent_posts="0", history_count="0")
    return answer


def not_found(reason: str) -> dict[str, str]:
    answer = empty_answer()
    answer["reason"] = reason
    return answer


def response_size(answer: dict[str, str]) -> int:
    return len(json.dumps(answer, ensure_ascii=False).encode())


def _bounded_int(raw: Any, low: int, high: int, default: int) -> int:
    """A block parameter, or the default when it is absent, not a number or out of range."""
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def _contact_data(event: Any) -> dict[str, Any]:
    try:
        data = event["Details"]["ContactData"]
    except (KeyError, TypeError, IndexError):
        return {}
    return data if isinstance(data, dict) else {}


def _parameters(event: Any) -> dict[str, Any]:
    try:
        params = event["Details"]["Parameters"]
    except (KeyError, TypeError, IndexError):
        return {}
    return params if isinstance(params, dict) else {}


def lookup_key_for(event: Any, default_region: str, *, as_written: bool = False) -> tuple[str | None, str]:
    """(card key, reason when None). `as_written`: a caller number already written as E.164 (as Amazon Connect
    writes it) is taken as it is, without phonenumbers and its cold start; lookup_contact reads the normalized key
    too when that one finds no card."""
    data = _contact_data(event)
    region = str(_parameters(event).get("default_country") or default_region).upper()[:2]
    endpoint = data.get("CustomerEndpoint")
    address = endpoint.get("Address") if isinstance(endpoint, dict) else None
    reason = "no_caller_number"
    if isinstance(address, str) and address.strip():
        if as_written and _WRITTEN_AS_E164.fullmatch(address):
            return phone_lookup_key(address), ""
        from socialcrm.phones import to_e164  # phonenumbers: about a tenth of the cold start, off the usual path

        e164 = to_e164(address, region)
        if e164:
            return phone_lookup_key(e164), ""
        reason = "withheld_or_invalid_number"
    # Contact attributes can come from the customer (a pre-chat form): only block parameters, which the
    # flow fills after its own authentication step, identify a contact without a caller number.
    params = _parameters(event)
    customer_id = params.get("verified_customer_id")
    if isinstance(customer_id, str) and customer_id.strip():
        return customer_lookup_key(customer_id.strip()), ""
    email = params.get("verified_email")
    if isinstance(email, str) and _EMAIL.match(email.strip()):
        return email_lookup_key(email), ""
    attributes = data.get("Attributes")
    if isinstance(attributes, dict) and any(isinstance(attributes.get(name), str) and attributes[name].strip()
                                            for name in ("customer_id", "email")):
        return None, "not_authenticated"
    return None, reason


def _ago(moment: str, now: datetime) -> str:
    try:
        then = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return ""
    minutes = max(0, int((now - then).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} minutes ago" if minutes != 1 else "1 minute ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours ago" if hours != 1 else "1 hour ago"
    return f"{hours // 24} days ago"


def spoken_summary(name: str, recent: int, lookback_days: int, last: dict[str, Any], now: datetime) -> str:
    who = speakable(name, 60) or "This customer"
    if not last:
        return f"{who}. No social posts on record."
    platform = PLATFORM_NAMES.get(str(last.get("platform")), "social media")
    posts = "1 social post" if recent == 1 else f"{recent} social posts"
    said = speakable(str(last.get("text") or ""))
    tail = f": {said}" if said else "."
    return (f"{who}. {posts} in the last {lookback_days} days. Latest on {platform}, "
            f"{_ago(str(last.get('created_at', '')), now)}, {last.get('sentiment') or 'neutral'}{tail}")


def card_link(post: dict[str, Any]) -> str:
    """The post's link if it is safe (https, on its platform's hosts): a card built before links were checked
    may still hold a javascript:, data: or foreign one."""
    from socialcrm.links import safe_link
    from socialcrm.platform_catalog import PLATFORM_HOSTS

    return safe_link(post.get("url"), PLATFORM_HOSTS.get(str(post.get("platform")))) or ""


def _after(stamp: Any, moment: datetime) -> bool:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")) >= moment
    except ValueError:
        return False


def answer_from_card(card: dict[str, Any], now: datetime, lookback_days: int,
                     max_text: int = DEFAULT_MAX_TEXT, retention_days: int | None = None) -> dict[str, str]:
    since = now - timedelta(days=lookback_days)
    recent = sum(1 for stamp in card.get("post_times", []) if _after(stamp, since))
    kept_since = now - timedelta(days=retention_days) if retention_days else None
    posts = [p for p in card.get("posts") or [] if isinstance(p, dict)
             and (kept_since is None or _after(p.get("created_at"), kept_since))]  # a card may outlive a post
    last = posts[0] if posts else {}
    answer = empty_answer()
    answer.update({
        "found": "true",
        "customer_id": str(card.get("customer_id", "")),
        "customer_name": clean_text(str(card.get("customer_name") or ""), 200),
        "recent_posts": str(recent),
        "last_post_platform": str(last.get("platform", "")),
        "last_post_text": clean_text(str(last.get("text") or ""), max_text),
        "last_post_sentiment": str(last.get("sentiment", "")),
        "last_post_at": str(last.get("created_at", "")),
        "last_post_url": card_link(last) if last else "",
        "spoken_summary": spoken_summary(str(card.get("customer_name") or ""), recent, lookback_days, last, now),
        "history_count": str(min(len(posts) - 1, HISTORY_SIZE) if posts else 0),
    })
    for n, post in enumerate(posts[1:HISTORY_SIZE + 1], start=1):
        answer.update({f"history_{n}_platform": str(post.get("platform", "")),
                       f"history_{n}_text": clean_text(str(post.get("text") or ""), max_text),
                       f"history_{n}_sentiment": str(post.get("sentiment", "")),
                       f"history_{n}_at": str(post.get("created_at", "")),
                       f"history_{n}_url": card_link(post)})
    return fit_budget(answer)


def channel_signals(answer: dict[str, str], now: datetime) -> dict[str, int]:
    """Whether the caller posted within 24 hours or 7 days, and whether the agent sees social context."""
    last = answer.get("last_post_at") or ""
    has_post = answer.get("found") == "true" and bool(last)
    return {name: int(has_post and (window is None or _after(last, now - window)))
            for name, window in call_signals.WINDOWS.items()}


def fit_budget(answer: dict[str, str]) -> dict[str, str]:
    """Under the byte budget with the same keys: the oldest history goes first, the latest post last."""
    for n in range(HISTORY_SIZE, 0, -1):
        if response_size(answer) < BUDGET_BYTES:
            return answer
        for field in HISTORY_FIELDS:
            answer[f"history_{n}_{field}"] = ""
        answer["history_count"] = str(n - 1)
    while response_size(answer) >= BUDGET_BYTES and answer["last_post_text"]:
        answer["last_post_text"] = answer["last_post_text"][: len(answer["last_post_text"]) // 2]
    return answer


def lookup_contact(event: dict[str, Any], read_card: Callable[[str], dict[str, Any] | None], *,
                   now: datetime, lookback_days: int, default_region: str,
                   screen_pop: Callable[[str], str] | None = None, retention_days: int | None = None,
                   record_call: Callable[[str, datetime], None] | None = None) -> dict[str, str]:
    key, reason = lookup_key_for(event, default_region, as_written=True)
    if key is None:
        return not_found(reason)
    params = _parameters(event)
    days = _bounded_int(params.get("lookback_days"), 1, 365, lookback_days)
    max_text = _bounded_int(params.get("max_text"), 20, 1000, DEFAULT_MAX_TEXT)
    try:
        card = read_card(key)
        if card is None:  # the number as written found nobody: the key as normalized, when that differs
            normalized, reason = lookup_key_for(event, default_region)
            if normalized is None:
                return not_found(reason)
            if normalized != key:
                card = read_card(normalized)
    except LookupUnavailable:
        return not_found("lookup_unavailable")
    if card is None:
        return not_found("no_customer")
    if is_shared(card):  # more than one customer has this number or address: say so, show nobody
        return not_found("shared_email" if key.startswith("EMAIL#") else "shared_number")
    answer = answer_from_card(card, now, min(days, retention_days or days), max_text, retention_days)
    if screen_pop is not None and answer["customer_id"]:
        try:
            answer["screen_pop_url"] = screen_pop(answer["customer_id"])
        except Exception:  # a missing link must not cost the caller the answer
            answer["screen_pop_url"] = ""
    if record_call is not None and answer["customer_id"] and posted_within(answer, now, answer_worth.WINDOW):
        with suppress(Exception):  # a call not noted is a call missing from a daily figure, not a failed lookup
            record_call(answer["customer_id"], now)
    return fit_budget(answer)


def posted_within(answer: dict[str, str], now: datetime, window: timedelta) -> bool:
    last = answer.get("last_post_at") or ""
    return answer.get("found") == "true" and bool(last) and _after(last, now - window)


def screen_pop_linker(base_url: str, secret_id: str) -> Callable[[str], str] | None:
    """Signed screen-pop links for found customers, or None when no page URL is configured."""
    if not base_url:
        return None

    def link(customer_id: str) -> str:
        from socialcrm.screen_pop import customer_path, signed_link

        now = int(time.time())
        return signed_link(base_url, customer_path(customer_id), _signing_key(secret_id, now), now)

    return link


_KEY_CACHE: dict[str, CachedKeys] = {}  # secret id -> its keys


def _signing_key(secret_id: str, now: int) -> bytes:
    """The ScreenPopSecret's current key, kept screen_pop.KEY_CACHE_SECONDS as the agent page keeps it.

    Read with the default boto3 session's client rather than Powertools Parameters: on this hot path
    the Parameters package and its own boto3 session cost about 110 ms of cold start.
    """
    from socialcrm.screen_pop import CachedKeys

    if secret_id not in _KEY_CACHE:
        def read() -> Any:
            import boto3

            return json.loads(boto3.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])

        _KEY_CACHE[secret_id] = CachedKeys(read)
    return _KEY_CACHE[secret_id].at(now).current


# -- the card store: one GetItem, short timeouts, retries bounded by a deadline -----------------
CONNECT_TIMEOUT = 0.25
READ_TIMEOUT = 0.35
DEADLINE_SECONDS = 0.9
MAX_ATTEMPTS = 2


@cache
def _dynamodb() -> DynamoDBClient:
    import boto3
    from botocore.config import Config

    # botocore's own retries are off: the loop below retries only while the deadline allows.
    return boto3.client("dynamodb", config=Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                                                 retries={"total_max_attempts": 1, "mode": "standard"}))


def card_reader(table_name: str, client: DynamoDBClient | None = None, deadline_seconds: float = DEADLINE_SECONDS,
                clock: Callable[[], float] = time.monotonic) -> Callable[[str], dict[str, Any] | None]:
    def read(lookup_key: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        started = clock()
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                item = (client or _dynamodb()).get_item(
                    TableName=table_name, Key={"pk": {"S": lookup_key}}, ProjectionExpression="card"
                ).get("Item")
                break
            except (BotoCoreError, ClientError) as error:
                out_of_time = clock() - started + CONNECT_TIMEOUT + READ_TIMEOUT > deadline_seconds
                if attempt == MAX_ATTEMPTS or out_of_time:
                    raise LookupUnavailable(type(error).__name__) from error
        if not item or "card" not in item:
            return None
        try:
            card = json.loads(item["card"]["S"])
        except (KeyError, TypeError, ValueError):
            return None
        return card if isinstance(card, dict) else None

    return read


def call_recorder(table_name: str, client: DynamoDBClient | None = None) -> Callable[[str, datetime], None]:
    """Note a call of a customer who had just posted: CALLED#<day> / <marker>, first and last call of the day
    (one UpdateItem, the card read's short timeouts, no retry)."""
    def record(customer_id: str, now: datetime) -> None:
        day = answer_worth.day_of(now)
        marker = answer_worth.marker(day, customer_id)
        (client or _dynamodb()).update_item(
            TableName=table_name, Key={"pk": {"S": answer_worth.called_partition(day)}, "sk": {"S": marker}},
            UpdateExpression="SET first_call_at = if_not_exists(first_call_at, :at), last_call_at = :at, "
                             "previous = :previous, expires_at = :expires",
            ExpressionAttributeValues={
                ":at": {"S": answer_worth.iso(now)},
                ":previous": {"S": answer_worth.marker(answer_worth.day_before(day), customer_id)},
                ":expires": {"N": str(answer_worth.expiry(now))}})

    return record


def utc_now() -> datetime:
    return datetime.now(UTC)
