"""Connectors are chosen by configuration, several at once, each validated with a clear error; the registry of
connectors is the one list of their names (template.yaml's Connectors parameter is held to it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.local.cfn import load_template
from socialcrm.config import Environment
from socialcrm.connectors import ConnectorContext, build_connectors, choose, registry
from socialcrm.errors import ConfigurationError

TEMPLATE = load_template(Path(__file__).resolve().parents[2] / "template.yaml")

EVERY_CONNECTOR = {"CUSTOMER_PROFILES_DOMAIN": "acme-customers",
                   "CONNECT_INSTANCE_ID": "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa",
                   "TASK_CONTACT_FLOW_ID": "b1a2c3d4-0000-4000-8000-00000000f10e", "TASK_WINDOW_MINUTES": "240",
                   "CONTACT_CENTRE_URL": "https://contact.example.com/hook"}


class MemoryWindow:
    def claim(self, customer_id: str, push_id: str, until: int, now: int) -> bool:
        return True


CONTEXT = ConnectorContext(credentials=lambda _name: {"signing_key": "s" * 16}, task_window=MemoryWindow)


def test_several_connectors_at_once():
    names = "customer-profiles, connect-tasks,customer-profiles"
    chosen = choose(Environment({**EVERY_CONNECTOR, "CONNECTORS": names}))
    connectors = build_connectors(chosen, CONTEXT)
    assert [c.name for c in connectors] == ["customer-profiles", "connect-tasks"]


@pytest.mark.parametrize(("names", "message"), [
    ("", "at least one"), ("https,fax", "unknown connectors"), ("connect-tasks", "CONNECT_INSTANCE_ID"),
    ("customer-profiles", "CUSTOMER_PROFILES_DOMAIN"), ("https", "CONTACT_CENTRE_URL"),
])
def test_a_missing_or_unknown_setting_fails_with_its_name(names, message):
    with pytest.raises(ConfigurationError, match=message):
        choose(Environment({"CONNECTORS": names, "TASK_WINDOW_MINUTES": "240"}))


@pytest.mark.parametrize("url", ["http://contact.example.com/hook", "ftp://x/y"])
def test_the_https_connector_refuses_plain_http_to_the_internet(url):
    with pytest.raises(ConfigurationError, match="https"):
        choose(Environment({**EVERY_CONNECTOR, "CONNECTORS": "https", "CONTACT_CENTRE_URL": url}))


def test_a_short_https_signing_key_is_refused_when_the_connector_is_built():
    chosen = choose(Environment({**EVERY_CONNECTOR, "CONNECTORS": "https"}))
    short = ConnectorContext(credentials=lambda _name: {"signing_key": "short"}, task_window=MemoryWindow)
    with pytest.raises(ConfigurationError, match="signing_key"):
        build_connectors(chosen, short)


def test_erasure_collects_the_erasers_of_the_configured_connectors_only():
    both = choose(Environment({**EVERY_CONNECTOR, "CONNECTORS": "https,customer-profiles"}), erasing_only=True)
    assert [c.name for c in both] == ["customer-profiles"]
    assert [type(c.eraser()).__name__ for c in both] == ["CustomerProfilesConnector"]
    assert choose(Environment({**EVERY_CONNECTOR, "CONNECTORS": "https,connect-tasks"}), erasing_only=True) == ()


def test_the_erasure_view_reads_only_the_variables_of_connectors_that_erase():
    env = Environment({**EVERY_CONNECTOR, "CONNECTORS": "https"})
    choose(env, erasing_only=True)
    assert env.read == {"CONNECTORS", "CUSTOMER_PROFILES_DOMAIN"}


def test_the_templates_connectors_parameter_allows_exactly_the_registered_connectors():
    pattern = TEMPLATE["Parameters"]["Connectors"]["AllowedPattern"]
    alternatives = re.fullmatch(r"\^\(([^()]+)\)\(,\(\1\)\)\*\$", pattern)
    assert alternatives is not None, f"Connectors' AllowedPattern is no longer '^(a|b)(,(a|b))*$': {pattern}"
    assert set(alternatives.group(1).split("|")) == set(registry())
    for name in registry():
        assert name in TEMPLATE["Parameters"]["Connectors"]["Description"]
