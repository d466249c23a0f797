"""Amazon Connect Tasks: an actionable post starts a task in the configured contact flow.

- ClientToken = the push id (derived from the post), so a retried delivery never creates a second task.
- At most one open task per customer per window (TASK_WINDOW_MINUTES): a guard item in
  ContactStateTable is claimed with a conditional write; a later actionable post inside the window is
  left to the task already open (it is still on the card, the timeline and the push receivers).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from socialcrm.config import Environment
from socialcrm.connectors import ConnectorContext, ConnectorKind
from socialcrm.connectors.aws_errors import delivery_error
from socialcrm.errors import ConfigurationError
from socialcrm.model import ContactPush
from socialcrm.names import PLATFORM_NAMES


class TaskWindow(Protocol):
    def claim(self, customer_id: str, push_id: str, until: int, now: int) -> bool:
        """True when this push may start the customer's task: no open window, an expired one, or its own."""
        ...


class ConnectTasksConnector:
    name = "connect-tasks"

    def __init__(self, instance_id: str, contact_flow_id: str, window: TaskWindow, window_minutes: int,
                 client: Any = None, clock: Callable[[], float] = time.time) -> None:
        self.instance_id = instance_id
        self.contact_flow_id = contact_flow_id
        self.window = window
        self.window_seconds = window_minutes * 60
        self._client = client
        self.clock = clock

    @cached_property
    def client(self) -> Any:
        if self._client is not None:
            return self._client
        import boto3
        from botocore.config import Config

        return boto3.client("connect", config=Config(connect_timeout=3, read_timeout=10,
                                                     retries={"total_max_attempts": 2, "mode": "standard"}))

    @staticmethod
    def wants(push: ContactPush) -> bool:
        return push.actionable and bool(push.customer_id)

    def task_request(self, push: ContactPush) -> dict[str, Any]:
        platform = PLATFORM_NAMES.get(push.platform, push.platform)
        who = push.customer_name or push.customer_id
        request: dict[str, Any] = {
            "InstanceId": self.instance_id,
            "ContactFlowId": self.contact_flow_id,
            "Name": f"{platform} {push.kind} from {who} ({push.reason.replace('_', ' ')})"[:512],
            "Description": (push.text or f"A {push.kind} on {platform} with no text")[:4096],
            "Attributes": {"customer_id": push.customer_id, "platform": push.platform, "sentiment": push.sentiment,
                           "reason": push.reason, "post_id": push.post_id[:256], "source": "socialcrm"},
            "ClientToken": push.push_id,
        }
        if push.url:
            request["References"] = {"post": {"Value": push.url[:4096], "Type": "URL"}}
        return request

    def deliver(self, push: ContactPush) -> None:
        now = int(self.clock())
        if not self.window.claim(push.customer_id, push.push_id, now + self.window_seconds, now):
            return  # the customer's task of this window is open
        try:
            self.client.start_task_contact(**self.task_request(push))
        except (ClientError, BotoCoreError) as error:
            raise delivery_error("connect", error) from None


@dataclass(frozen=True)
class ConnectTasksSettings:
    instance_id: str  # CONNECT_INSTANCE_ID
    contact_flow_id: str  # TASK_CONTACT_FLOW_ID
    window_minutes: int  # TASK_WINDOW_MINUTES


def _read_settings(env: Environment) -> ConnectTasksSettings:
    return ConnectTasksSettings(env.text("CONNECT_INSTANCE_ID"), env.text("TASK_CONTACT_FLOW_ID"),
                                env.positive_int("TASK_WINDOW_MINUTES"))


def _check(settings: ConnectTasksSettings) -> None:
    for variable, value in (("CONNECT_INSTANCE_ID", settings.instance_id),
                            ("TASK_CONTACT_FLOW_ID", settings.contact_flow_id)):
        if not value:
            raise ConfigurationError(f"environment variable {variable} must be set for the connect-tasks connector")


def _build(settings: ConnectTasksSettings, context: ConnectorContext) -> ConnectTasksConnector:
    return ConnectTasksConnector(settings.instance_id, settings.contact_flow_id, context.task_window(),
                                 settings.window_minutes)


KIND = ConnectorKind("connect-tasks", _read_settings, _check, _build)
