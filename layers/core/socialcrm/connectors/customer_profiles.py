"""Amazon Connect Customer Profiles: every matched post becomes a `SocialPost` profile object on the
customer's profile, so agents see the social timeline in the Connect agent workspace.

The object type (template.yaml: SocialPostObjectType) keys the object by `post_key` (UNIQUE: a redelivery
updates the same object) and attaches it to the profile whose AccountNumber is our customer id.
Erasure lists the profile's SocialPost objects and deletes each by the ProfileObjectUniqueKey the service
generated for it (DeleteProfileObject wants that identifier, not our `post_key`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from socialcrm.config import Environment
from socialcrm.connectors import ConnectorContext, ConnectorKind
from socialcrm.connectors.aws_errors import delivery_error
from socialcrm.errors import ConfigurationError
from socialcrm.identity import describe_match
from socialcrm.model import ContactPush, PostKey

OBJECT_TYPE = "SocialPost"
PAGE_SIZE = 100  # the most SearchProfiles and ListProfileObjects return per page


class CustomerProfilesConnector:
    name = "customer-profiles"
    erases = "profile_objects"  # the erasure receipt's count

    def __init__(self, domain: str, object_type: str = OBJECT_TYPE, client: Any = None) -> None:
        self.domain = domain
        self.object_type = object_type
        self._client = client

    @cached_property
    def client(self) -> Any:
        if self._client is not None:
            return self._client
        import boto3
        from botocore.config import Config

        return boto3.client("customer-profiles", config=Config(connect_timeout=3, read_timeout=10,
                                                               retries={"total_max_attempts": 2, "mode": "standard"}))

    @staticmethod
    def wants(push: ContactPush) -> bool:
        return bool(push.customer_id) and not push.answered_at  # an answer is not a post of the timeline

    @staticmethod
    def profile_object(push: ContactPush) -> dict[str, str]:
        return {
            "post_key": push.post_key.text, "customer_id": push.customer_id,
            "platform": push.platform, "kind": push.kind, "text": push.text[:4000], "sentiment": push.sentiment,
            "created_at": push.created_at, "url": push.url or "", "actionable_reason": push.reason,
            "matched_by": describe_match(push.match_key, push.match_basis, push.platform),
        }

    def deliver(self, push: ContactPush) -> None:
        body = json.dumps(self.profile_object(push), ensure_ascii=False, separators=(",", ":"))
        try:
            self.client.put_profile_object(ObjectTypeName=self.object_type, Object=body, DomainName=self.domain)
        except (ClientError, BotoCoreError) as error:
            raise delivery_error("customer-profiles", error) from None

    def erase(self, customer_id: str, post_keys: Sequence[PostKey] | None = None) -> int:
        """Delete SocialPost objects from the customer's profiles (erasure): all of them, or only those of
        `post_keys`. Returns the number deleted; an object already gone is erased, not counted."""
        wanted = None if post_keys is None else {key.text for key in post_keys}
        try:
            deleted = 0
            for profile_id in self._profile_ids(customer_id):
                # Read every page before deleting, so the deletes cannot shift the pages being read.
                object_keys = [item["ProfileObjectUniqueKey"] for item in self._social_posts(profile_id)
                               if wanted is None or _post_key_of(item) in wanted]
                deleted += sum(self._delete(profile_id, object_key) for object_key in object_keys)
            return deleted
        except (ClientError, BotoCoreError) as error:
            raise delivery_error("customer-profiles", error) from None

    def _profile_ids(self, customer_id: str) -> list[str]:
        """Profiles whose AccountNumber is our customer id (the object type's PROFILE key)."""
        request = {"DomainName": self.domain, "KeyName": "_account", "Values": [customer_id],
                   "MaxResults": PAGE_SIZE}
        return list(dict.fromkeys(p["ProfileId"] for p in _every_item(self.client.search_profiles, request)))

    def _social_posts(self, profile_id: str) -> list[dict[str, Any]]:
        request = {"DomainName": self.domain, "ObjectTypeName": self.object_type, "ProfileId": profile_id,
                   "MaxResults": PAGE_SIZE}
        return list(_every_item(self.client.list_profile_objects, request))

    def _delete(self, profile_id: str, object_key: str) -> int:
        try:
            self.client.delete_profile_object(DomainName=self.domain, ProfileId=profile_id,
                                              ObjectTypeName=self.object_type, ProfileObjectUniqueKey=object_key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return 0  # gone already (expired, or an earlier run): erased all the same
            raise
        return 1


def _every_item(operation: Callable[..., dict[str, Any]], request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The items of every page of a Customer Profiles listing (these calls have no boto3 paginator)."""
    while True:
        answer = operation(**request)
        yield from answer.get("Items", [])
        if not answer.get("NextToken"):
            return
        request = {**request, "NextToken": answer["NextToken"]}


def _post_key_of(item: dict[str, Any]) -> str | None:
    """The post key inside a listed object (the JSON we put)."""
    try:
        body = json.loads(item.get("Object") or "")
    except ValueError:
        return None
    return body.get("post_key") if isinstance(body, dict) else None


@dataclass(frozen=True)
class CustomerProfilesSettings:
    domain: str  # CUSTOMER_PROFILES_DOMAIN


def _read_settings(env: Environment) -> CustomerProfilesSettings:
    return CustomerProfilesSettings(env.text("CUSTOMER_PROFILES_DOMAIN"))


def _check(settings: CustomerProfilesSettings) -> None:
    if not settings.domain:
        raise ConfigurationError(
            "environment variable CUSTOMER_PROFILES_DOMAIN must be set for the customer-profiles connector")


def _connector(settings: CustomerProfilesSettings,
               context: ConnectorContext | None = None) -> CustomerProfilesConnector:
    return CustomerProfilesConnector(settings.domain)


KIND = ConnectorKind("customer-profiles", _read_settings, _check, _connector, eraser=_connector)
