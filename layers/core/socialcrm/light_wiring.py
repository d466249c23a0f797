"""Settings and dependencies of the two functions that answer someone who waits: ContactLookupFunction (a caller)
and AgentPageFunction (an agent). Their cold start is on that person's clock, so they import this module rather
than `wiring` and `settings`, which define every function's settings and dependencies (two dozen dataclasses,
about a tenth of the lookup's cold start). `settings` and `wiring` re-export these names, so the settings checks
and the other callers see one list. Its records are NamedTuples for the same reason: a frozen dataclass costs about
1 ms to define on python3.13, a NamedTuple a quarter of that.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from socialcrm.config import Environment

if TYPE_CHECKING:
    from socialcrm.reply_page import ReplyBox
    from socialcrm.screen_pop import CachedKeys

CardReader = Callable[[str], dict[str, Any] | None]


class ContactLookupSettings(NamedTuple):
    cards_table: str
    retention_days: int
    lookback_days: int
    default_region: str
    agent_page_base_url: str  # "" = no screen-pop links
    screen_pop_secret_id: str
    metrics_table: str  # CALLED#<day> facts only: what answering is worth


def read_contact_lookup(env: Environment) -> ContactLookupSettings:
    return ContactLookupSettings(env.required("CARDS_TABLE"), env.positive_int("RETENTION_DAYS"),
                                 env.positive_int("LOOKBACK_DAYS"), env.phone_region(), env.text("AGENT_PAGE_BASE_URL"),
                                 env.required("SCREEN_POP_SECRET_ID"), env.required("METRICS_TABLE"))


class AgentPageSettings(NamedTuple):
    cards_table: str
    retention_days: int
    default_region: str
    screen_pop_secret_id: str
    frame_ancestors: str
    reply_function: str  # the reply box's publisher, invoked (docs/replies.md, "The page")


def read_agent_page(env: Environment) -> AgentPageSettings:
    return AgentPageSettings(env.required("CARDS_TABLE"), env.positive_int("RETENTION_DAYS"), env.phone_region(),
                             env.required("SCREEN_POP_SECRET_ID"), env.required("AGENT_PAGE_FRAME_ANCESTORS"),
                             env.required("REPLY_FUNCTION_NAME"))


@cache
def contact_lookup() -> ContactLookupSettings:
    return read_contact_lookup(Environment())


@cache
def agent_page() -> AgentPageSettings:
    return read_agent_page(Environment())


class LookupDeps(NamedTuple):
    read_card: CardReader
    lookback_days: int
    default_region: str
    screen_pop: Callable[[str], str] | None
    retention_days: int
    record_call: Callable[[str, datetime], None]


@cache
def lookup_deps() -> LookupDeps:
    from socialcrm.lookup import call_recorder, card_reader, screen_pop_linker

    chosen = contact_lookup()
    return LookupDeps(card_reader(chosen.cards_table), chosen.lookback_days, chosen.default_region,
                      screen_pop_linker(chosen.agent_page_base_url, chosen.screen_pop_secret_id),
                      chosen.retention_days, call_recorder(chosen.metrics_table))


class AgentPageDeps(NamedTuple):
    read_card: CardReader
    keys: CachedKeys
    default_region: str
    retention_days: int
    content_security_policy: str
    ask_reply_function: ReplyBox  # the reply box: ReplyFunction over the Lambda Invoke API


@cache
def agent_page_deps() -> AgentPageDeps:
    from socialcrm.adapters.reply_function import reply_function_asker
    from socialcrm.adapters.secrets import screen_pop_secret
    from socialcrm.agent_page import content_security_policy
    from socialcrm.lookup import card_reader
    from socialcrm.screen_pop import CachedKeys

    chosen = agent_page()
    secret_id = chosen.screen_pop_secret_id
    return AgentPageDeps(card_reader(chosen.cards_table), CachedKeys(lambda: screen_pop_secret(secret_id)),
                         chosen.default_region, chosen.retention_days,
                         content_security_policy(chosen.frame_ancestors), reply_function_asker(chosen.reply_function))
