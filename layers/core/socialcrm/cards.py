"""The contact-centre card: the precomputed read model that the lookup returns in one key read.

A card is rebuilt from the customer's stored posts (never patched in place), so rebuilding
it again after a redelivery or a relink gives the same card.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the lookup imports this module; keep its cold start free of the model's imports
    from socialcrm.model import Customer
    from socialcrm.stored import StoredPost

CARD_POSTS = 10  # full posts kept on the card (newest first)
CARD_TIMES = 200  # timestamps kept for the recent_posts count
CARD_TEXT_CHARS = 1000


def phone_lookup_key(e164: str) -> str:
    return f"PHONE#{e164}"


def customer_lookup_key(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def email_lookup_key(email: str) -> str:
    return f"EMAIL#{email.strip().lower()}"


def lookup_keys(customer: Customer) -> list[str]:
    """Every key the lookup may read this customer's card under (one copy per key)."""
    return [customer_lookup_key(customer.customer_id), *(phone_lookup_key(p) for p in customer.phones),
            *(email_lookup_key(e) for e in customer.emails)]


def shared_marker(updated_at: str) -> dict[str, Any]:
    """What a phone or email key holds when more than one customer has it on their record: no names, no posts."""
    return {"shared": True, "customer_id": "", "updated_at": updated_at}


def is_shared(card: dict[str, Any]) -> bool:
    return card.get("shared") is True


def build_card(customer: Customer, posts: Iterable[StoredPost], updated_at: str) -> dict[str, Any]:
    from socialcrm.links import safe_link
    from socialcrm.platform_catalog import PLATFORM_HOSTS

    unique = {p.key.text: p for p in posts}
    newest_first = sorted(unique.values(), key=lambda p: (p.created_at, p.key.text), reverse=True)
    return {
        "customer_id": customer.customer_id,
        "customer_name": customer.name or "",
        "segment": customer.segment or "",
        "posts": [
            {
                "post_key": p.key.text,
                "platform": p.platform,
                "kind": p.kind,
                "text": (p.text or "")[:CARD_TEXT_CHARS],
                "sentiment": p.sentiment or "neutral",
                "created_at": p.created_at,
                "url": safe_link(p.url, PLATFORM_HOSTS.get(p.platform)) or "",  # also posts stored earlier
                "match": p.match_key or "",
                "matched_by": p.match_basis or "",  # what the link rests on, for its label
                "answered_at": p.answered_at or "",  # our first official answer (socialcrm.replies), and its text
                "answer": (p.answer_text or "")[:CARD_TEXT_CHARS],
            }
            for p in newest_first[:CARD_POSTS]
        ],
        "post_times": [p.created_at for p in newest_first[:CARD_TIMES]],
        "updated_at": updated_at,
    }
