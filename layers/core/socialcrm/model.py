"""The canonical social post and the records built from it.

Every platform adapter normalizes its payloads into CanonicalPost; everything downstream
(queue messages, storage, cards, pushes) speaks only this shape.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal

from socialcrm.errors import BadRequest

PostKind = Literal["post", "comment", "message", "mention", "review", "reaction"]
# A reaction (like, favourite) is counted, never stored as a post or shown to an agent.
POST_KINDS: tuple[str, ...] = ("post", "comment", "message", "mention", "review", "reaction")
Sentiment = Literal["positive", "neutral", "negative"]


@dataclass(frozen=True)
class Author:
    """Who wrote a post. `platform` is the identity namespace (facebook, instagram, ...)."""

    platform: str
    user_id: str | None = None
    handle: str | None = None
    name: str | None = None
    phone: str | None = None  # E.164, when the platform identifies people by phone (WhatsApp)
    location: str | None = None  # free text from the profile, when the platform gives it


@dataclass(frozen=True)
class CanonicalPost:
    platform: str
    post_id: str
    kind: str
    author: Author
    text: str
    created_at: str
    url: str | None = None
    reply_to: str | None = None
    source: str = ""
    verb: str = "add"
    account: str | None = None  # our account the event was delivered for (page, for_user_id, organization)

    def __post_init__(self) -> None:
        if not self.platform or not self.post_id:
            raise BadRequest("a post needs a platform and an id")
        if self.kind not in POST_KINDS:
            raise BadRequest(f"unknown post kind {self.kind!r}")

    @property
    def key(self) -> str:
        """Stable identity of the post across redeliveries: the idempotency key."""
        return f"{self.platform}#{self.post_id}"

    @property
    def is_direct_message(self) -> bool:
        return self.kind == "message"

    def to_message(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> CanonicalPost:
        try:
            author = Author(**data["author"])
            fields = {k: v for k, v in data.items() if k != "author"}
            return cls(author=author, **fields)
        except (KeyError, TypeError) as error:
            raise BadRequest(f"not a canonical post: {error}") from None


@dataclass(frozen=True)
class AnalyzedPost:
    """A post after sentiment and matching, as it is stored."""

    post: CanonicalPost
    sentiment: str
    sentiment_score: float
    customer_id: str | None = None
    match_key: str | None = None
    match_score: int = 0
    evidence: tuple[str, ...] = ()  # signal kinds behind the link (docs/matching.md)
    candidates: tuple[dict, ...] = ()  # customers held for review when the match is not certain
    role: str = "public"  # company | employee | unofficial_brand | public (socialcrm.engagement)
    match_basis: str | None = None  # the asserted kind the link rests on (socialcrm.matching.Match.basis)

    def with_customer(self, customer_id: str | None, match_key: str | None) -> AnalyzedPost:
        return replace(self, customer_id=customer_id, match_key=match_key)


@dataclass(frozen=True)
class SocialIdentity:
    platform: str
    user_id: str | None = None
    handle: str | None = None


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    social: tuple[SocialIdentity, ...] = ()
    segment: str | None = None
    country: str | None = None
    city: str | None = None
    identity_keys: tuple[str, ...] = field(default=())
    linked_keys: tuple[str, ...] = ()  # accounts linked beyond the record (by matching, agents, the customer)


def segment_label(segment: str | None) -> str:
    """A customer's segment as metrics name it: customers without one count as "none"."""
    return segment or "none"


@dataclass(frozen=True)
class IdentityLink:
    """A customer an identity key points to, and who made the link.

    source: crm (on the customer record), linked:<kind> (learned from an automatic link that rested on
    that asserted kind; a bare "linked" is older and its origin unknown), confirmed (an agent), verified
    (the customer, with a one-time code), rejected (an agent said: not this one), or
    holder:<platform id key> on a handle: the account that held the customer's handle when it was
    linked, so a handle that later passes to someone else is noticed.
    """

    customer_id: str
    source: str = "crm"

    @property
    def holder(self) -> str | None:
        return self.source[len(HOLDER):] if self.source.startswith(HOLDER) else None


HOLDER = "holder:"


@dataclass(frozen=True)
class ContactPush:
    """What the contact centre receives for an actionable post."""

    push_id: str
    customer_id: str
    customer_name: str | None
    platform: str
    kind: str
    post_id: str
    text: str
    sentiment: str
    created_at: str
    url: str | None
    reason: str  # why it is actionable (negative, direct_message); "" for a matched post that is not
    match_key: str = ""  # the identity key that linked the author (the evidence)
    match_basis: str = ""  # what the link rests on (socialcrm.matching.Match.basis), for the label

    @property
    def actionable(self) -> bool:
        return bool(self.reason)

    def to_message(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> ContactPush:
        try:
            return cls(**data)
        except TypeError as error:
            raise BadRequest(f"not a contact push: {error}") from None


def push_id_for(post_key: str) -> str:
    """Deterministic id of the push of a post, so retries can be deduplicated downstream."""
    return hashlib.sha256(post_key.encode()).hexdigest()[:32]


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any) -> str:
    """ISO-8601 UTC from the time formats the platforms use (epoch s/ms, ISO with offsets)."""
    if value is None or value == "":
        raise BadRequest("missing time")
    if isinstance(value, bool):
        raise BadRequest("time is not a timestamp")
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        number = float(value)
        if number > 1e11:  # milliseconds
            number /= 1000
        try:
            return utc_iso(datetime.fromtimestamp(number, tz=UTC))
        except (OverflowError, OSError, ValueError):
            raise BadRequest("time out of range") from None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":  # +0000 -> +00:00
            text = f"{text[:-2]}:{text[-2:]}"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise BadRequest("time is not ISO-8601") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return utc_iso(moment)
    raise BadRequest("time is not a timestamp")
