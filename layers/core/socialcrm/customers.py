"""Customer records from the CRM: validation, identity keys, and linking posts already captured."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from socialcrm import identity
from socialcrm.card_refresh import contact_keys, refresh_cards, release_contact_keys
from socialcrm.errors import InvalidRecord
from socialcrm.linking import LinkingDeps, forget_learned_from, rematch
from socialcrm.model import Customer, SocialIdentity
from socialcrm.phones import to_e164
from socialcrm.ports import (
    BulkCustomerStore,
    CardStore,
    CustomerDirectory,
    LinkCodes,
    PostRepository,
    ReviewList,
    Tombstones,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REGION = re.compile(r"^[A-Za-z]{2}$")
_DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_ID_LENGTH = 256
MAX_SEGMENT_LENGTH = 64
# A segment becomes a metric dimension value (Customers|Segment=<s>): no '|', '=' or '#'.
_SEGMENT = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9 _.-]{{0,{MAX_SEGMENT_LENGTH - 1}}}$")
RESERVED_SEGMENTS = frozenset({"unmatched"})  # the group of posts by no customer in the topic figures
MAX_ENTRIES = {"phones": 10, "emails": 10, "social": 50}  # per record; more rejects the record (docs/privacy.md)
MAX_RECORDS_PER_SYNC = 200  # per invocation: well inside the function's timeout (docs/deploy.md)


@dataclass
class SyncDeps:
    customers: CustomerDirectory
    posts: PostRepository
    cards: CardStore
    default_region: str
    clock: Any
    reviews: ReviewList
    codes: LinkCodes
    tombstones: Tombstones | None = None  # erased customers; production always has them (wiring.sync_deps)
    bulk: BulkCustomerStore | None = None  # records many at a time, for the bulk import (customer_import)

    @property
    def linking(self) -> LinkingDeps:
        return LinkingDeps(self.customers, self.posts, self.cards, self.reviews, self.codes, self.default_region,
                           self.clock)


def _text(record: dict[str, Any], field: str, *, required: bool = False) -> str | None:
    value = record.get(field)
    if value is None or value == "":
        if required:
            raise InvalidRecord(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidRecord(field, "must be a string")
    value = value.strip()
    if len(value) > MAX_ID_LENGTH:
        raise InvalidRecord(field, f"is longer than {MAX_ID_LENGTH} characters")
    return value


def _list(record: dict[str, Any], field: str, dropped: list[InvalidRecord]) -> list[Any]:
    """The field's entries; a field that is not a list is dropped, one with too many entries rejects the record."""
    value = record.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        dropped.append(InvalidRecord(field, "must be a list"))
        return []
    if len(value) > MAX_ENTRIES[field]:
        raise InvalidRecord(field, f"has {len(value)} entries, more than {MAX_ENTRIES[field]}")
    return value


def _optional_text(record: dict[str, Any], field: str, dropped: list[InvalidRecord]) -> str | None:
    try:
        return _text(record, field)
    except InvalidRecord as problem:
        dropped.append(problem)
        return None


def _segment(record: dict[str, Any]) -> str | None:
    segment = _text(record, "segment")
    if segment is None:
        return None
    if not _SEGMENT.match(segment):
        raise InvalidRecord("segment", f"must be 1 to {MAX_SEGMENT_LENGTH} letters, digits, spaces or '_-.'")
    if segment.lower() in RESERVED_SEGMENTS:
        raise InvalidRecord("segment", f"{segment.lower()!r} is reserved for posts by no customer")
    return segment


def _social_entry(entry: Any, where: str) -> SocialIdentity:
    if not isinstance(entry, dict):
        raise InvalidRecord(where, "must be an object")
    platform = entry.get("platform")
    if not isinstance(platform, str) or not _PLATFORM.match(platform.lower()):
        raise InvalidRecord(f"{where}.platform", "must be a platform name")
    user_id = entry.get("user_id")
    if isinstance(user_id, int) and not isinstance(user_id, bool):
        user_id = str(user_id)
    handle = entry.get("handle")
    if user_id is not None and (not isinstance(user_id, str) or not user_id.strip()
                                or len(user_id) > MAX_ID_LENGTH):
        raise InvalidRecord(f"{where}.user_id", "must be a non-empty string")
    if handle is not None and (not isinstance(handle, str) or not identity.normalize_handle(handle)
                               or len(handle) > MAX_ID_LENGTH):
        raise InvalidRecord(f"{where}.handle", "must be a non-empty string")
    if user_id is None and handle is None:
        raise InvalidRecord(where, "needs a user_id or a handle")
    return SocialIdentity(platform.lower(), user_id and user_id.strip(), handle and handle.strip())


def parse_customer(record: Any, default_region: str, dropped: list[InvalidRecord] | None = None) -> Customer:
    """A validated Customer with normalized identities, or InvalidRecord naming the field.

    What identifies the record (customer_id, country, segment, list sizes) is fatal when wrong; an unusable
    phone, email, social entry, name or city is left out and appended to `dropped`, so the rest still counts.
    """
    dropped = [] if dropped is None else dropped
    if not isinstance(record, dict):
        raise InvalidRecord("record", "must be an object")
    customer_id = _text(record, "customer_id", required=True)
    assert customer_id is not None  # noqa: S101  (required=True)
    if "#" in customer_id:
        raise InvalidRecord("customer_id", "must not contain '#'")
    country = _text(record, "country")
    if country is not None and not _REGION.match(country):
        raise InvalidRecord("country", "must be a two-letter ISO 3166 code")
    region = (country or default_region).upper()
    segment = _segment(record)
    raw_phones, raw_emails = _list(record, "phones", dropped), _list(record, "emails", dropped)
    raw_social = _list(record, "social", dropped)

    phones: list[str] = []
    confirmed: dict[str, str] = {}
    for index, entry in enumerate(raw_phones):
        raw, day = _phone_entry(entry, f"phones[{index}]", dropped)
        e164 = to_e164(raw, region) if isinstance(raw, str) and len(raw) <= MAX_ID_LENGTH else None
        if e164 is None:
            dropped.append(InvalidRecord(f"phones[{index}]", "is not a valid phone number"))
            continue
        if e164 not in phones:
            phones.append(e164)
        if day and day > confirmed.get(e164, ""):
            confirmed[e164] = day

    emails: list[str] = []
    for index, raw in enumerate(raw_emails):
        if not isinstance(raw, str) or len(raw) > MAX_ID_LENGTH or not _EMAIL.match(raw.strip()):
            dropped.append(InvalidRecord(f"emails[{index}]", "is not an email address"))
        elif raw.strip().lower() not in emails:
            emails.append(raw.strip().lower())

    social: list[SocialIdentity] = []
    for index, entry in enumerate(raw_social):
        try:
            social.append(_social_entry(entry, f"social[{index}]"))
        except InvalidRecord as problem:
            dropped.append(problem)

    keys: list[str] = []
    for entry in social:
        if entry.user_id:
            keys.append(identity.platform_user_key(entry.platform, entry.user_id))
        if entry.handle:
            keys.append(identity.handle_key(entry.platform, entry.handle))
    keys += [identity.phone_key(p) for p in phones] + [identity.email_key(e) for e in emails]

    return Customer(
        customer_id=customer_id,
        name=_optional_text(record, "name", dropped),
        phones=tuple(phones),
        emails=tuple(emails),
        social=tuple(social),
        segment=segment,
        country=country.upper() if country else None,
        city=_optional_text(record, "city", dropped),
        identity_keys=tuple(dict.fromkeys(keys)),
        phones_confirmed=tuple(sorted(confirmed.items())),
    )


def _phone_entry(entry: Any, where: str, dropped: list[InvalidRecord]) -> tuple[Any, str | None]:
    """A phone is a string, or {"number": ..., "last_confirmed": "YYYY-MM-DD"} (when the CRM last confirmed that
    the customer uses it: an old date makes the number count for less, as it may have been given to someone else).
    """
    if not isinstance(entry, dict):
        return entry, None
    day = entry.get("last_confirmed")
    if day is not None and not (isinstance(day, str) and _DAY.match(day)):
        dropped.append(InvalidRecord(f"{where}.last_confirmed", "must be a date, YYYY-MM-DD"))
        day = None
    return entry.get("number"), day


def _author_key(key: str) -> bool:
    return key.startswith(("id:", "handle:", "phone:"))


@dataclass(frozen=True)
class Rejected:
    index: int | None  # the record's place in the request; None: the request as a whole
    error: str


@dataclass(frozen=True)
class Dropped:
    index: int
    field: str
    error: str


@dataclass(frozen=True)
class SyncResult:
    upserted: int
    rejected: tuple[Rejected, ...] = ()  # records refused, with the field at fault
    warnings: tuple[Dropped, ...] = ()  # entries left out of records that were kept


def sync_customers(records: Any, deps: SyncDeps) -> SyncResult:
    """Upsert each usable record; reject the others with the field at fault, and report what was left out."""
    if not isinstance(records, list):
        raise InvalidRecord("customers", "must be a list of customer records")
    if len(records) > MAX_RECORDS_PER_SYNC:
        raise InvalidRecord("customers", f"has {len(records)} records, more than {MAX_RECORDS_PER_SYNC} per call")
    upserted = 0
    rejected: list[Rejected] = []
    warnings: list[Dropped] = []
    for index, record in enumerate(records):
        dropped: list[InvalidRecord] = []
        try:
            customer = parse_customer(record, deps.default_region, dropped)
            _refuse_the_erased(customer.customer_id, _returning(record), deps)
        except InvalidRecord as error:
            rejected.append(Rejected(index, error.message))
            continue
        warnings += [Dropped(index, problem.field, f"{problem.problem}; dropped") for problem in dropped]
        apply_customer(customer, deps)
        upserted += 1
    return SyncResult(upserted, tuple(rejected), tuple(warnings))


def _returning(record: dict[str, Any]) -> bool:
    """`"returning": true`: the CRM says, on purpose, that an erased person has come back."""
    returning = record.get("returning", False)
    if not isinstance(returning, bool):
        raise InvalidRecord("returning", "must be true or false (JSON booleans only)")
    return returning


def _refuse_the_erased(customer_id: str, returning: bool, deps: SyncDeps) -> None:
    """An erased customer is not recreated by a sync; a returning one is, and the tombstone goes."""
    if deps.tombstones is None:
        return
    erased_on = deps.tombstones.erased_on(customer_id)
    if erased_on is None:
        return
    if not returning:
        raise InvalidRecord("customer_id", f'erased on {erased_on}; send "returning": true only if this person '
                                           "has come back to you and agreed to be a customer again")
    deps.tombstones.lift(customer_id)


def apply_customer(customer: Customer, deps: SyncDeps) -> None:
    previous = deps.customers.get(customer.customer_id)
    removed_keys = deps.customers.upsert(customer)
    if previous is not None:  # its phone and email cards: cleared, and rebuilt for whoever still holds them
        kept = set(contact_keys(customer))
        release_contact_keys([pair for pair in contact_keys(previous) if pair not in kept], deps.posts,
                             deps.customers, deps.cards, deps.clock())
    # Posts already captured from the accounts this record names (or named): matched again, found
    # through the author index, never a scan. Linking, unlinking and review follow from the evidence.
    unlearned = forget_learned_from(removed_keys, customer.customer_id, deps.customers)
    post_keys = [post_key for key in (*customer.identity_keys, *removed_keys, *unlearned) if _author_key(key)
                 for post_key in deps.posts.keys_by_author(key)]
    refresh_cards(rematch(post_keys, deps.linking), deps.posts, deps.customers, deps.cards, deps.clock(),
                  also=[customer.customer_id])
