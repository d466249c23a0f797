"""The platform catalogue is the one list of platforms: every webhook adapter module is in it, and each route
it names is served by the adapter of that name."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import socialcrm.platforms
from socialcrm import model, names
from socialcrm.errors import UnknownPlatform
from socialcrm.platform_catalog import PLATFORMS, WEBHOOK_MODULES
from socialcrm.platforms import get_adapter, metric_platform


def adapter_modules() -> dict[str, str]:
    """Modules of socialcrm.platforms that define an ADAPTER, by the adapter's name."""
    found = {}
    for module in pkgutil.iter_modules(socialcrm.platforms.__path__):
        imported = importlib.import_module(f"socialcrm.platforms.{module.name}")
        if hasattr(imported, "ADAPTER"):
            found[imported.ADAPTER.name] = imported.__name__
    return found


def test_every_adapter_module_is_a_route_of_the_catalogue_and_the_other_way_round():
    assert adapter_modules() == WEBHOOK_MODULES


@pytest.mark.parametrize("route", sorted(WEBHOOK_MODULES))
def test_each_route_is_served_by_its_adapter_and_counted_under_its_name(route):
    assert get_adapter(route).name == route
    assert metric_platform(route) == route


def test_a_route_not_in_the_catalogue_is_unknown():
    with pytest.raises(UnknownPlatform):
        get_adapter("myspace")
    assert metric_platform("myspace") == "unknown"


def test_names_and_link_hosts_come_from_the_catalogue():
    assert set(names.PLATFORM_NAMES) == set(model.PLATFORM_HOSTS) == {platform.name for platform in PLATFORMS}
    assert len(PLATFORMS) == len({platform.name for platform in PLATFORMS})
    assert all(platform.hosts and platform.shown_as for platform in PLATFORMS)
