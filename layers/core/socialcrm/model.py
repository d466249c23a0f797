"""The canonical social post and the records built from it.

Every platform adapter normalizes its payloads into CanonicalPost; everything downstream
(queue messages, storage, cards, pushes) speaks only this shape.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from socialcrm.errors import BadRequest
from socialcrm.links import safe_link

# The hosts of each platform's own links; a platform not listed (generic/<source>) may link to any https host, or
# to the hosts its mapping declares (url_hosts), checked by the generic adapter. Its readers import it from here.
from socialcrm.platform_catalog import PLATFORM_HOSTS as PLATFORM_HOSTS

# A reaction (like, favourite) is counted, never stored as a post or shown to an agent.
POST_KINDS: tuple[str, ...] = ("post", "comment", "message", "mention", "review", "reaction")


@dataclass(frozen=True)
class Author:
    """Who wrote a post. `platform` is the identity namespace (facebook, instagram, ...)."""

    platform: str
    user_id: str | None = None
    handle: str | None = None
    name: str | None = None
    phone: str | None = None  # E.164, when the platform identifies people by phone (WhatsApp)
    location: str | None = None  # free text from the profile, when the platform gives it


@dataclass(frozen=True, order=True)
class PostKey:
    """A post's identity across redeliveries (the idempotency key). Written out as `<platform>#<post id>`:
    the posts table's key, and the post key in review items, governance notes, cards and push ids."""

    platform: str
    post_id: str

    SEPARATOR: ClassVar[str] = "#"

    @property
    def text(self) -> str:
        return f"{self.platform}{self.SEPARATOR}{self.post_id}"

    def __str__(self) -> str:
        return self.text

    @classmethod
    def parse(cls, text: object) -> PostKey:
        """The key written out by `text`; BadRequest if it is not one (a platform, '#', an id)."""
        if not isinstance(text, str):
            raise BadRequest("a post key is a string")
        platform, separator, post_id = text.partition(cls.SEPARATOR)
        if not separator or not platform.strip() or not post_id.strip():
            raise BadRequest("not a post key (<platform>#<post id>)")
        return cls(platform, post_id)


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
    thread: str | None = None  # the platform's conversation id, where a message has one (replies go there)

    def __post_init__(self) -> None:
        if not self.platform or not self.post_id:
            raise BadRequest("a post needs a platform and an id")
        if self.kind not in POST_KINDS:
            raise BadRequest(f"unknown post kind {self.kind!r}")
        if self.url is not None:  # every post passes here, from any adapter or queue message: no unsafe link leaks
            object.__setattr__(self, "url", safe_link(self.url, PLATFORM_HOSTS.get(self.platform)))

    @property
    def key(self) -> PostKey:
        """Stable identity of the post across redeliveries: the idempotency key."""
        return PostKey(self.platform, self.post_id)

    @property
    def parent_key(self) -> PostKey | None:
        """The key of the post this one replies to (on the same platform), if it is a reply."""
        return PostKey(self.platform, self.reply_to) if self.reply_to else None

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
    candidates: tuple[dict[str, Any], ...] = ()  # customers held for review when the match is not certain
    role: str = "public"  # company | employee | unofficial_brand | public (socialcrm.engagement)
    match_basis: str | None = None  # the asserted kind the link rests on (socialcrm.matching.Match.basis)


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
    phones_confirmed: tuple[tuple[str, str], ...] = ()  # (E.164, YYYY-MM-DD): when the CRM last confirmed a number


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
    answered_at: str = ""  # set on the push saying we answered the post (socialcrm.replies): tasks close

    def __post_init__(self) -> None:
        if self.url is not None:  # a push queued by an earlier version, or redriven: no unsafe link reaches a connector
            object.__setattr__(self, "url", safe_link(self.url, PLATFORM_HOSTS.get(self.platform)))

    @property
    def actionable(self) -> bool:
        return bool(self.reason)

    @property
    def post_key(self) -> PostKey:
        return PostKey(self.platform, self.post_id)

    def to_message(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_message(cls, data: dict[str, Any]) -> ContactPush:
        try:
            return cls(**data)
        except TypeError as error:
            raise BadRequest(f"not a contact push: {error}") from None


def push_id_for(post_key: PostKey) -> str:
    """Deterministic id of the push of a post, so retries can be deduplicated downstream."""
    return hashlib.sha256(post_key.text.encode()).hexdigest()[:32]


def answered_push_id_for(post_key: PostKey) -> str:
    """Deterministic id of the push saying the post was answered (not the post's own push id)."""
    return hashlib.sha256(f"answered|{post_key.text}".encode()).hexdigest()[:32]


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# X (Twitter v1.1) `created_at`: "Fri Aug 21 19:10:05 +0000 2020"; English names whatever the process locale
TWITTER_TIME = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?P<month>[A-Z][a-z]{2}) (?P<day>\d{2}) "
                          r"(?P<clock>\d{2}:\d{2}:\d{2}) (?P<offset>[+-]\d{4}) (?P<year>\d{4})")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _twitter_time(text: str) -> datetime | None:
    match = TWITTER_TIME.fullmatch(text)
    if match is None or match["month"] not in MONTHS:
        return None
    month = MONTHS.index(match["month"]) + 1
    offset = f"{match['offset'][:3]}:{match['offset'][3:]}"
    try:
        return datetime.fromisoformat(f"{match['year']}-{month:02d}-{match['day']}T{match['clock']}{offset}")
    except ValueError:
        return None


def parse_time(value: Any) -> str:
    """ISO-8601 UTC from the time formats the platforms use (epoch s/ms, ISO with offsets, X's created_at)."""
    if value is None or value == "":
        raise BadRequest("missing time")
    if isinstance(value, bool):
        raise BadRequest("time is not a timestamp")
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
        try:
            number = float(value)  # 10**400 overflows here; "²" is a digit to str.isdigit but not to float
            if number > 1e11:  # milliseconds
                number /= 1000
            return utc_iso(datetime.fromtimestamp(number, tz=UTC))
        except (OverflowError, OSError, ValueError):
            raise BadRequest("time out of range") from None
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":  # +0000 -> +00:00
            text = f"{text[:-2]}:{text[-2:]}"
        try:
            moment: datetime | None = datetime.fromisoformat(text)
        except ValueError:
            moment = _twitter_time(value.strip())
        if moment is None:
            raise BadRequest("time is not ISO-8601 or X's created_at") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            return utc_iso(moment)
        except OverflowError:  # 0001-01-01T00:00:00+05:00 is before year 1 in UTC
            raise BadRequest("time out of range") from None
    raise BadRequest("time is not a timestamp")
