"""Contact-centre connectors: each delivers a ContactPush somewhere (port: ports.ContactConnector).

Connectors are chosen by the CONNECTORS setting (a comma-separated list) and built lazily.
"""

from __future__ import annotations

from collections.abc import Callable

from socialcrm import config
from socialcrm.errors import ConfigurationError
from socialcrm.ports import ContactConnector


def _https() -> ContactConnector:
    from socialcrm.adapters.secrets import ConnectorSecrets
    from socialcrm.connectors.https import HttpsConnector, validate_endpoint

    url = validate_endpoint(config.required("CONTACT_CENTRE_URL"))
    credentials = ConnectorSecrets().connector_credentials("https")
    key = credentials.get("signing_key", "")
    if len(key) < 16:
        raise ConfigurationError("the connector secret's https.signing_key must be at least 16 characters")
    return HttpsConnector(url=url, signing_key=key)


def _customer_profiles() -> ContactConnector:
    from socialcrm.connectors.customer_profiles import OBJECT_TYPE, CustomerProfilesConnector

    return CustomerProfilesConnector(config.required("CUSTOMER_PROFILES_DOMAIN"),
                                     config.optional("SOCIAL_POST_OBJECT_TYPE", OBJECT_TYPE))


def _connect_tasks() -> ContactConnector:
    from socialcrm.adapters.dynamo import DynamoTaskWindow
    from socialcrm.connectors.connect_tasks import ConnectTasksConnector

    instance, flow = config.required("CONNECT_INSTANCE_ID"), config.required("TASK_CONTACT_FLOW_ID")
    window = DynamoTaskWindow(table_name=config.table_name("contact_state"))
    return ConnectTasksConnector(instance, flow, window, config.positive_int("TASK_WINDOW_MINUTES", 240))


BUILDERS: dict[str, Callable[[], ContactConnector]] = {
    "https": _https, "customer-profiles": _customer_profiles, "connect-tasks": _connect_tasks}


def build_connectors(names: str) -> list[ContactConnector]:
    chosen = [name.strip().lower() for name in names.split(",") if name.strip()]
    if not chosen:
        raise ConfigurationError("CONNECTORS must name at least one connector")
    unknown = [name for name in chosen if name not in BUILDERS]
    if unknown:
        raise ConfigurationError(f"CONNECTORS names unknown connectors {unknown}; known: {sorted(BUILDERS)}")
    return [BUILDERS[name]() for name in dict.fromkeys(chosen)]
