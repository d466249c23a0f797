"""docs/deploy.md documents every secret key the code reads and every template parameter; samconfig.toml holds
a staging and a production environment that deploy this template, without secrets."""

from __future__ import annotations

import contextlib
import json
import re
import shlex
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infra.local.cfn import load_template
from socialcrm.adapters.secrets import TOP_LEVEL, secret_shapes
from socialcrm.errors import SocialCrmError
from socialcrm.platform_catalog import WEBHOOK_MODULES
from socialcrm.platforms import get_adapter
from socialcrm.platforms.base import WebhookRequest
from tests.signers import fixture, sign

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
TEMPLATE = load_template(ROOT / "template.yaml")
SAMCONFIG = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
ENVIRONMENTS = ("staging", "production")
_SHAPE = re.compile(r"<!-- secret: (\w+) -->\s*```json\n(.*?)```", re.DOTALL)
SAMPLE = {"meta": "whatsapp_message.json", "whatsapp": "whatsapp_message.json", "x": "x_tweet_create.json",
          "linkedin": "linkedin_comment.json", "youtube": "youtube_video.xml", "tiktok": "tiktok_post_publish.json",
          "google-business": "google_business_review.json", "generic/discourse": "generic_discourse_post.json",
          "generic/trustpilot": "generic_trustpilot_review.json"}


def documented_shapes() -> dict[str, dict]:
    shapes = {name: json.loads(body) for name, body in _SHAPE.findall(DEPLOY_DOC)}
    assert shapes, "docs/deploy.md has no <!-- secret: Name --> json blocks"
    return shapes


def test_every_secret_of_the_template_has_a_shape_in_the_code_and_in_the_guide():
    in_template = {name for name, body in TEMPLATE["Resources"].items()
                   if body["Type"] == "AWS::SecretsManager::Secret"}
    assert set(secret_shapes()) == in_template
    assert set(documented_shapes()) == in_template


def test_every_secret_key_the_code_reads_is_in_the_guides_json_shape():
    documented = documented_shapes()
    for secret, sections in secret_shapes().items():
        for section, keys in sections.items():
            shape = documented[secret] if section == TOP_LEVEL else documented[secret].get(section)
            assert isinstance(shape, dict), f"docs/deploy.md: {secret} has no {section!r} object"
            missing = [key for key in keys if key not in shape]
            assert not missing, f"docs/deploy.md: {secret} {section or '(top level)'} lacks {missing}"


def test_the_guide_documents_no_key_the_code_does_not_read():
    declared = secret_shapes()
    for secret, shape in documented_shapes().items():
        for section, value in shape.items():
            if isinstance(value, dict):
                assert section in declared[secret], f"{secret}: {section!r} is read by nothing"
                assert set(value) <= set(declared[secret][section]), (secret, section)
            else:
                assert section in declared[secret][TOP_LEVEL], (secret, section)


class RecordingCredentials(dict):
    """A credentials map that remembers every key asked of it."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.asked: set[str] = set()

    def get(self, key, default=None):
        self.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self.asked.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self.asked.add(key)
        return super().__contains__(key)


@pytest.mark.parametrize("platform", sorted(SAMPLE))
def test_an_adapter_reads_only_the_keys_it_declares(platform, monkeypatch):
    monkeypatch.setenv("YOUTUBE_CHANNEL_IDS", "UCada0000000000000000001")
    adapter = get_adapter(platform)
    secret = "current-secret-0123456789"
    until = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    values = {key: (until if key.endswith("_valid_until") else secret) for key in adapter.secret_keys
              if not key.startswith("oidc_")}  # Google: the push-token variant (OIDC would fetch Google's keys)
    credentials = RecordingCredentials(values)
    body = fixture(SAMPLE[platform])
    headers, query = sign(platform, body, secret)
    adapter.verify(WebhookRequest("POST", headers=headers, query=query, body=body), credentials)
    handshake_query = {"hub.mode": "subscribe", "hub.verify_token": secret, "hub.challenge": "c", "crc_token": "t",
                       "challengeCode": "c", "hub.topic": "t", "challenge": "c", "token": secret}
    with contextlib.suppress(SocialCrmError):  # refused or not requested: what matters is which keys were read
        adapter.handshake(WebhookRequest("GET", query=handshake_query), credentials)
    assert credentials.asked, "the adapter read no credential at all"
    assert credentials.asked <= set(adapter.secret_keys), credentials.asked - set(adapter.secret_keys)


def test_every_platform_has_a_sample_here():
    assert set(WEBHOOK_MODULES) <= set(SAMPLE)


def test_every_template_parameter_is_in_the_guides_parameter_tables():
    rows = set(re.findall(r"^\| `(\w+)` \|", DEPLOY_DOC, re.MULTILINE))
    missing = sorted(set(TEMPLATE["Parameters"]) - rows)
    assert not missing, f"docs/deploy.md has no table row for {missing}"


def overrides(environment: str) -> dict[str, str]:
    raw = SAMCONFIG[environment]["deploy"]["parameters"]["parameter_overrides"]
    items = raw if isinstance(raw, list) else shlex.split(raw)
    return dict(item.split("=", 1) for item in items)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_environment_deploys_this_template_with_its_required_parameters(environment):
    deploy = SAMCONFIG[environment]["deploy"]["parameters"]
    assert deploy["stack_name"] and deploy["region"] and "CAPABILITY_IAM" in deploy["capabilities"]
    values = overrides(environment)
    parameters = TEMPLATE["Parameters"]
    assert set(values) <= set(parameters), set(values) - set(parameters)
    required = {name for name, body in parameters.items() if "Default" not in body}
    assert required <= set(values), required - set(values)
    for name, value in values.items():
        body = parameters[name]
        if "AllowedValues" in body:
            assert value in [str(v) for v in body["AllowedValues"]], (name, value)
        if "AllowedPattern" in body:
            assert re.fullmatch(body["AllowedPattern"], value), (name, value)
        if body["Type"] == "Number":
            assert float(value) >= body.get("MinValue", float("-inf")), (name, value)


def test_staging_and_production_are_different_stacks_and_hold_no_secret():
    assert SAMCONFIG["staging"]["deploy"]["parameters"]["stack_name"] != \
        SAMCONFIG["production"]["deploy"]["parameters"]["stack_name"]
    assert overrides("staging") != overrides("production")
    text = (ROOT / "samconfig.toml").read_text(encoding="utf-8").lower()
    for word in ("secret", "password", "signing_key", "app_secret", "token", "api_key"):
        assert word not in text.replace("no secrets here", "").replace("secrets manager", ""), word
