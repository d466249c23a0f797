"""Registry of platform adapters, imported lazily so a webhook loads only the one it serves.

`generic/<source>` is served by the declarative adapter from that source's mapping.
"""

from __future__ import annotations

import importlib

from socialcrm.errors import UnknownPlatform
from socialcrm.platforms.base import PlatformAdapter

# platform name in /webhooks/{platform} -> module defining ADAPTER
_ADAPTER_MODULES = {
    "meta": "socialcrm.platforms.meta",
    "whatsapp": "socialcrm.platforms.whatsapp",
    "x": "socialcrm.platforms.x",
    "linkedin": "socialcrm.platforms.linkedin",
    "youtube": "socialcrm.platforms.youtube",
    "tiktok": "socialcrm.platforms.tiktok",
    "google-business": "socialcrm.platforms.google_business",
}
GENERIC_PREFIX = "generic/"


def get_adapter(platform: str) -> PlatformAdapter:
    if platform.startswith(GENERIC_PREFIX):
        from socialcrm.platforms.generic import adapter_for

        return adapter_for(platform.removeprefix(GENERIC_PREFIX))
    module_name = _ADAPTER_MODULES.get(platform)
    if module_name is None:
        raise UnknownPlatform(f"unknown platform {platform!r}")
    return importlib.import_module(module_name).ADAPTER


def known_platforms() -> list[str]:
    return sorted(_ADAPTER_MODULES)


def metric_platform(platform: str) -> str:
    """A low-cardinality metric dimension: a known platform, 'generic', or 'unknown'."""
    if platform in _ADAPTER_MODULES:
        return platform
    return "generic" if platform.startswith(GENERIC_PREFIX) else "unknown"
