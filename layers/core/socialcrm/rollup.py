"""Hourly rollup of the sharded counters into CloudWatch metrics and stored history.

Idempotent: figures come from counters (not from posts), and only the difference from what
was already published for that hour is sent, so a re-run or a back-fill never double counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from socialcrm.errors import BadRequest
from socialcrm.model import utc_iso
from socialcrm.ports import CounterStore, MetricsPublisher


@dataclass(frozen=True)
class RollupResult:
    hour: str
    figures: dict[str, float]
    published: dict[str, float]
    requests: int

    def as_dict(self) -> dict[str, Any]:
        return {"hour": self.hour, "figures": self.figures, "published": self.published,
                "cloudwatch_requests": self.requests}


def hour_to_roll(event: dict[str, Any]) -> str:
    """The hour before the scheduled event's time, or the hour named by {"hour": ...} (back-fill)."""
    raw = event.get("hour") or event.get("time")
    if not isinstance(raw, str):
        raise BadRequest("the event needs a 'time' (scheduled) or an 'hour' (back-fill)")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"not an ISO-8601 time: {raw!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    start = moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    if "hour" not in event:
        start -= timedelta(hours=1)
    return utc_iso(start)


def roll_up(hour: str, counters: CounterStore, publisher: MetricsPublisher) -> RollupResult:
    figures: dict[str, float] = {name: float(value) for name, value in sorted(counters.read_hour(hour).items())}
    already = counters.stored_rollup(hour) or {}
    delta = {name: value - already.get(name, 0.0) for name, value in figures.items()}
    delta = {name: value for name, value in delta.items() if value != 0}
    requests = publisher.publish(hour, delta) if delta else 0
    if figures != already:
        counters.save_rollup(hour, figures)
    return RollupResult(hour, figures, delta, requests)


def split_counter_name(name: str) -> tuple[str, list[tuple[str, str]]]:
    """'Posts|Platform=facebook|Kind=post' -> ('Posts', [('Platform', 'facebook'), ('Kind', 'post')])."""
    metric, *parts = name.split("|")
    dimensions = [tuple(part.split("=", 1)) for part in parts if "=" in part]
    return metric, [(key, value) for key, value in dimensions]
