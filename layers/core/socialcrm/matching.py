"""Identity resolution: the right customer for a post's author, with evidence, or no one.

Candidates come only from key reads (the author's platform id, handle and phone, and in a direct
message the phones and emails written in it), so the cost per post does not grow with the customer
base. Each signal adds a documented weight (docs/matching.md). Three outcomes:

- linked: what the platform asserts (or a person confirmed) about the author, counting only unambiguous
  keys, reaches LINK_THRESHOLD and no other candidate reaches it; agents see the post as this customer's;
- candidate: someone reaches REVIEW_THRESHOLD (or a key points to two customers): held for review,
  never shown to agents as fact;
- unmatched.

What anyone can type (a phone or email written in a message, a display name, a location) adds to the
score and may send a post to review, but never links it on its own. A pair an agent rejected is never
linked again automatically.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from socialcrm import identity
from socialcrm.model import Author, CanonicalPost, Customer
from socialcrm.person_names import is_pseudonym, name_similarity, name_verdict
from socialcrm.phones import region_of, to_e164
from socialcrm.ports import CustomerDirectory

LINK_THRESHOLD = 90
REVIEW_THRESHOLD = 50
MAX_KEYS_FROM_TEXT = 2  # of each kind, so a long message cannot make many reads

# Signal kind -> weight. A kind counts once per candidate.
WEIGHTS = {
    "verified_by_customer": 100,
    "confirmed_by_agent": 100,
    "platform_id_on_record": 100,
    "linked_before": 95,
    "platform_phone_on_record": 90,
    "handle_on_record": 90,
    "learned_unproven": 60,
    "phone_in_message": 60,
    "email_in_message": 60,
    "name_match": 35,
    "name_similar": 20,
    "location_match": 5,
    "name_differs": 0,
    "handle_released": 0,
    "holder_unconfirmed": 0,
}
NAME_MATCH = 90.0  # profile location vs record city (rapidfuzz token-sort)
# Keys that someone else can come to hold (a released handle, a relative or the next holder of a recycled
# number writing from the number on record, a relative's phone or email written in a message): a real name
# that differs from the record's stops them from linking, and sends them to review.
TRANSFERABLE = ("handle_on_record", "platform_phone_on_record", "phone_in_message", "email_in_message")
# A phone number on two records (a household's) links one of them only with corroboration: the shown name
# agrees with that record and not with the other, or a phone or email written in the message is that record's.
CORROBORATING = ("name_match", "phone_in_message", "email_in_message")
# What speaks against a candidate, for the review list (besides a key on another record).
CONTRADICTIONS = {
    "name_differs": "the name shown differs from the record's",
    "handle_released": "the handle on the record belongs to another account id now (released handle)",
    "handle_moved": "another account held this handle when it was linked before",
    "phone_stale": "the CRM last confirmed this number over a year ago (it may have been given to someone else)",
    "name_unknown": "the key on record can change hands, and the name shown is not a person's name to check it by",
}
# Asserted kinds that someone else can come to hold: with nothing but a pseudonym shown ("Runner 42", "🌻"), one of
# them alone links a stranger about one time in ten (a relative, a recycled number's new holder, a released
# handle's taker: docs/matching.md), far below the precision a link needs, so it needs corroboration.
REUSABLE_ASSERTED = ("platform_phone_on_record", "handle_on_record")
# Evidence that settles who holds a reusable key: the account id, a confirmed or learned link, or the customer's
# own phone or email written in the message.
SETTLES_HOLDER = ("verified_by_customer", "confirmed_by_agent", "platform_id_on_record", "linked_before",
                  "phone_in_message", "email_in_message")
STALE_PHONE_DAYS = 365
# What the platform asserts about the author (its id, its current handle, WhatsApp's sender number), a person's
# confirmation, or a link learned from one of these: only these link a post. Every other kind is typed by
# someone (a phone or email in a message, a display name, a location) and only adds to them or sends to review.
ASSERTED = ("verified_by_customer", "confirmed_by_agent", "platform_id_on_record", "linked_before",
            "platform_phone_on_record", "handle_on_record")
LEARNED = "linked:"  # a learned link's source: "linked:<the asserted kind it was learned from>"

_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE_IN_TEXT = re.compile(r"(?<![\w+])\+?\d[\d ().-]{6,18}\d(?!\w)")


def signal_kind(origin: str, source: str) -> str | None:
    """What a link found through a key means, by where the key came from and who made the link."""
    if origin in _TYPED_ORIGINS:  # written in a message: typed evidence, whoever linked the key to the customer
        return _TYPED_ORIGINS[origin] if source in ("crm", "confirmed", "verified") else None
    if source == "verified":
        return "verified_by_customer"
    if source == "confirmed":
        return "confirmed_by_agent"
    if source == "linked" or source.startswith(LEARNED):  # a bare "linked" predates recording where it came from
        return "linked_before" if learned_from(source) else "learned_unproven"
    if source != "crm":
        return None
    return {"user_id": "platform_id_on_record", "phone": "platform_phone_on_record",
            "handle": "handle_on_record"}.get(origin)


_TYPED_ORIGINS = {"message_phone": "phone_in_message", "message_email": "email_in_message"}


def learned_from(source: str) -> str | None:
    """The asserted kind a learned link was learned from; None when it was not (or is not known)."""
    origin = source[len(LEARNED):] if source.startswith(LEARNED) else ""
    return origin if origin in ASSERTED and origin != "linked_before" else None


@dataclass
class Candidate:
    customer_id: str
    evidence: dict[str, str] = field(default_factory=dict)  # kind -> identity key it came from ("" for names)
    conflicted: set[str] = field(default_factory=set)  # kinds whose key points to two or more customers
    learned_from: str | None = None  # for linked_before: the asserted kind the link was learned from
    contradictions: set[str] = field(default_factory=set)  # CONTRADICTIONS keys
    shared: set[str] = field(default_factory=set)  # kinds whose key points to other customers too

    @property
    def score(self) -> int:
        return sum(WEIGHTS[kind] for kind in self.evidence)

    @property
    def clean_score(self) -> int:
        return sum(WEIGHTS[kind] for kind in self.evidence if kind not in self.conflicted)

    @property
    def asserted_score(self) -> int:
        return sum(WEIGHTS[kind] for kind in self.evidence if kind in ASSERTED and kind not in self.conflicted)

    @property
    def basis(self) -> str | None:
        """The strongest asserted, unambiguous kind: what a link to this candidate rests on."""
        return next((kind for kind in self.kinds() if kind in ASSERTED and kind not in self.conflicted), None)

    def as_dict(self) -> dict[str, Any]:
        """For the review list: the score, and which evidence agrees and which contradicts."""
        agrees = [kind for kind in self.kinds() if kind not in self.conflicted and WEIGHTS[kind] > 0]
        contradicts = [CONTRADICTIONS[c] for c in sorted(self.contradictions)]
        contradicts += [f"{kind}: the same key is on another customer's record" for kind in sorted(self.shared)]
        contradicts += [f"{kind}: does not count, {reason}" for kind in self.kinds()
                        if kind in self.conflicted and kind not in self.shared
                        for reason in [self._why_not(kind)]]
        return {"customer_id": self.customer_id, "score": self.score, "evidence": self.kinds(),
                "conflict": bool(self.conflicted), "agrees": agrees, "contradicts": contradicts}

    def _why_not(self, kind: str) -> str:
        if kind == "handle_on_record" and "handle_moved" in self.contradictions:
            return "the handle changed hands"
        return "the name shown differs" if "name_differs" in self.contradictions else "contradicted"

    def kinds(self) -> list[str]:
        return sorted(self.evidence, key=lambda kind: -WEIGHTS[kind])


@dataclass(frozen=True)
class Match:
    outcome: str  # linked | candidate | unmatched
    customer_id: str | None = None
    match_key: str | None = None  # the identity key the link rests on (None for a confirmation without one)
    score: int = 0
    evidence: tuple[str, ...] = ()
    candidates: tuple[dict[str, Any], ...] = ()  # for review: Candidate.as_dict()
    basis: str | None = None  # the asserted kind the link rests on; "linked_before:<kind>" for a learned link
    # (customer id, their account key) for each customer whose handle on record another account id now holds
    released: tuple[tuple[str, str], ...] = ()

    @property
    def linked(self) -> bool:
        return self.outcome == "linked"


UNMATCHED = Match("unmatched")


def keys_in_message(text: str, default_region: str, author_region: str | None = None) -> list[tuple[str, str]]:
    """Phones and emails a customer wrote in a direct message, as identity keys. A number in national form is
    read in the author's region (a WhatsApp sender's country) first, then in the default region."""
    probes: list[tuple[str, str]] = []
    for raw in _EMAIL_IN_TEXT.findall(text)[:MAX_KEYS_FROM_TEXT]:
        probes.append((identity.email_key(raw), "message_email"))
    phones = 0
    regions = list(dict.fromkeys(r for r in (author_region, default_region) if r))
    for raw in _PHONE_IN_TEXT.findall(text):
        e164 = next((number for number in (to_e164(raw, region) for region in regions) if number), None)
        if e164 and phones < MAX_KEYS_FROM_TEXT:
            probes.append((identity.phone_key(e164), "message_phone"))
            phones += 1
    return probes


def numbers_in_message(text: str) -> list[str]:
    """The phone numbers written in a message, as written (read later in each candidate's own region)."""
    return _PHONE_IN_TEXT.findall(text)[:MAX_KEYS_FROM_TEXT]


def probes_for(post: CanonicalPost, default_region: str) -> list[tuple[str, str]]:
    probes = identity.author_probes(post.author)
    if post.is_direct_message and post.text:
        probes += keys_in_message(post.text, default_region, region_of(post.author.phone))
    return list(dict.fromkeys(probes))


def resolve(post: CanonicalPost, directory: CustomerDirectory, default_region: str,
            extra: Sequence[tuple[str, str]] = ()) -> Match:
    """Score every customer the author's keys point to and decide. `extra`: (kind, customer id) already proven."""
    candidates: dict[str, Candidate] = {}
    rejected: set[str] = set()
    author_key = identity.primary_author_key(post.author)
    for key, origin in probes_for(post, default_region):
        links = directory.identity_links(key)
        if origin in ("user_id", "handle", "phone"):  # a rejection is about the author's own account
            rejected |= {link.customer_id for link in links if link.source == "rejected"}
        pointed: dict[str, str] = {}  # customer -> the strongest kind this key gives them
        sources: dict[str, str] = {}  # customer -> the link source behind that kind
        for link in links:
            kind = signal_kind(origin, link.source)
            if kind and WEIGHTS[kind] > WEIGHTS.get(pointed.get(link.customer_id, ""), -1):
                pointed[link.customer_id], sources[link.customer_id] = kind, link.source
        # The customer's handle was held by another account of theirs: it has passed to someone else.
        moved = {link.customer_id for link in links if link.holder and link.holder != author_key}
        for customer_id, kind in pointed.items():
            candidate = candidates.setdefault(customer_id, Candidate(customer_id))
            candidate.evidence.setdefault(kind, key)
            if kind == "linked_before":
                candidate.learned_from = learned_from(sources[customer_id])
            if len(pointed) > 1:
                candidate.conflicted.add(kind)
                candidate.shared.add(kind)
            if kind == "handle_on_record" and customer_id in moved:
                candidate.conflicted.add(kind)
                candidate.contradictions.add("handle_moved")
    for kind, customer_id in extra:
        candidates.setdefault(customer_id, Candidate(customer_id)).evidence[kind] = ""
    for customer_id in rejected - {customer_id for kind, customer_id in extra}:
        candidates.pop(customer_id, None)
    if not candidates:
        return UNMATCHED
    records = directory.get_many(sorted(candidates))
    for candidate in list(candidates.values()):
        record = records.get(candidate.customer_id)
        if record is None:  # a key left behind by a deleted record
            candidates.pop(candidate.customer_id)
            continue
        add_profile_signals(candidate, post, record)
    settle_shared_phone(list(candidates.values()))
    match = decide(list(candidates.values()))
    released = tuple((c.customer_id, key) for c in candidates.values() if "handle_released" in c.evidence
                     for key in [recorded_account(post.author, records[c.customer_id])] if key)
    return replace(match, released=released) if released else match


def add_profile_signals(candidate: Candidate, post: CanonicalPost, record: Customer) -> None:
    author = post.author
    verdict = name_verdict(author.name, record.name)
    if verdict == "agrees":
        candidate.evidence["name_match"] = ""
    elif verdict == "similar":
        candidate.evidence["name_similar"] = ""
    elif verdict == "differs":
        candidate.evidence["name_differs"] = ""
        candidate.contradictions.add("name_differs")
        candidate.conflicted |= {kind for kind in TRANSFERABLE if kind in candidate.evidence}
    if "platform_phone_on_record" in candidate.evidence and phone_is_stale(author.phone, record, post.created_at):
        candidate.contradictions.add("phone_stale")
        if "name_match" not in candidate.evidence:  # an old number links only with the name agreeing
            candidate.conflicted.add("platform_phone_on_record")
    if "handle_on_record" in candidate.evidence and handle_released(author, record):
        del candidate.evidence["handle_on_record"]
        candidate.conflicted.discard("handle_on_record")
        candidate.evidence["handle_released"] = ""
        candidate.contradictions.add("handle_released")
    if post.is_direct_message and post.text and "phone_in_message" not in candidate.evidence:
        region = record.country or region_of(record.phones[0] if record.phones else None)
        written = {to_e164(raw, region) for raw in numbers_in_message(post.text)} if region else set()
        if written & set(record.phones):  # a national number of the customer's own country, read there
            candidate.evidence["phone_in_message"] = ""
    if author.location and record.city and name_similarity(author.location, record.city) >= NAME_MATCH:
        candidate.evidence["location_match"] = ""
    if verdict == "unknown" and is_pseudonym(author.name):
        hold_reusable_key_under_a_pseudonym(candidate)


def hold_reusable_key_under_a_pseudonym(candidate: Candidate) -> None:
    """A reusable key (a number, a handle) shown under a pseudonym does not link unless something settles who
    holds it. A key already on two records stays as it is: it goes to review as a household's."""
    if any(kind in candidate.evidence for kind in SETTLES_HOLDER):
        return
    held = [kind for kind in REUSABLE_ASSERTED if kind in candidate.evidence and kind not in candidate.shared]
    for kind in held:
        del candidate.evidence[kind]
    if held:
        candidate.conflicted.difference_update(held)
        candidate.evidence["holder_unconfirmed"] = ""
        candidate.contradictions.add("name_unknown")


def phone_is_stale(phone: str | None, record: Customer, created_at: str) -> bool:
    """The record says when the number was last confirmed, and that was more than STALE_PHONE_DAYS before the post."""
    day = dict(record.phones_confirmed).get(phone or "")
    if not day:
        return False
    try:
        age = date.fromisoformat(created_at[:10]) - date.fromisoformat(day)
    except ValueError:
        return False
    return age.days > STALE_PHONE_DAYS


def recorded_account(author: Author, record: Customer) -> str | None:
    """The account key the record holds with the author's handle (the customer's own account)."""
    handle = identity.normalize_handle(author.handle or "")
    return next((identity.platform_user_key(entry.platform, entry.user_id) for entry in record.social
                 if entry.platform == author.platform and entry.handle and entry.user_id
                 and identity.normalize_handle(entry.handle) == handle), None)


def handle_released(author: Author, record: Customer) -> bool:
    """The record holds this handle together with an account id, and the author's account id is another one:
    the customer released the handle and someone else holds it now."""
    if not author.user_id or not author.handle:
        return False
    handle = identity.normalize_handle(author.handle)
    entries = [entry for entry in record.social if entry.platform == author.platform and entry.handle
               and identity.normalize_handle(entry.handle) == handle]
    ids = {entry.user_id.strip() for entry in entries if entry.user_id}
    return bool(ids) and author.user_id.strip() not in ids


def settle_shared_phone(candidates: list[Candidate]) -> None:
    """A WhatsApp number on two records (a household's): it counts for the one candidate that something else
    corroborates (the name shown, or a phone or email written in the message) when no other one is."""
    sharing = [c for c in candidates if "platform_phone_on_record" in c.shared]
    corroborated = [c for c in sharing if any(kind in c.evidence and kind not in c.conflicted
                                              for kind in CORROBORATING) and not c.contradictions]
    if len(corroborated) == 1 and all("name_match" not in c.evidence for c in sharing if c is not corroborated[0]):
        corroborated[0].conflicted.discard("platform_phone_on_record")


def decide(candidates: list[Candidate]) -> Match:
    if not candidates:
        return UNMATCHED
    ranked = sorted(candidates, key=lambda c: (-c.asserted_score, -c.clean_score, -c.score, c.customer_id))
    best = ranked[0]
    rivals = [c for c in ranked[1:] if c.clean_score >= LINK_THRESHOLD]  # even typed evidence: a doubt to review
    if best.asserted_score >= LINK_THRESHOLD and not rivals and best.basis:
        basis = f"linked_before:{best.learned_from}" if best.basis == "linked_before" and best.learned_from \
            else best.basis
        return Match("linked", best.customer_id, best.evidence[best.basis] or None, best.score, tuple(best.kinds()),
                     basis=basis)
    review = [c for c in ranked if c.score >= REVIEW_THRESHOLD or c.conflicted]
    if not review:
        return UNMATCHED
    by_score = sorted(review, key=lambda c: (-c.score, c.customer_id))[:5]
    return Match("candidate", None, None, by_score[0].score, tuple(by_score[0].kinds()),
                 tuple(c.as_dict() for c in by_score))
