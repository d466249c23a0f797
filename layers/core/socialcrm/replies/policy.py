"""Who may speak for the company, where, and what a public reply may say (docs/replies.md, "Policy").

- Nothing is published as an account that is not in OfficialAccounts, nor one missing from ReplyAccounts (the
  accounts allowed to reply, per platform: a platform with none listed cannot be answered).
- A public reply that holds a phone number, an email address or a card-like number (13 to 19 digits passing the
  Luhn check) is held for a second person, with the reason.
- ReplyApproval "public": every public reply waits for a second person's approval (approver != sender).
- Messages: inside the platform's window from the customer's last message; past it, the platform's message tag
  where this deployment may use it (ReplyMessageTags), or an approved template where the platform allows one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers

from socialcrm import identity
from socialcrm.errors import ConfigurationError
from socialcrm.replies.contract import PUBLIC_KINDS, ReplyKind, ReplyTarget, TemplateMessage, WindowRule

APPROVALS = ("none", "public")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DIGIT_RUN = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
_ACCOUNT = re.compile(r"^([a-z0-9][a-z0-9/-]{0,60}):([^\s,:]{1,200})$")


def account_key(platform: str, account: str) -> str:
    """The identity key an official account is listed under (OfficialAccounts' platform:user_id form)."""
    return identity.platform_user_key(platform, account)


def reply_accounts(spec: str, variable: str = "REPLY_ACCOUNTS") -> frozenset[str]:
    """'facebook:1234,instagram:1789' -> identity keys of the accounts allowed to reply."""
    keys = set()
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        found = _ACCOUNT.match(entry.lower())
        if not found or found.group(2).startswith("@"):
            raise ConfigurationError(f"{variable}: {entry!r} is not platform:account_id")
        keys.add(account_key(*found.groups()))
    return frozenset(keys)


@dataclass(frozen=True)
class ReplyPolicy:
    official: frozenset[str] = frozenset()  # engagement.Registry.official: OfficialAccounts as identity keys
    allowed: frozenset[str] = frozenset()  # ReplyAccounts as identity keys
    approval: str = "none"  # none | public
    tag_platforms: frozenset[str] = frozenset()  # platforms whose message tag this app may use (ReplyMessageTags)
    phone_region: str = "US"  # how national-format numbers in a reply are read

    def __post_init__(self) -> None:
        if self.approval not in APPROVALS:
            raise ConfigurationError(f"REPLY_APPROVAL must be one of {', '.join(APPROVALS)}, got {self.approval!r}")

    def account_refusal(self, target: ReplyTarget) -> str | None:
        """Why this account may not publish, or None."""
        key = account_key(target.platform, target.account)
        if key not in self.official:
            return f"{target.platform} account {target.account} is not one of our official accounts (OfficialAccounts)"
        if key not in self.allowed:
            return f"{target.platform} account {target.account} is not allowed to reply (ReplyAccounts)"
        return None

    def holds(self, kind: ReplyKind, text: str) -> list[str]:
        """Why a reply must wait for a second person; empty when it may go now."""
        if kind not in PUBLIC_KINDS:
            return []
        reasons = [f"a public reply containing {what} needs a second person's approval"
                   for what in sensitive_content(text, self.phone_region)]
        if self.approval == "public":
            reasons.append("public replies need a second person's approval (ReplyApproval)")
        return reasons


def sensitive_content(text: str, region: str) -> list[str]:
    """What a public reply must not say without a second look: a phone number, an email, a card-like number."""
    found = []
    without_cards = _DIGIT_RUN.sub(lambda m: " " if _card_like(m.group()) else m.group(), text)
    if without_cards != text:
        found.append("a card-like number")
    if any(True for _ in phonenumbers.PhoneNumberMatcher(without_cards, region, leniency=phonenumbers.Leniency.VALID)):
        found.append("a phone number")
    if _EMAIL.search(text):
        found.append("an email address")
    return found


def _card_like(run: str) -> bool:
    return luhn_valid(re.sub(r"\D", "", run))


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        return False
    total = 0
    for position, digit in enumerate(int(d) for d in reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


@dataclass(frozen=True)
class WindowDecision:
    """How a message may go: plainly, with a tag, with a template, or not at all (`refusal`)."""

    open_until: str | None = None  # ISO time the window that applies closes (None: no window on this platform)
    message_tag: str | None = None
    template: TemplateMessage | None = None
    refusal: str | None = None


def decide_window(rule: WindowRule | None, platform: str, last_inbound: str | None, now: datetime,
                  tag_platforms: frozenset[str], template: TemplateMessage | None) -> WindowDecision:
    """Whether a message may be sent now, after the customer's last inbound message at `last_inbound`."""
    if rule is None:
        return WindowDecision(template=template)
    if last_inbound is None:
        return WindowDecision(refusal="the customer has not written to us: a message cannot be sent")
    since = datetime.fromisoformat(last_inbound.replace("Z", "+00:00"))
    closes = since + rule.standard
    if now <= closes:
        return WindowDecision(open_until=_iso(closes), template=template)
    if rule.tag and rule.tagged is not None and platform in tag_platforms and now <= since + rule.tagged:
        return WindowDecision(open_until=_iso(since + rule.tagged), message_tag=rule.tag)
    if rule.template_outside:
        if template is not None:
            return WindowDecision(template=template)
        return WindowDecision(refusal=f"the messaging window closed at {_iso(closes)}: only an approved template "
                                      "may be sent now")
    note = _tag_note(rule, platform, tag_platforms)
    return WindowDecision(refusal=f"the messaging window closed at {_iso(closes)}{note}")


def _tag_note(rule: WindowRule, platform: str, tag_platforms: frozenset[str]) -> str:
    if rule.tag and rule.tagged is not None and platform in tag_platforms:
        return f" and the {rule.tag} tag's {_days(rule.tagged)} have passed"
    return ""


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:g} days"


def _iso(moment: datetime) -> str:
    from socialcrm.model import utc_iso

    return utc_iso(moment)


def tag_platforms(spec: Sequence[str]) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in spec if part.strip())
