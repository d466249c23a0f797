"""Connectors are chosen by configuration, several at once, each validated with a clear error."""

from __future__ import annotations

import pytest

from socialcrm.connectors import build_connectors
from socialcrm.errors import ConfigurationError


def test_several_connectors_at_once(monkeypatch):
    monkeypatch.setenv("CUSTOMER_PROFILES_DOMAIN", "acme-customers")
    monkeypatch.setenv("CONNECT_INSTANCE_ID", "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa")
    monkeypatch.setenv("TASK_CONTACT_FLOW_ID", "b1a2c3d4-0000-4000-8000-00000000f10e")
    monkeypatch.setenv("CONTACT_STATE_TABLE", "ContactStateTable")
    from socialcrm import config

    config.table_names.cache_clear()
    try:
        connectors = build_connectors("customer-profiles, connect-tasks,customer-profiles")
    finally:
        config.table_names.cache_clear()
    assert [c.name for c in connectors] == ["customer-profiles", "connect-tasks"]


@pytest.mark.parametrize(("names", "message"), [
    ("", "at least one"), ("https,fax", "unknown connectors"), ("connect-tasks", "CONNECT_INSTANCE_ID"),
    ("customer-profiles", "CUSTOMER_PROFILES_DOMAIN"),
])
def test_a_missing_or_unknown_setting_fails_with_its_name(monkeypatch, names, message):
    for name in ("CUSTOMER_PROFILES_DOMAIN", "CONNECT_INSTANCE_ID", "TASK_CONTACT_FLOW_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigurationError, match=message):
        build_connectors(names)


@pytest.mark.parametrize("url", ["http://contact.example.com/hook", "ftp://x/y"])
def test_the_https_connector_refuses_plain_http_to_the_internet(monkeypatch, url):
    monkeypatch.setenv("CONTACT_CENTRE_URL", url)
    with pytest.raises(ConfigurationError, match="https"):
        build_connectors("https")
