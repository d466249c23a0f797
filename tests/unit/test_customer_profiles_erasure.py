"""Erasure in Amazon Connect Customer Profiles, with botocore's Stubber on a real client: every request is
validated against the service model, and the stub answers only the exact calls queued, in order."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from socialcrm.connectors.customer_profiles import CustomerProfilesConnector
from socialcrm.erasure import ErasureDeps, erase
from socialcrm.errors import PermanentDeliveryError, TransientDeliveryError
from socialcrm.processing import process_post
from tests.unit.test_processing import a_post

DOMAIN = "acme-customers"
ADA_PROFILE = "5f0c3a8e2b7d4c19a6e1f0b2d3c4a5b6"
ADA_OTHER_PROFILE = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"


class NoTaskWindows:
    def forget(self, customer_id: str) -> int:
        return 0


@pytest.fixture
def profiles():
    client = boto3.client("customer-profiles", region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stub:
        yield CustomerProfilesConnector(DOMAIN, client=client), stub


@pytest.fixture
def erasure(world, profiles):
    processor, _ = world
    connector, stub = profiles
    return processor, ErasureDeps(processor.customers, processor.posts, processor.cards, NoTaskWindows(),
                                  processor.clock, processor.reviews, processor.codes, "GB",
                                  erasers=(connector,)), stub


def social_post(unique_key: str, post_key: str, customer_id: str = "c-1") -> dict:
    """A ListProfileObjects item: the service's own key, and the object we put (as JSON)."""
    body = {"post_key": post_key, "customer_id": customer_id, "text": "My order arrived broken"}
    return {"ObjectTypeName": "SocialPost", "ProfileObjectUniqueKey": unique_key, "Object": json.dumps(body)}


def expect_search(stub, customer_id: str, profile_ids: list[str], token: str | None = None,
                  next_token: str | None = None) -> None:
    request = {"DomainName": DOMAIN, "KeyName": "_account", "Values": [customer_id], "MaxResults": 100,
               **({"NextToken": token} if token else {})}
    answer = {"Items": [{"ProfileId": p, "AccountNumber": customer_id} for p in profile_ids],
              **({"NextToken": next_token} if next_token else {})}
    stub.add_response("search_profiles", answer, request)


def expect_listing(stub, profile_id: str, items: list[dict], token: str | None = None,
                   next_token: str | None = None) -> None:
    request = {"DomainName": DOMAIN, "ObjectTypeName": "SocialPost", "ProfileId": profile_id, "MaxResults": 100,
               **({"NextToken": token} if token else {})}
    stub.add_response("list_profile_objects", {"Items": items, **({"NextToken": next_token} if next_token else {})},
                      request)


def expect_delete(stub, profile_id: str, unique_key: str) -> None:
    stub.add_response("delete_profile_object", {"Message": "ProfileObject deleted"},
                      {"DomainName": DOMAIN, "ProfileId": profile_id, "ObjectTypeName": "SocialPost",
                       "ProfileObjectUniqueKey": unique_key})


def test_every_social_post_object_of_the_customer_is_deleted_by_its_service_key(erasure):
    processor, deps, stub = erasure
    process_post(a_post("p1"), processor)
    process_post(a_post("p2", text="Still broken"), processor)
    expect_search(stub, "c-1", [ADA_PROFILE])
    # The third object's post is no longer in our tables (deleted on the platform, or expired): it goes too.
    expect_listing(stub, ADA_PROFILE, [social_post("qV3sYx0Lk2", "facebook#p1"),
                                       social_post("qV3sYx0Lk3", "facebook#p2"),
                                       social_post("qV3sYx0Lk4", "facebook#p0-deleted-on-facebook")])
    stub.add_response("delete_profile_object", {"Message": "ProfileObject deleted"},
                      {"DomainName": "acme-customers", "ProfileId": ADA_PROFILE, "ObjectTypeName": "SocialPost",
                       "ProfileObjectUniqueKey": "qV3sYx0Lk2"})
    stub.add_response("delete_profile_object", {"Message": "ProfileObject deleted"},
                      {"DomainName": "acme-customers", "ProfileId": ADA_PROFILE, "ObjectTypeName": "SocialPost",
                       "ProfileObjectUniqueKey": "qV3sYx0Lk3"})
    stub.add_response("delete_profile_object", {"Message": "ProfileObject deleted"},
                      {"DomainName": "acme-customers", "ProfileId": ADA_PROFILE, "ObjectTypeName": "SocialPost",
                       "ProfileObjectUniqueKey": "qV3sYx0Lk4"})

    receipt = erase({"customer_id": "c-1"}, deps)

    stub.assert_no_pending_responses()
    assert receipt.counts["profile_objects"] == 3
    assert receipt.counts["posts"] == 2


def test_every_page_of_profiles_and_objects_is_read_before_deleting(profiles):
    connector, stub = profiles
    expect_search(stub, "c-1", [ADA_PROFILE], next_token="profiles-page-2")
    expect_search(stub, "c-1", [ADA_OTHER_PROFILE], token="profiles-page-2")
    expect_listing(stub, ADA_PROFILE, [social_post("k-1", "facebook#p1"), social_post("k-2", "facebook#p2")],
                   next_token="objects-page-2")
    expect_listing(stub, ADA_PROFILE, [social_post("k-3", "instagram#ig")], token="objects-page-2")
    for unique_key in ("k-1", "k-2", "k-3"):
        expect_delete(stub, ADA_PROFILE, unique_key)
    expect_listing(stub, ADA_OTHER_PROFILE, [social_post("k-4", "x#1993456789012345678")])
    expect_delete(stub, ADA_OTHER_PROFILE, "k-4")

    assert connector.erase("c-1") == 4
    stub.assert_no_pending_responses()


def test_a_customer_without_a_profile_deletes_nothing(erasure):
    _, deps, stub = erasure
    expect_search(stub, "c-404", [])

    receipt = erase({"customer_id": "c-404"}, deps)

    stub.assert_no_pending_responses()
    assert receipt.counts["profile_objects"] == 0 and receipt.total == 0


def test_a_profile_without_social_posts_deletes_nothing(profiles):
    connector, stub = profiles
    expect_search(stub, "c-2", [ADA_OTHER_PROFILE])
    expect_listing(stub, ADA_OTHER_PROFILE, [])

    assert connector.erase("c-2") == 0
    stub.assert_no_pending_responses()


def test_an_object_already_gone_is_erased_and_a_second_run_finds_nothing(profiles):
    connector, stub = profiles
    expect_search(stub, "c-1", [ADA_PROFILE])
    expect_listing(stub, ADA_PROFILE, [social_post("k-1", "facebook#p1"), social_post("k-2", "facebook#p2")])
    stub.add_client_error("delete_profile_object", service_error_code="ResourceNotFoundException",
                          service_message="ProfileObject not found", http_status_code=404,
                          expected_params={"DomainName": DOMAIN, "ProfileId": ADA_PROFILE,
                                           "ObjectTypeName": "SocialPost", "ProfileObjectUniqueKey": "k-1"})
    expect_delete(stub, ADA_PROFILE, "k-2")
    assert connector.erase("c-1") == 1  # only what this run deleted is counted
    stub.assert_no_pending_responses()

    expect_search(stub, "c-1", [ADA_PROFILE])
    expect_listing(stub, ADA_PROFILE, [])
    assert connector.erase("c-1") == 0
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(("operation", "code", "status", "raised"), [
    ("delete_profile_object", "AccessDeniedException", 403, PermanentDeliveryError),
    ("delete_profile_object", "ThrottlingException", 429, TransientDeliveryError),
    ("list_profile_objects", "InternalServerException", 500, TransientDeliveryError)])
def test_other_errors_fail_the_erasure_so_it_can_be_run_again(profiles, operation, code, status, raised):
    connector, stub = profiles
    expect_search(stub, "c-1", [ADA_PROFILE])
    if operation == "delete_profile_object":
        expect_listing(stub, ADA_PROFILE, [social_post("k-1", "facebook#p1")])
    stub.add_client_error(operation, service_error_code=code, http_status_code=status)
    with pytest.raises(raised):
        connector.erase("c-1")
    stub.assert_no_pending_responses()


def test_an_identity_erasure_deletes_only_that_identitys_objects_from_the_linked_profile(erasure):
    processor, deps, stub = erasure
    process_post(a_post("p1"), processor)  # Ada's Facebook account
    process_post(a_post("ig", user_id=None, handle="ada.l", platform="instagram", text="Ada on IG"), processor)
    expect_search(stub, "c-1", [ADA_PROFILE])
    expect_listing(stub, ADA_PROFILE, [social_post("k-fb", "facebook#p1"), social_post("k-ig", "instagram#ig")])
    expect_delete(stub, ADA_PROFILE, "k-fb")

    receipt = erase({"platform": "facebook", "user_id": "1001"}, deps)

    stub.assert_no_pending_responses()
    assert receipt.counts["profile_objects"] == 1 and receipt.counts["posts"] == 1
    assert "instagram#ig" in processor.posts.items
