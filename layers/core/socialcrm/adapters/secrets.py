"""Secrets from AWS Secrets Manager through Powertools Parameters (cached for 5 minutes)."""

from __future__ import annotations

from typing import Any

from socialcrm import config
from socialcrm.errors import ConfigurationError

CACHE_SECONDS = 300


def _secret_map(env_name: str) -> dict[str, Any]:
    from aws_lambda_powertools.utilities import parameters

    secret_id = config.required(env_name)
    value = parameters.get_secret(secret_id, transform="json", max_age=CACHE_SECONDS)
    if not isinstance(value, dict):
        raise ConfigurationError(f"the secret named by {env_name} must hold a JSON object")
    return value


class PlatformSecrets:
    """The PlatformSecret: {"<platform>": {credential: value}}."""

    def platform_credentials(self, platform: str) -> dict[str, str]:
        credentials = _secret_map("PLATFORM_SECRET_ID").get(platform)
        if not isinstance(credentials, dict):
            raise ConfigurationError(f"the platform secret has no credentials for {platform!r}")
        return credentials


class ConnectorSecrets:
    """The ConnectorSecret: {"<connector>": {credential: value}}."""

    def connector_credentials(self, connector: str) -> dict[str, str]:
        credentials = _secret_map("CONNECTOR_SECRET_ID").get(connector)
        if not isinstance(credentials, dict):
            raise ConfigurationError(f"the connector secret has no credentials for {connector!r}")
        return credentials
