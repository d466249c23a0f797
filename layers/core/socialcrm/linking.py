"""Links between social accounts and customers: made by matching, learned, verified, confirmed, corrected.

- A post is matched when it arrives (`match_new_post`); an automatic link through the author's handle
  (asserted by the platform, but a handle can change hands) teaches the author's platform id, so the link
  survives a handle change. Nothing typed in a message ever teaches a link.
- A customer proves an account by sending a one-time code in a direct message (single use, expiring,
  stored as a SHA-256 hash).
- People correct: confirm a candidate, reject one (never linked again automatically), unlink a wrong match.
- Whenever links change, the posts of the accounts concerned are matched again (through the author
  index, never a scan) and the affected customers' cards are rebuilt.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from socialcrm import identity
from socialcrm.errors import BadRequest, InvalidRecord, NotFound
from socialcrm.matching import LEARNED, Match, resolve
from socialcrm.model import HOLDER, CanonicalPost, PostKey, utc_iso
from socialcrm.ports import CardStore, CustomerDirectory, LinkCodes, PostRepository, ReviewList
from socialcrm.stored import StoredPost

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: read aloud and typed without doubt
CODE_MINUTES = 30
_CODE_IN_TEXT = re.compile(r"(?<![A-Z0-9])([A-HJ-NP-Z2-9]{4})-([A-HJ-NP-Z2-9]{4})(?![A-Z0-9])")
MAX_CODES_TRIED = 2
# Asserted kinds that may teach the author's platform id: a handle changes; an id or a confirmation does not.
LEARNABLE = ("handle_on_record",)


@dataclass
class LinkingDeps:
    customers: CustomerDirectory
    posts: PostRepository
    cards: CardStore
    reviews: ReviewList
    codes: LinkCodes
    default_region: str
    clock: Callable[[], datetime]


def code_hash(code: str) -> str:
    return hashlib.sha256(code.upper().replace("-", "").encode()).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    customer_id: str
    code: str  # shown once: only its hash is stored
    expires_at: str


@dataclass(frozen=True)
class Decision:
    """A person's decision on a post's link: "linked" (confirmed) or "rejected" (also an unlink)."""

    post_key: str
    customer_id: str
    outcome: Literal["linked", "rejected"]


def issue_code(customer_id: str, deps: LinkingDeps) -> IssuedCode:
    """A one-time code the customer sends us in a direct message, from the account to link."""
    if deps.customers.get(customer_id) is None:
        raise NotFound(f"no customer {customer_id}")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    code = f"{code[:4]}-{code[4:]}"
    expires = deps.clock() + timedelta(minutes=CODE_MINUTES)
    deps.codes.save(code_hash(code), customer_id, int(expires.timestamp()))
    return IssuedCode(customer_id, code, utc_iso(expires))


def account_key(author_key: str | None, handle_key: str | None) -> str | None:
    """The key a link for an account is kept under: its platform id (or phone), else its handle."""
    return author_key or handle_key


def redeem_code(post: CanonicalPost, deps: LinkingDeps) -> str | None:
    """A direct message with a live code links its account to the code's customer, once."""
    key = account_key(identity.primary_author_key(post.author), identity.indexed_handle_key(post.author))
    if not post.is_direct_message or key is None:
        return None
    for first, second in _CODE_IN_TEXT.findall(post.text.upper())[:MAX_CODES_TRIED]:
        customer_id = deps.codes.redeem(code_hash(first + second), int(deps.clock().timestamp()))
        if customer_id is not None:
            deps.customers.remove_link(key, customer_id)  # the customer's word beats an earlier rejection
            deps.customers.add_link(key, customer_id, "verified")
            return customer_id
    return None


def match_new_post(post: CanonicalPost, deps: LinkingDeps) -> tuple[Match, str | None]:
    """The match of an incoming post, and the customer who verified the account with it (if any)."""
    verified_for = redeem_code(post, deps)
    match = resolve(post, deps.customers, deps.default_region)
    learn(post, match, deps)
    return match, verified_for


def learn(post: CanonicalPost, match: Match, deps: LinkingDeps) -> None:
    """After a link that rests on the author's handle, remember the author's platform id (handles change)
    with where it was learned from, and which account held the customer's handle (a handle that later
    passes to someone else is noticed). Only asserted evidence links, so only it ever teaches.

    A post under a customer's handle from another account id than the one on the record (a released handle)
    teaches which account held the handle, so the next holder's posts stay apart even if the CRM drops the id."""
    handle_key = identity.indexed_handle_key(post.author)
    for customer_id, holder in match.released:
        if handle_key:
            deps.customers.add_link(handle_key, customer_id, HOLDER + holder)
    key = identity.primary_author_key(post.author)
    if not match.linked or key is None or match.customer_id is None or match.basis not in LEARNABLE:
        return
    deps.customers.add_link(key, match.customer_id, LEARNED + match.basis)
    if handle_key:
        deps.customers.add_link(handle_key, match.customer_id, HOLDER + key)


def forget_learned_from(removed_keys: Iterable[str], customer_id: str, directory: CustomerDirectory) -> list[str]:
    """A handle the customer's record no longer names: the account ids learned from it are no longer theirs (the
    record was what the link rested on). Returns those account keys, whose posts must be matched again."""
    forgotten = []
    for handle_key in (key for key in removed_keys if key.startswith("handle:")):
        for note in directory.identity_links(handle_key, consistent=True):
            if note.customer_id != customer_id or not note.holder:
                continue
            links = [link for link in directory.identity_links(note.holder, consistent=True)
                     if link.customer_id == customer_id and link.source != "crm"]
            if links and all(learned_from_handle(link.source) for link in links):  # never a confirmation
                directory.remove_link(note.holder, customer_id)
                forgotten.append(note.holder)
    return forgotten


def learned_from_handle(source: str) -> bool:
    return source.startswith(LEARNED) and source[len(LEARNED):] in LEARNABLE


@dataclass
class Relinked:
    """Posts that changed customer: the cards to rebuild (an index read may lag the write just made)."""

    linked: dict[str, list[StoredPost]] = field(default_factory=dict)
    unlinked: dict[str, set[PostKey]] = field(default_factory=dict)

    @property
    def customers(self) -> set[str]:
        return set(self.linked) | set(self.unlinked)

    def record(self, state: StoredPost, customer_id: str | None) -> None:
        before = state.customer_id
        if before == customer_id:
            self.linked.setdefault(customer_id, []) if customer_id else None
            return
        if before:
            self.unlinked.setdefault(before, set()).add(state.key)
        if customer_id:
            self.linked.setdefault(customer_id, []).append(replace(state, customer_id=customer_id))


def rematch(post_keys: Iterable[PostKey], deps: LinkingDeps) -> Relinked:
    """Match stored posts again after links changed; says which customers' cards must be rebuilt."""
    changes = Relinked()
    for post_key in dict.fromkeys(post_keys):
        state = deps.posts.get_state(post_key)
        if state is None or state.kind == "reaction":
            continue
        match = resolve(state.author_post(), deps.customers, deps.default_region)
        if match.outcome == state.match_status and match.customer_id == state.customer_id \
                and list(match.evidence) == list(state.evidence) \
                and (match.basis or None) == (state.match_basis or None):
            continue
        deps.posts.link(post_key, match.customer_id, match.match_key, evidence=match.evidence, score=match.score,
                        status=match.outcome, basis=match.basis)
        if match.outcome == "candidate":
            deps.reviews.hold(post_key, state.created_at, match.candidates)
        elif state.match_status == "candidate":
            deps.reviews.release(post_key)
        changes.record(replace(state, match_key=match.match_key, evidence=tuple(match.evidence),
                               match_basis=match.basis), match.customer_id)
    return changes


def posts_of_account(state: StoredPost, deps: LinkingDeps) -> list[PostKey]:
    keys = [k for k in (state.author_key, state.author_handle_key) if k]
    return [post_key for key in keys for post_key in deps.posts.keys_by_author(key)]


def _post(post_key: Any, deps: LinkingDeps) -> StoredPost:
    if not isinstance(post_key, str) or not post_key.strip():
        raise InvalidRecord("post_key", "is required")
    try:
        state = deps.posts.get_state(PostKey.parse(post_key))
    except BadRequest:  # not a key any post could have
        state = None
    if state is None:
        raise NotFound(f"no post {post_key}")
    return state


def _customer(customer_id: Any, deps: LinkingDeps) -> str:
    if not isinstance(customer_id, str) or not customer_id.strip():
        raise InvalidRecord("customer_id", "is required")
    if deps.customers.get(customer_id) is None:
        raise NotFound(f"no customer {customer_id}")
    return customer_id


def confirm(post_key: Any, customer_id: Any, deps: LinkingDeps,
            refresh: Callable[[Relinked], None]) -> Decision:
    """An agent confirms that the post's account is this customer's: every post of the account follows."""
    state, customer_id = _post(post_key, deps), _customer(customer_id, deps)
    key = account_key(state.author_key, state.author_handle_key)
    if key is None:  # an account with no identifier (a review with only a display name): this post alone
        deps.posts.link(state.key, customer_id, None, evidence=("confirmed_by_agent",), score=100,
                        basis="confirmed_by_agent")
        deps.reviews.release(state.key)
        changes = Relinked()
        changes.record(replace(state, evidence=("confirmed_by_agent",), match_basis="confirmed_by_agent"),
                       customer_id)
    else:
        deps.customers.remove_link(key, customer_id)
        other = state.author_handle_key if key == state.author_key else None
        if other and any(link.customer_id == customer_id and link.source == "rejected"
                         for link in deps.customers.identity_links(other, consistent=True)):
            deps.customers.remove_link(other, customer_id)  # reject wrote the pair under the handle too
        deps.customers.add_link(key, customer_id, "confirmed")
        changes = rematch(posts_of_account(state, deps), deps)
    refresh(changes)
    return Decision(state.key.text, customer_id, "linked")


def reject(post_key: Any, customer_id: Any, deps: LinkingDeps,
           refresh: Callable[[Relinked], None]) -> Decision:
    """Not this customer: the pair is never linked again automatically; the account's posts move back."""
    state, customer_id = _post(post_key, deps), _customer(customer_id, deps)
    keys = [k for k in (state.author_key, state.author_handle_key) if k]
    for key in keys:
        deps.customers.remove_link(key, customer_id)
        deps.customers.add_link(key, customer_id, "rejected")
    if keys:
        changes = rematch(posts_of_account(state, deps), deps)
    else:
        changes = Relinked()
        if state.customer_id == customer_id:
            deps.posts.link(state.key, None, None)
            changes.record(state, None)
        deps.reviews.release(state.key)
    refresh(changes)
    return Decision(state.key.text, customer_id, "rejected")


def unlink(post_key: Any, deps: LinkingDeps, refresh: Callable[[Relinked], None]) -> Decision:
    """A wrong match: the same as rejecting the pair it links."""
    state = _post(post_key, deps)
    if not state.customer_id:
        raise InvalidRecord("post_key", "is not linked to a customer")
    return reject(post_key, state.customer_id, deps, refresh)
