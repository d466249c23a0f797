"""Customer records from the CRM: validation, identity keys, and linking posts already captured."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from socialcrm import identity
from socialcrm.errors import InvalidRecord
from socialcrm.linking import LinkingDeps, rematch
from socialcrm.model import Customer, SocialIdentity
from socialcrm.phones import to_e164
from socialcrm.ports import CardStore, CustomerDirectory, LinkCodes, PostRepository, ReviewList
from socialcrm.processing import contact_keys, refresh_cards, release_contact_keys

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_REGION = re.compile(r"^[A-Za-z]{2}$")
_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_ID_LENGTH = 256


@dataclass
class SyncDeps:
    customers: CustomerDirectory
    posts: PostRepository
    cards: CardStore
    default_region: str
    clock: Any
    reviews: ReviewList
    codes: LinkCodes

    @property
    def linking(self) -> LinkingDeps:
        return LinkingDeps(self.customers, self.posts, self.cards, self.reviews, self.codes, self.default_region,
                           self.clock)


def _text(record: dict, field: str, *, required: bool = False) -> str | None:
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


def _list(record: dict, field: str) -> list:
    value = record.get(field)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(field, "must be a list")
    return value


def parse_customer(record: Any, default_region: str) -> Customer:
    """A validated Customer with normalized identities, or InvalidRecord naming the field."""
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

    phones: list[str] = []
    for index, raw in enumerate(_list(record, "phones")):
        e164 = to_e164(raw, region) if isinstance(raw, str) else None
        if e164 is None:
            raise InvalidRecord(f"phones[{index}]", "is not a valid phone number")
        if e164 not in phones:
            phones.append(e164)

    emails: list[str] = []
    for index, raw in enumerate(_list(record, "emails")):
        if not isinstance(raw, str) or not _EMAIL.match(raw.strip()):
            raise InvalidRecord(f"emails[{index}]", "is not an email address")
        if raw.strip().lower() not in emails:
            emails.append(raw.strip().lower())

    social: list[SocialIdentity] = []
    for index, entry in enumerate(_list(record, "social")):
        where = f"social[{index}]"
        if not isinstance(entry, dict):
            raise InvalidRecord(where, "must be an object")
        platform = entry.get("platform")
        if not isinstance(platform, str) or not _PLATFORM.match(platform.lower()):
            raise InvalidRecord(f"{where}.platform", "must be a platform name")
        user_id = entry.get("user_id")
        if isinstance(user_id, int) and not isinstance(user_id, bool):
            user_id = str(user_id)
        handle = entry.get("handle")
        if user_id is not None and (not isinstance(user_id, str) or not user_id.strip()):
            raise InvalidRecord(f"{where}.user_id", "must be a non-empty string")
        if handle is not None and (not isinstance(handle, str) or not identity.normalize_handle(handle)):
            raise InvalidRecord(f"{where}.handle", "must be a non-empty string")
        if user_id is None and handle is None:
            raise InvalidRecord(where, "needs a user_id or a handle")
        social.append(SocialIdentity(platform.lower(), user_id and user_id.strip(), handle and handle.strip()))

    keys: list[str] = []
    for entry in social:
        if entry.user_id:
            keys.append(identity.platform_user_key(entry.platform, entry.user_id))
        if entry.handle:
            keys.append(identity.handle_key(entry.platform, entry.handle))
    keys += [identity.phone_key(p) for p in phones] + [identity.email_key(e) for e in emails]

    return Customer(
        customer_id=customer_id,
        name=_text(record, "name"),
        phones=tuple(phones),
        emails=tuple(emails),
        social=tuple(social),
        segment=_text(record, "segment"),
        country=country.upper() if country else None,
        city=_text(record, "city"),
        identity_keys=tuple(dict.fromkeys(keys)),
    )


def _author_key(key: str) -> bool:
    return key.startswith(("id:", "handle:", "phone:"))


def sync_customers(records: Any, deps: SyncDeps) -> dict[str, Any]:
    """Upsert each valid record; reject the others with the field at fault. Returns the answer."""
    if not isinstance(records, list):
        raise InvalidRecord("customers", "must be a list of customer records")
    upserted = 0
    rejected = []
    for index, record in enumerate(records):
        try:
            customer = parse_customer(record, deps.default_region)
        except InvalidRecord as error:
            rejected.append({"index": index, "error": error.message})
            continue
        apply_customer(customer, deps)
        upserted += 1
    return {"upserted": upserted, "rejected": rejected}


def apply_customer(customer: Customer, deps: SyncDeps) -> None:
    previous = deps.customers.get(customer.customer_id)
    removed_keys = deps.customers.upsert(customer)
    if previous is not None:  # its phone and email cards: cleared, and rebuilt for whoever still holds them
        kept = set(contact_keys(customer))
        release_contact_keys([pair for pair in contact_keys(previous) if pair not in kept], deps.posts,
                             deps.customers, deps.cards, deps.clock())
    # Posts already captured from the accounts this record names (or named): matched again, found
    # through the author index, never a scan. Linking, unlinking and review follow from the evidence.
    post_keys = [post_key for key in (*customer.identity_keys, *removed_keys) if _author_key(key)
                 for post_key in deps.posts.keys_by_author(key)]
    refresh_cards(rematch(post_keys, deps.linking), deps.posts, deps.customers, deps.cards, deps.clock(),
                  also=[customer.customer_id])
