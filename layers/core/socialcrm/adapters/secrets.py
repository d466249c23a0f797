"""Secrets from AWS Secrets Manager through Powertools Parameters (cached for 5 minutes)."""

from __future__ import annotations

import json
from typing import Any

from socialcrm.errors import ConfigurationError, PlatformNotConfigured

CACHE_SECONDS = 300
TOMBSTONE_SECRET_KEYS = ("hash_key",)


def _secret_map(secret_id: str, env_name: str, force_fetch: bool = False) -> dict[str, Any]:
    """The JSON object of the secret `secret_id` (from the variable `env_name`, named in errors)."""
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(secret_id, transform="json", max_age=CACHE_SECONDS, force_fetch=force_fetch)
    if not isinstance(value, dict):
        raise ConfigurationError(f"the secret named by {env_name} must hold a JSON object")
    return value


def _section(secret_id: str, env_name: str, name: str) -> dict[str, str]:
    section = _secret_map(secret_id, env_name).get(name)
    if not isinstance(section, dict):
        raise ConfigurationError(f"the secret named by {env_name} has no object for {name!r}")
    return section


WEBSUB_PLATFORM = "youtube"  # its hub secret is the WebSubSecret, not a PlatformSecret section


class PlatformSecrets:
    """The webhook's credentials: the PlatformSecret {"<platform>": {credential: value}}, except YouTube's,
    which are the WebSubSecret (the poller subscribes with the same hub secret; it may not read the others)."""

    def __init__(self, platform_secret_id: str, websub_secret_id: str) -> None:
        self.platform_secret_id = platform_secret_id
        self.websub_secret_id = websub_secret_id

    def platform_credentials(self, platform: str) -> dict[str, str]:
        if platform == WEBSUB_PLATFORM:
            return websub_credentials(self.websub_secret_id)
        credentials = _secret_map(self.platform_secret_id, "PLATFORM_SECRET_ID").get(platform)
        if not isinstance(credentials, dict):  # not set up here: the caller is not that platform, a 404
            raise PlatformNotConfigured(f"no credentials for {platform!r} in the secret named by PLATFORM_SECRET_ID")
        return credentials


def websub_credentials(secret_id: str) -> dict[str, str]:
    """The WebSubSecret: {"hub_secret", "previous_hub_secret", "previous_hub_secret_valid_until"} (rotation)."""
    return _secret_map(secret_id, "WEBSUB_SECRET_ID")


class PollingSecrets:
    """The PollingSecret, the poller's API credentials only: {"reddit": {...}, "youtube": {"api_key": ...}}."""

    def __init__(self, secret_id: str) -> None:
        self.secret_id = secret_id

    def source_credentials(self, source: str) -> dict[str, str]:
        return _section(self.secret_id, "POLLING_SECRET_ID", source)


class ConnectorSecrets:
    """The ConnectorSecret: {"<connector>": {credential: value}}."""

    def __init__(self, secret_id: str) -> None:
        self.secret_id = secret_id

    def connector_credentials(self, connector: str) -> dict[str, str]:
        return _section(self.secret_id, "CONNECTOR_SECRET_ID", connector)


class ReplySecrets:
    """The ReplySecret: {"<platform>": {credential: value}}, the accounts' publishing credentials (docs/replies.md).
    A platform without a section cannot be answered here."""

    def __init__(self, secret_id: str) -> None:
        self.secret_id = secret_id

    def platform_credentials(self, platform: str) -> dict[str, str] | None:
        section = _secret_map(self.secret_id, "REPLY_SECRET_ID").get(platform)
        return section if isinstance(section, dict) else None

    def store_refresh_token(self, platform: str, refresh_token: str, client: Any = None) -> None:
        """Write back a refresh token the platform rotated (X rotates on every refresh): the secret is read afresh
        and written whole, with only that section's refresh_token changed."""
        values = dict(_secret_map(self.secret_id, "REPLY_SECRET_ID", force_fetch=True))
        section = values.get(platform)
        if not isinstance(section, dict) or not refresh_token:
            return
        values[platform] = {**section, "refresh_token": refresh_token}
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.client("secretsmanager", config=Config(connect_timeout=3, read_timeout=10))
        client.put_secret_value(SecretId=self.secret_id, SecretString=json.dumps(values))


def screen_pop_secret(secret_id: str) -> dict[str, Any]:
    """The ScreenPopSecret, read afresh: its caller (screen_pop.CachedKeys) bounds how long it is kept."""
    return _secret_map(secret_id, "SCREEN_POP_SECRET_ID", force_fetch=True)


def tombstone_key(secret_id: str) -> bytes:
    """The TombstoneSecret's key of the erased-customer tombstones: {"hash_key": "..."} (at least 32 characters)."""
    key = str(_secret_map(secret_id, "TOMBSTONE_SECRET_ID").get("hash_key") or "")
    if len(key) < 32:
        raise ConfigurationError("the tombstone secret needs a hash_key of at least 32 characters")
    return key.encode()


Shapes = dict[str, dict[str, tuple[str, ...]]]
TOP_LEVEL = ""  # the section name of a secret whose keys are at its top level


def secret_shapes() -> Shapes:
    """Every key the code reads, per secret of template.yaml and per section: gathered from what each module
    declares (platform adapters' `secret_keys`, sources' and connectors' SECRET_KEYS), for docs/deploy.md's test.
    Generic platforms are the mappings shipped in the layer; one kept in SSM names its own keys."""
    from socialcrm import screen_pop
    from socialcrm.connectors import https
    from socialcrm.platform_catalog import WEBHOOK_MODULES
    from socialcrm.platforms import GENERIC_PREFIX, get_adapter
    from socialcrm.platforms.generic import MAPPINGS_DIR
    from socialcrm.reply_platforms import reply_secret_sections
    from socialcrm.sources import reddit, youtube_comments

    platform: dict[str, tuple[str, ...]] = {}
    websub: tuple[str, ...] = ()
    names = sorted(WEBHOOK_MODULES) + [GENERIC_PREFIX + path.stem for path in sorted(MAPPINGS_DIR.glob("*.json"))]
    for name in names:
        adapter = get_adapter(name)
        keys: tuple[str, ...] = adapter.secret_keys
        if name == WEBSUB_PLATFORM:
            websub = keys
        else:
            section = getattr(adapter, "credentials_name", name)
            platform[section] = tuple(dict.fromkeys(platform.get(section, ()) + keys))
    return {
        "PlatformSecret": platform,
        "WebSubSecret": {TOP_LEVEL: websub},
        "PollingSecret": {source.SECRET_SECTION: source.SECRET_KEYS for source in (reddit, youtube_comments)},
        "ConnectorSecret": {https.SECRET_SECTION: https.SECRET_KEYS},
        "ScreenPopSecret": {TOP_LEVEL: screen_pop.SECRET_KEYS},
        "TombstoneSecret": {TOP_LEVEL: TOMBSTONE_SECRET_KEYS},
        "ReplySecret": reply_secret_sections(),
    }
