"""A customer's card, rebuilt from their stored posts and written under each of its lookup keys.

Phone and email keys may be on more than one CRM record (a household shares a number, a family a mailbox):
such a key holds the shared marker, which shows nobody (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from socialcrm import identity
from socialcrm.cards import build_card, customer_lookup_key, email_lookup_key, phone_lookup_key, shared_marker
from socialcrm.model import PostKey, utc_iso
from socialcrm.ports import CardStore, CustomerDirectory, PostRepository
from socialcrm.stored import StoredPost

if TYPE_CHECKING:
    from socialcrm.linking import Relinked
    from socialcrm.model import Customer

CARD_SOURCE_POSTS = 200


def refresh_card(customer_id: str, posts: PostRepository, customers: CustomerDirectory, cards: CardStore,
                 now: datetime, just_linked: Sequence[StoredPost] = (), just_unlinked: Collection[PostKey] = (), *,
                 settle_others: bool = True, in_place: bool = False) -> bool:
    """Rebuild a customer's card from their stored posts and write it under every lookup key (write_card).

    `just_linked` and `just_unlinked` are changes made a moment ago, which the customer index may not show yet.
    `in_place` (the posts changed, not the record): nothing is written when the new posts change nothing the card
    shows (unchanged_by); else the card is renewed where it stands, under the customer key
    and, on condition, each phone and email key that holds the customer's own card (a key shared or taken since is
    left to the write that changed its holders), reading no holders; only a key that holds nothing is placed from
    its holders (write_card).
    """
    customer = customers.get(customer_id)
    if customer is None:
        return False
    recent = [p for p in posts.recent_for_customer(customer_id, CARD_SOURCE_POSTS)
              if p.key not in just_unlinked]
    card = build_card(customer, [*recent, *just_linked], utc_iso(now))
    if in_place and just_linked and unchanged_by(just_linked, customer, recent, card):
        return True
    if in_place and cards.put_in_place(customer_lookup_key(customer_id), [key for key, _ in contact_keys(customer)],
                                       card):
        return True
    write_card(customer, card, posts, customers, cards, now, settle_others=settle_others)
    return True


def unchanged_by(just_linked: Sequence[StoredPost], customer: Customer, recent: Sequence[StoredPost],
                 card: dict[str, Any]) -> bool:
    """Whether the card is the same without these posts (and without whatever the index shows of them): they
    change nothing the lookup or the page shows (an old post past the card's newest, an answer to one), so the
    card stored already is this one, but for its `updated_at`."""
    linked = {post.key for post in just_linked}
    return build_card(customer, [p for p in recent if p.key not in linked], card["updated_at"]) == card


# Phone and email card keys: a household shares a number, a family a mailbox. Such a key shows nobody.
OWN, SHARED, GONE = "own", "shared", "gone"
SETTLE_ROUNDS = 3


def contact_keys(customer: Customer) -> list[tuple[str, str]]:
    """(card key, identity key) of each phone and email on the record: card keys another record may hold too."""
    return [*((phone_lookup_key(p), identity.phone_key(p)) for p in customer.phones),
            *((email_lookup_key(e), identity.email_key(e)) for e in customer.emails)]


def record_holders(identity_key: str, customers: CustomerDirectory) -> frozenset[str]:
    """The customers whose CRM record has the key (one strongly consistent Query)."""
    return frozenset(link.customer_id for link in customers.identity_links(identity_key, consistent=True)
                     if link.source == "crm")


def _placement(customer_id: str, holders: frozenset[str]) -> str:
    if len(holders) > 1:
        return SHARED
    return OWN if holders == {customer_id} else GONE


def write_card(customer: Customer, card: dict[str, Any], posts: PostRepository, customers: CustomerDirectory,
               cards: CardStore, now: datetime, *, settle_others: bool = True) -> None:
    """The card under CUSTOMER#<id>; under each phone and email key, the card if the customer alone has the key
    on record, the shared marker (no names, no posts) if others have it too, nothing if the customer no longer has.

    The holders are read again after each write and the key corrected until they stay put, so a card naming one
    customer is not left under a key that another record gained meanwhile (two syncs at once). A key this call
    wrote and then found no longer the customer's is cleared and rebuilt for whoever holds it now.
    """
    customer_id = customer.customer_id
    contact = contact_keys(customer)
    written: dict[str, str] = {}
    for settle_round in range(SETTLE_ROUNDS):
        holders = {card_key: record_holders(identity_key, customers) for card_key, identity_key in contact}
        wanted = {card_key: _placement(customer_id, held) for card_key, held in holders.items()}
        changed = [card_key for card_key, what in wanted.items() if what != written.get(card_key, GONE)]
        if settle_round and not changed:
            return
        if settle_round == SETTLE_ROUNDS - 1:  # the holders keep changing: the safe side, no names
            wanted = {card_key: SHARED if what == OWN else what for card_key, what in wanted.items()}
        own = [card_key for card_key in changed if wanted[card_key] == OWN]
        if own or not settle_round:
            cards.put([customer_lookup_key(customer_id), *own] if not settle_round else own, card)
        shared = [card_key for card_key in changed if wanted[card_key] == SHARED]
        if shared:
            cards.put(shared, shared_marker(utc_iso(now)))
        gone = [card_key for card_key in changed if wanted[card_key] == GONE]
        if gone:
            cards.delete(gone)
            for other in sorted(frozenset().union(*(holders[card_key] for card_key in gone))) if settle_others \
                    else ():
                refresh_card(other, posts, customers, cards, now, settle_others=False)
        written.update((card_key, wanted[card_key]) for card_key in changed)


def release_contact_keys(released: Sequence[tuple[str, str]], posts: PostRepository, customers: CustomerDirectory,
                         cards: CardStore, now: datetime) -> None:
    """Phone and email keys a customer no longer holds (the record dropped them, or they were erased): cleared,
    then rebuilt for the customers that still hold them (their own card, or the shared marker)."""
    if not released:
        return
    cards.delete([card_key for card_key, _ in released])
    # Read after the delete: a record that gains the key later rebuilds it itself, after this delete.
    remaining = frozenset().union(*(record_holders(identity_key, customers) for _, identity_key in released))
    for customer_id in sorted(remaining):
        refresh_card(customer_id, posts, customers, cards, now)


def refresh_cards(changes: Relinked, posts: PostRepository, customers: CustomerDirectory, cards: CardStore,
                  now: datetime, also: Collection[str] = ()) -> None:
    for customer_id in sorted(changes.customers | set(also)):
        refresh_card(customer_id, posts, customers, cards, now, changes.linked.get(customer_id, ()),
                     changes.unlinked.get(customer_id, set()))
