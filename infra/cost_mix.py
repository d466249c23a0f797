"""The stated mix of `make cost`: signed webhook deliveries of posts and contact-flow lookups.

Posts (one post per delivery, as platforms send them one at a time in a quiet hour):

| share | platform, kind |
|---|---|
| 30 % | Facebook Page comment |
| 5 % | Facebook visitor post on the Page |
| 10 % | Messenger message |
| 15 % | Instagram comment |
| 15 % | X mention (a reply to the brand) |
| 10 % | WhatsApp message |
| 5 % | LinkedIn comment on the organization's post |
| 5 % | Google review |
| 5 % | the Page's own answer to an earlier comment (an official reply) |

29 % of all posts come from known customers (on Facebook, Instagram, X or WhatsApp: the platforms a CRM
record names), the rest from strangers, each stranger posting once. Texts cycle through negative, neutral and
positive ones, a few with hashtags or the configured topic keyword. Lookups: 40 % from customers' phone
numbers, 60 % from numbers nobody knows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local import samples

KNOWN_SHARE = 0.29
CUSTOMERS = 100
PLATFORM_SHARES: tuple[tuple[str, float], ...] = (
    ("facebook-comment", 0.30), ("facebook-post", 0.05), ("messenger", 0.10), ("instagram-comment", 0.15),
    ("x-mention", 0.15), ("whatsapp", 0.10), ("linkedin-comment", 0.05), ("google-review", 0.05),
    ("official-reply", 0.05))
MATCHABLE = frozenset({"facebook-comment", "facebook-post", "messenger", "instagram-comment", "x-mention",
                       "whatsapp"})
LOOKUP_KNOWN_SHARE = 0.40
TEXTS = (
    "My order arrived broken, terrible service",
    "Still waiting for my refund, this is awful",
    "Where is my parcel? Nobody answers the phone #delivery",
    "Is the store open on Sunday?",
    "Thanks, the new app is great #acmeapp",
    "Love the quick answer, well done",
    "The refund came through, thank you",
    "Third time asking about my order, really bad",
    "Does the warranty cover the battery?",
    "Awful wait on the phone line today #support",
)
X_BRAND_ID = "1460293038484783104"


def describe(customers: int = CUSTOMERS) -> str:
    shares = ", ".join(f"{name} {share:.0%}" for name, share in PLATFORM_SHARES)
    return (f"{KNOWN_SHARE:.0%} of posts from known customers ({customers} in the CRM), the rest from strangers "
            f"posting once; one post per delivery; {shares}; lookups {LOOKUP_KNOWN_SHARE:.0%} from customers' "
            f"numbers, the rest from unknown numbers")


SEGMENTS = ("gold", "silver", "bronze")


def steady_month() -> dict[str, tuple[str, ...]]:
    """The values each metric dimension takes in a steady month with everything on: every platform of the
    catalogue and every shipped generic mapping, the mix's customer segments, every sentiment and replier."""
    from socialcrm.engagement import COMPANY, EMPLOYEE, UNOFFICIAL_BRAND
    from socialcrm.metric_counters import PEER
    from socialcrm.platform_catalog import PLATFORMS

    mappings = Path(__file__).resolve().parents[1] / "layers/core/socialcrm/platforms/mappings"
    generic = tuple(json.loads(path.read_text(encoding="utf-8"))["platform"]
                    for path in sorted(mappings.glob("*.json")))
    return {"Platform": tuple(platform.name for platform in PLATFORMS) + generic, "Segment": SEGMENTS,
            "Sentiment": ("negative", "neutral", "positive"), "By": (COMPANY, EMPLOYEE, UNOFFICIAL_BRAND, PEER)}


def customer(n: int) -> dict[str, Any]:
    return {"customer_id": f"c{n:05d}", "name": f"Customer {n}", "phones": [phone(n)], "segment":
            SEGMENTS[n % len(SEGMENTS)], "social": [
                {"platform": "facebook", "user_id": f"61{n:08d}"},
                {"platform": "instagram", "user_id": f"178414{n:011d}", "handle": f"cust.{n}"},
                {"platform": "x", "user_id": f"14602930{n:011d}", "handle": f"cust_{n}"}]}


def phone(n: int) -> str:
    return f"+4479{n:08d}"


@dataclass(frozen=True)
class Delivery:
    platform: str  # the webhook route
    body: bytes
    headers: dict[str, str]
    query: dict[str, str]
    kind: str  # the mix's name for it
    known: bool


def _hub_signature(secret: str, body: bytes) -> dict[str, str]:
    return {"x-hub-signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def _payload(kind: str, n: int, author: int | None, text: str, now: int, answered: str | None) -> tuple[str, Any]:
    """(route, payload) of post `n`; `author` is a customer number, or None for a stranger."""
    stranger = f"{n:09d}"
    if kind in ("facebook-comment", "official-reply"):
        user = samples.PAGE_ID if kind == "official-reply" else (f"61{author:08d}" if author else f"62{stranger}")
        name = "Acme" if kind == "official-reply" else f"Person {n}"
        return "meta", samples.page_comment(f"c{n}", user, name, text, now, reply_to=answered)
    if kind == "facebook-post":
        return "meta", samples.page_post(f"p{n}", f"61{author:08d}" if author else f"62{stranger}", f"Person {n}",
                                         text, now)
    if kind == "messenger":
        return "meta", samples.messenger_message(f"m.{n}", f"61{author:08d}" if author else f"63{stranger}", text,
                                                 now * 1000)
    if kind == "instagram-comment":
        user, handle = (f"178414{author:011d}", f"cust.{author}") if author else (f"179{stranger}", f"visitor.{n}")
        return "meta", samples.instagram_comment(f"1790{n:011d}", user, handle, text, now)
    if kind == "x-mention":
        user, handle = (f"14602930{author:011d}", f"cust_{author}") if author else (f"147{stranger}", f"visitor_{n}")
        return "x", {"for_user_id": X_BRAND_ID, "tweet_create_events": [{
            "created_at": time.strftime("%a %b %d %H:%M:%S +0000 %Y", time.gmtime(now)),
            "id_str": f"19934567{n:011d}", "text": f"@acme_help {text}", "in_reply_to_status_id_str": None,
            "in_reply_to_user_id_str": X_BRAND_ID,
            "user": {"id_str": user, "name": f"Person {n}", "screen_name": handle},
            "entities": {"user_mentions": [{"id_str": X_BRAND_ID, "screen_name": "acme_help"}]},
            "timestamp_ms": str(now * 1000)}]}
    if kind == "whatsapp":
        wa_id = phone(author).lstrip("+") if author else f"4479{90000000 + n:08d}"
        return "whatsapp", {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                "contacts": [{"profile": {"name": f"Person {n}"}, "wa_id": wa_id}],
                "messages": [{"from": wa_id, "id": f"wamid.{n:012d}", "timestamp": str(now), "type": "text",
                              "text": {"body": text}}]}}]}]}
    if kind == "linkedin-comment":
        return "linkedin", {"type": "ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS", "notifications": [{
            "notificationId": n, "organizationalEntity": "urn:li:organization:2414183", "action": "COMMENT",
            "actor": f"urn:li:person:p{stranger}", "sourcePost": "urn:li:share:7220000000000000001",
            "generatedActivity": f"urn:li:comment:(urn:li:activity:7220000000000000001,72200{n:014d})",
            "decoratedGeneratedActivity": {"comment": {"entity": "urn:li:share:7220000000000000001",
                                                       "owner": f"urn:li:person:p{stranger}", "text": text}},
            "lastModifiedAt": now * 1000}]}
    if kind == "google-review":
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now))
        review = {"notificationType": "NEW_REVIEW",
                  "location": "accounts/110000000000000000001/locations/9000000000000000001",
                  "review": f"accounts/110000000000000000001/locations/9000000000000000001/reviews/r{n}",
                  "reviewer": {"displayName": f"Person {n}", "isAnonymous": False}, "starRating": "TWO",
                  "comment": text, "createTime": stamp, "updateTime": stamp}
        data = base64.b64encode(json.dumps(review).encode()).decode()
        return "google-business", {"message": {"data": data, "attributes": {"notificationType": "NEW_REVIEW"},
                                               "messageId": str(n), "publishTime": stamp},
                                   "subscription": "projects/acme-social/subscriptions/gbp-reviews-push"}
    raise ValueError(kind)


def _sign(route: str, body: bytes, secrets: dict[str, Any], now: int) -> tuple[dict[str, str], dict[str, str]]:
    if route in ("meta", "whatsapp"):
        return _hub_signature(secrets["meta"]["app_secret"], body), {}
    if route == "x":
        mac = hmac.new(secrets["x"]["consumer_secret"].encode(), body, hashlib.sha256).digest()
        return {"x-twitter-webhooks-signature": "sha256=" + base64.b64encode(mac).decode()}, {}
    if route == "linkedin":
        mac_hex = hmac.new(secrets["linkedin"]["client_secret"].encode(), body, hashlib.sha256).hexdigest()
        return {"x-li-signature": "hmacsha256=" + mac_hex}, {}
    if route == "google-business":
        return {}, {"token": secrets["google-business"]["token"]}
    raise ValueError(route)


def deliveries(posts: int, secrets: dict[str, Any], seed: int = 7, now: int | None = None,
               customers: int = CUSTOMERS) -> list[Delivery]:
    """`posts` signed deliveries in the stated mix, shuffled with `seed`."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible mix, not a secret)
    now = int(now if now is not None else time.time())
    kinds = [kind for kind, share in PLATFORM_SHARES for _ in range(round(posts * share))]
    kinds = (kinds + ["facebook-comment"] * posts)[:posts]
    rng.shuffle(kinds)
    matchable = [i for i, kind in enumerate(kinds) if kind in MATCHABLE]
    known = set(rng.sample(matchable, min(len(matchable), round(posts * KNOWN_SHARE))))
    comments: list[str] = []
    made = []
    for n, kind in enumerate(kinds):
        author = rng.randrange(1, customers + 1) if n in known else None
        answered = rng.choice(comments) if kind == "official-reply" and comments else None
        route, payload = _payload(kind, n, author, TEXTS[n % len(TEXTS)], now, answered)
        if kind == "facebook-comment":
            comments.append(f"c{n}")
        body = json.dumps(payload).encode()
        headers, query = _sign(route, body, secrets, now)
        made.append(Delivery(route, body, {"content-type": "application/json", **headers}, query, kind, n in known))
    return made


def http_event(delivery: Delivery, n: int) -> dict[str, Any]:
    """The HTTP API (payload 2.0) event of a delivery."""
    path = f"/webhooks/{delivery.platform}"
    return {"version": "2.0", "routeKey": "POST /webhooks/{platform}", "rawPath": path,
            "rawQueryString": "&".join(f"{k}={v}" for k, v in delivery.query.items()),
            "headers": delivery.headers, "queryStringParameters": delivery.query or None,
            "requestContext": {"http": {"method": "POST", "path": path, "protocol": "HTTP/1.1",
                                        "sourceIp": "203.0.113.9", "userAgent": "probe"},
                               "requestId": f"probe-{n}", "routeKey": "POST /webhooks/{platform}",
                               "stage": "$default", "timeEpoch": int(time.time() * 1000)},
            "pathParameters": {"platform": delivery.platform}, "body": delivery.body.decode(),
            "isBase64Encoded": False}


def lookup_events(lookups: int, seed: int = 7, customers: int = CUSTOMERS) -> list[dict[str, Any]]:
    rng = random.Random(seed + 1)  # noqa: S311 (a reproducible mix, not a secret)
    events = []
    for n in range(lookups):
        known = rng.random() < LOOKUP_KNOWN_SHARE
        number = phone(rng.randrange(1, customers + 1)) if known else phone(50_000_000 + n)  # valid, on no record
        events.append({"Name": "ContactFlowEvent", "Details": {"ContactData": {
            "Channel": "VOICE", "Attributes": {}, "CustomerEndpoint": {"Address": number,
                                                                        "Type": "TELEPHONE_NUMBER"}},
            "Parameters": {}}})
    return events
