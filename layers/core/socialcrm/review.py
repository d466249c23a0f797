"""Match review: the operations people use to correct identity resolution (docs/matching.md).

Invoke payloads: {"action": "pending", "limit": 50}, {"action": "confirm" | "reject", "post_key": ...,
"customer_id": ...}, {"action": "unlink", "post_key": ...}, {"action": "issue_code", "customer_id": ...}.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialcrm import linking
from socialcrm.card_refresh import refresh_cards
from socialcrm.errors import InvalidRecord
from socialcrm.linking import Decision, IssuedCode, LinkingDeps, Relinked

MAX_PENDING = 200


@dataclass(frozen=True)
class Pending:
    posts: list[dict[str, Any]]  # posts held for review, with their candidates


ReviewResult = Pending | Decision | IssuedCode


def handle(request: Any, deps: LinkingDeps) -> ReviewResult:
    if not isinstance(request, dict):
        raise InvalidRecord("request", "must be an object")
    action = request.get("action")

    def refresh(changes: Relinked) -> None:
        refresh_cards(changes, deps.posts, deps.customers, deps.cards, deps.clock())

    if action == "pending":
        limit = request.get("limit", 50)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PENDING:
            raise InvalidRecord("limit", f"must be an integer from 1 to {MAX_PENDING}")
        return Pending(deps.reviews.pending(limit))
    if action == "confirm":
        return linking.confirm(request.get("post_key"), request.get("customer_id"), deps, refresh)
    if action == "reject":
        return linking.reject(request.get("post_key"), request.get("customer_id"), deps, refresh)
    if action == "unlink":
        return linking.unlink(request.get("post_key"), deps, refresh)
    if action == "issue_code":
        customer_id = request.get("customer_id")
        if not isinstance(customer_id, str) or not customer_id.strip():
            raise InvalidRecord("customer_id", "is required")
        return linking.issue_code(customer_id, deps)
    raise InvalidRecord("action", "must be one of pending, confirm, reject, unlink, issue_code")
