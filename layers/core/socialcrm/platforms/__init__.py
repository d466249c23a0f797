"""Registry of platform adapters, imported lazily so a webhook loads only the one it serves."""

from __future__ import annotations

import importlib

from socialcrm.errors import UnknownPlatform
from socialcrm.platforms.base import PlatformAdapter

# platform name in /webhooks/{platform} -> module defining ADAPTER
_ADAPTER_MODULES = {
    "meta": "socialcrm.platforms.meta",
}


def get_adapter(platform: str) -> PlatformAdapter:
    module_name = _ADAPTER_MODULES.get(platform)
    if module_name is None:
        raise UnknownPlatform(f"unknown platform {platform!r}")
    return importlib.import_module(module_name).ADAPTER


def known_platforms() -> list[str]:
    return sorted(_ADAPTER_MODULES)
