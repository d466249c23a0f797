"""Who is speaking, and to whom: the per-post facts behind the social metrics (docs/metrics.md).

- Roles: an author is one of our official accounts (`company`), a declared employee account
  (`employee`), an account that presents itself as the brand without being either
  (`unofficial_brand`), or the public.
- Topics: the hashtags of a post and the configured keywords it mentions.
- Response times: the minutes from a public post to the first reply from an official account, kept
  in fixed buckets so percentiles come from a bounded number of counters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from socialcrm import identity
from socialcrm.errors import ConfigurationError
from socialcrm.model import Author

COMPANY, EMPLOYEE, UNOFFICIAL_BRAND, PUBLIC = "company", "employee", "unofficial_brand", "public"
MAX_HASHTAGS = 3  # per post: a post stuffed with tags cannot grow the counters without bound
_HASHTAG = re.compile(r"(?<![\w#])#(\w{2,40})")
_ACCOUNT = re.compile(r"^([a-z0-9][a-z0-9-]{0,39}):(@?[^\s,]{1,100})$")

# Upper bounds (minutes) of the response-time buckets: every minute to 1 h, then coarser.
RESPONSE_BUCKETS: tuple[int, ...] = (
    *range(1, 61), *range(65, 181, 5), *range(195, 721, 15), *range(780, 2881, 60), *range(3360, 10081, 480))
OVERFLOW_BUCKET = 10081  # answered after more than a week


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def account_keys(spec: str, variable: str) -> frozenset[str]:
    """'facebook:1234567890,x:@acme' -> identity keys; a malformed entry names the variable."""
    keys = set()
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        found = _ACCOUNT.match(entry.lower())
        if not found:
            raise ConfigurationError(f"{variable}: {entry!r} is not platform:user_id or platform:@handle")
        platform, account = found.groups()
        keys.add(identity.handle_key(platform, account) if account.startswith("@")
                 else identity.platform_user_key(platform, account))
    return frozenset(keys)


@dataclass(frozen=True)
class Registry:
    """Who speaks for the company, the names that claim to, and the topics worth watching."""

    official: frozenset[str] = frozenset()  # identity keys of official brand accounts
    employees: frozenset[str] = frozenset()  # identity keys of declared employee accounts
    brand_names: tuple[str, ...] = ()  # folded names an impersonating account would use
    keywords: tuple[str, ...] = ()  # folded topic keywords

    @classmethod
    def from_settings(cls, official: str, employees: str, brand_names: str, keywords: str) -> Registry:
        return cls(account_keys(official, "OFFICIAL_ACCOUNTS"), account_keys(employees, "EMPLOYEE_ACCOUNTS"),
                   tuple(fold(n.strip()) for n in brand_names.split(",") if n.strip()),
                   tuple(fold(k.strip()) for k in keywords.split(",") if k.strip()))

    def role_of(self, author: Author) -> str:
        keys = {key for key, _ in identity.author_probes(author)}
        if keys & self.official:
            return COMPANY
        if keys & self.employees:
            return EMPLOYEE
        shown = fold(f"{author.name or ''} {(author.handle or '').replace('_', ' ')}")
        if any(_mentions(shown, name) for name in self.brand_names):
            return UNOFFICIAL_BRAND
        return PUBLIC

    def topics_of(self, text: str) -> list[str]:
        """Hashtags (folded, first MAX_HASHTAGS) and configured keywords found as whole words."""
        folded = fold(text or "")
        topics = list(dict.fromkeys(f"#{tag}" for tag in _HASHTAG.findall(folded)))[:MAX_HASHTAGS]
        topics += [keyword for keyword in self.keywords if _mentions(folded, keyword)]
        return topics


def _mentions(folded_text: str, folded_words: str) -> bool:
    """Whole words only: "acme" is in "Acme Support" and "acme_help", not in "Acmerson"."""
    return re.search(rf"(?<![^\W_]){re.escape(folded_words)}(?![^\W_])", folded_text) is not None


def minutes_between(earlier: str, later: str) -> float:
    start = datetime.fromisoformat(earlier.replace("Z", "+00:00")).astimezone(UTC)
    end = datetime.fromisoformat(later.replace("Z", "+00:00")).astimezone(UTC)
    return (end - start).total_seconds() / 60


def response_bucket(minutes: float) -> int:
    """The smallest bucket bound at or above the response time (a 0-minute answer is in bucket 1)."""
    for bound in RESPONSE_BUCKETS:
        if minutes <= bound:
            return bound
    return OVERFLOW_BUCKET


def percentile(buckets: Mapping[int, float], share: float) -> float | None:
    """The bucket bound under which `share` of the answers fall (nearest rank), or None without answers."""
    total = sum(buckets.values())
    if total <= 0:
        return None
    rank = max(1, -(-share * total // 1))  # ceil(share * total), at least the first answer
    seen = 0.0
    for bound in sorted(buckets):
        seen += buckets[bound]
        if seen >= rank:
            return float(bound)
    return float(max(buckets))


def total_variation(shares: Mapping[str, float], reference: Mapping[str, float]) -> float:
    """Half the L1 distance between two distributions: 0 when they match, 1 when disjoint."""
    keys: Iterable[str] = set(shares) | set(reference)
    return round(sum(abs(shares.get(k, 0.0) - reference.get(k, 0.0)) for k in keys) / 2, 6)
