"""Amazon Connect Customer Profiles: every matched post becomes a `SocialPost` profile object on the
customer's profile, so agents see the social timeline in the Connect agent workspace.

The object type (template.yaml: SocialPostObjectType) keys the object by `post_key` (UNIQUE: a redelivery
updates the same object) and attaches it to the profile whose AccountNumber is our customer id.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from socialcrm.connectors.aws_errors import delivery_error
from socialcrm.identity import describe_match
from socialcrm.model import ContactPush

OBJECT_TYPE = "SocialPost"


class CustomerProfilesConnector:
    name = "customer-profiles"

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
        return bool(push.customer_id)

    @staticmethod
    def profile_object(push: ContactPush) -> dict[str, str]:
        return {
            "post_key": f"{push.platform}#{push.post_id}", "customer_id": push.customer_id,
            "platform": push.platform, "kind": push.kind, "text": push.text[:4000], "sentiment": push.sentiment,
            "created_at": push.created_at, "url": push.url or "", "actionable_reason": push.reason,
            "matched_by": describe_match(push.match_key),
        }

    def deliver(self, push: ContactPush) -> None:
        body = json.dumps(self.profile_object(push), ensure_ascii=False, separators=(",", ":"))
        try:
            self.client.put_profile_object(ObjectTypeName=self.object_type, Object=body, DomainName=self.domain)
        except (ClientError, BotoCoreError) as error:
            raise delivery_error("customer-profiles", error) from None

    def erase(self, customer_id: str, post_keys: list[str]) -> int:
        """Delete this customer's SocialPost objects (erasure); the number deleted."""
        try:
            profiles = self.client.search_profiles(DomainName=self.domain, KeyName="_account",
                                                   Values=[customer_id]).get("Items", [])
            deleted = 0
            for profile in profiles:
                for post_key in post_keys:
                    try:
                        self.client.delete_profile_object(
                            ProfileId=profile["ProfileId"], ProfileObjectUniqueKey=post_key,
                            ObjectTypeName=self.object_type, DomainName=self.domain)
                        deleted += 1
                    except ClientError as error:
                        if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                            raise
            return deleted
        except (ClientError, BotoCoreError) as error:
            raise delivery_error("customer-profiles", error) from None
