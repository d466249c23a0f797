"""X rotates its refresh token on every refresh: the publisher ReplyFunction builds (wiring) writes the new one back
into the ReplySecret on moto (PutSecretValue), so the next cold start refreshes with it, not with the spent one."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities import parameters

from socialcrm import wiring
from socialcrm.adapters.secrets import ReplySecrets
from socialcrm.caches import reset_for_tests
from tests.support.fake_platform import fake_platform
from tests.support.platform_fakes import OAuthServer, XApi
from tests.support.replies import a_reply

X_SECTION = {"client_id": "client-1", "client_secret": "client-secret", "refresh_token": "refresh-1"}


@pytest.fixture
def x_world(aws, monkeypatch):
    aws.use("ReplyFunction")
    secret_id = aws.specs["ReplyFunction"].environment["REPLY_SECRET_ID"]
    secrets = aws.client("secretsmanager")
    secrets.put_secret_value(SecretId=secret_id, SecretString=json.dumps({"x": X_SECTION, "other": {"k": "v"}}))
    with fake_platform() as fake:
        oauth = OAuthServer(fake, "/2/oauth2/token", basic_auth=True, rotate=True)
        api = XApi(fake, oauth)
        monkeypatch.setenv("REPLY_X_API_URL", fake.url)
        monkeypatch.setenv("REPLY_X_TOKEN_URL", f"{fake.url}/2/oauth2/token")
        reset_for_tests()
        yield secrets, secret_id, oauth, api
    reset_for_tests()


def stored(secrets, secret_id) -> dict:
    return json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])


def test_a_rotated_refresh_token_is_stored_and_the_next_cold_start_uses_it(x_world):
    secrets, secret_id, oauth, api = x_world
    wiring.reply_publisher("x").publish(a_reply("x", "message", "dm-1", "brand-1", recipient="42"))
    assert stored(secrets, secret_id) == {"x": {**X_SECTION, "refresh_token": "refresh-2"}, "other": {"k": "v"}}

    reset_for_tests()  # a new cold start reads the secret again: the spent refresh-1 would be refused
    parameters.clear_caches()
    wiring.reply_publisher("x").publish(a_reply("x", "message", "dm-1", "brand-1", recipient="42",
                                                text="And one more thing", reply_id="reply-2"))
    assert [event["text"] for event in api.dms["42"]] == ["Sorry about that, we are on it.", "And one more thing"]
    assert stored(secrets, secret_id)["x"]["refresh_token"] == "refresh-3" == oauth.refresh_token


def test_a_secret_without_the_section_is_not_rewritten(x_world):
    secrets, secret_id, _oauth, _api = x_world
    before = secrets.get_secret_value(SecretId=secret_id)["VersionId"]
    ReplySecrets(secret_id).store_refresh_token("linkedin", "refresh-9")
    assert secrets.get_secret_value(SecretId=secret_id)["VersionId"] == before
    assert stored(secrets, secret_id)["x"] == X_SECTION
