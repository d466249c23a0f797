"""Platform adapters by webhook route (socialcrm.platform_catalog), imported lazily so a webhook loads only the
one it serves.

`generic/<source>` is served by the declarative adapter from that source's mapping.
"""

from __future__ import annotations

import importlib

from socialcrm.errors import UnknownPlatform
from socialcrm.platform_catalog import WEBHOOK_MODULES
from socialcrm.platforms.base import PlatformAdapter

GENERIC_PREFIX = "generic/"


def get_adapter(platform: str) -> PlatformAdapter:
    if platform.startswith(GENERIC_PREFIX):
        from socialcrm.platforms.generic import adapter_for

        return adapter_for(platform.removeprefix(GENERIC_PREFIX))
    module_name = WEBHOOK_MODULES.get(platform)
    if module_name is None:
        raise UnknownPlatform(f"unknown platform {platform!r}")
    adapter: PlatformAdapter = importlib.import_module(module_name).ADAPTER
    return adapter


def metric_platform(platform: str) -> str:
    """A low-cardinality metric dimension: a known platform, 'generic', or 'unknown'."""
    if platform in WEBHOOK_MODULES:
        return platform
    return "generic" if platform.startswith(GENERIC_PREFIX) else "unknown"
