"""Amazon Connect Tasks: an actionable post starts a task in the configured contact flow.

- ClientToken = the push id (derived from the post), so a retried delivery never creates a second task.
- At most one open task per customer per window (TASK_WINDOW_MINUTES): a guard item in
  ContactStateTable is claimed with a conditional write; a later actionable post inside the window is
  left to the task already open (it is still on the card, the timeline and the push receivers).
- The task's contact id is kept on the guard item; when we publish an official answer to the post the task
  was opened for (socialcrm.replies), the answered push stops that contact (StopContact): the work is done.
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
from socialcrm.model import ContactPush, push_id_for
from socialcrm.names import PLATFORM_NAMES


class TaskWindow(Protocol):
    def claim(self, customer_id: str, push_id: str, until: int, now: int) -> bool:
        """True when this push may start the customer's task: no open window, an expired one, or its own."""
        ...

    def started(self, customer_id: str, push_id: str, contact_id: str) -> None:
        """Note the task's contact on the customer's window, if the window is still this push's."""
        ...

    def task_of(self, customer_id: str, now: int) -> tuple[str, str] | None:
        """(push id, contact id) of the customer's open window's task, or None."""
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
        return (push.actionable or bool(push.answered_at)) and bool(push.customer_id)

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
        if push.answered_at:
            self.complete(push, now)
            return
        if not self.window.claim(push.customer_id, push.push_id, now + self.window_seconds, now):
            return  # the customer's task of this window is open
        try:
            started = self.client.start_task_contact(**self.task_request(push))
        except (ClientError, BotoCoreError) as error:
            raise delivery_error("connect", error) from None
        contact_id = started.get("ContactId") if isinstance(started, dict) else None
        if isinstance(contact_id, str) and contact_id:
            self.window.started(push.customer_id, push.push_id, contact_id)

    def complete(self, answered: ContactPush, now: int) -> None:
        """Stop the task opened for the answered post (a task opened for another post stays)."""
        task = self.window.task_of(answered.customer_id, now)
        if task is None or task[0] != push_id_for(answered.post_key):
            return
        try:
            self.client.stop_contact(ContactId=task[1], InstanceId=self.instance_id)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("ContactNotFoundException", "ResourceNotFoundException"):
                return  # the agent closed it already
            raise delivery_error("connect", error) from None
        except BotoCoreError as error:
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
