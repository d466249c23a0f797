"""Each function's settings against the environment its template.yaml resource declares (Globals + its own
Environment.Variables), both ways: a variable the settings read is declared for that function, and a variable
declared for the function is read by its settings (or by a library, listed below)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.local.cfn import LocalResources, function_specs, load_template
from socialcrm import settings
from socialcrm.config import Environment
from socialcrm.errors import ConfigurationError
from socialcrm.reply_platforms import BASE_URL_VARIABLES

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
PARAMETERS = {name: value.format(api_url="http://127.0.0.1:3000") if isinstance(value, str) else value
              for name, value in json.loads((ROOT / "infra/local/parameters.json").read_text()).items()}
SPECS = function_specs(TEMPLATE, LocalResources({k: str(v) for k, v in PARAMETERS.items()}, TEMPLATE))

# Declared for every function (Globals), read by Powertools, not by our settings.
READ_BY_LIBRARIES = {
    "POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL", "POWERTOOLS_LOGGER_LOG_EVENT",
    "POWERTOOLS_TRACER_CAPTURE_RESPONSE", "POWERTOOLS_TRACER_CAPTURE_ERROR",
}
# Read by our settings, never declared: endpoints the tests and the local stack point elsewhere (the default is
# the real service).
ENDPOINT_OVERRIDES = {"GOOGLE_JWKS_URL", "REDDIT_AUTH_URL", "REDDIT_API_URL", "YOUTUBE_API_URL", "WEBSUB_HUB_URL",
                      *BASE_URL_VARIABLES}  # the reply publishers' platform endpoints (REPLY_<KEY>_URL)
# The local parameters file leaves these connectors' settings empty; these values make every connector usable.
EVERY_CONNECTOR = {"CONNECTORS": "https,customer-profiles,connect-tasks", "CUSTOMER_PROFILES_DOMAIN": "acme",
                   "CONNECT_INSTANCE_ID": "9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa",
                   "TASK_CONTACT_FLOW_ID": "b1a2c3d4-0000-4000-8000-00000000f10e"}


def function_directory(logical_id: str) -> str:
    return SPECS[logical_id].code_dir.removeprefix("functions/")


@pytest.mark.parametrize("logical_id", sorted(SPECS))
def test_every_function_has_settings_that_read_exactly_its_declared_environment(logical_id):
    declared = SPECS[logical_id].environment
    assert function_directory(logical_id) in settings.READERS, f"{logical_id} has no settings reader"
    env = Environment(declared)
    settings.READERS[function_directory(logical_id)](env)  # the template's own values pass validation
    assert env.read - set(declared) <= ENDPOINT_OVERRIDES, "read but not declared in template.yaml"
    assert set(declared) - env.read <= READ_BY_LIBRARIES, "declared in template.yaml but never read"


@pytest.mark.parametrize("logical_id", sorted(SPECS))
def test_with_every_connector_chosen_still_nothing_undeclared_is_read(logical_id):
    declared = {**SPECS[logical_id].environment}
    given = {**declared, **{k: v for k, v in EVERY_CONNECTOR.items() if k in declared}}
    env = Environment(given)
    settings.READERS[function_directory(logical_id)](env)
    assert env.read - set(declared) <= ENDPOINT_OVERRIDES


def test_every_settings_reader_serves_a_function_of_the_template():
    assert set(settings.READERS) == {function_directory(logical_id) for logical_id in SPECS}


@pytest.mark.parametrize(("function", "variable"), [
    ("processor", "CUSTOMERS_TABLE"), ("processor", "RETENTION_DAYS"), ("webhook", "SOURCE_STATE_TABLE"),
    ("contact_push", "CONTACT_STATE_TABLE"), ("poller", "SOURCE_STATE_TABLE"), ("contact_lookup", "CARDS_TABLE"),
    ("metrics_rollup", "METRICS_TABLE"), ("erasure", "TOMBSTONE_SECRET_ID"), ("agent_page", "DEFAULT_PHONE_REGION"),
    ("reply", "REPLY_SECRET_ID"), ("reply", "REPLIES_TABLE"), ("processor", "REPLIES_TABLE"),
    ("erasure", "REPLIES_TABLE"), ("reply", "REPLY_APPROVAL"), ("agent_page", "REPLY_FUNCTION_NAME"),
])
def test_a_missing_variable_is_named_in_the_error(function, variable):
    logical_id = next(name for name in SPECS if function_directory(name) == function)
    environment = {k: v for k, v in SPECS[logical_id].environment.items() if k != variable}
    with pytest.raises(ConfigurationError, match=variable):
        settings.READERS[function](Environment(environment))


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("RETENTION_DAYS", "a year", "RETENTION_DAYS must be an integer"), ("RETENTION_DAYS", "0", "must be positive"),
    ("SENTIMENT_ENGINE", "magic", "SENTIMENT_ENGINE must be one of"),
    ("DEFAULT_PHONE_REGION", "GBR", "DEFAULT_PHONE_REGION must be a two-letter"),
    ("TOPIC_KEYWORDS", "a|b", "TOPIC_KEYWORDS"),
])
def test_a_malformed_variable_is_named_in_the_error(variable, value, message):
    environment = {**SPECS["ProcessorFunction"].environment, variable: value}
    with pytest.raises(ConfigurationError, match=message):
        settings.read_processor(Environment(environment))


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("REPLY_APPROVAL", "sometimes", "REPLY_APPROVAL must be one of"),
    ("REPLY_ACCOUNTS", "instagram", "REPLY_ACCOUNTS: 'instagram' is not platform:account_id"),
    ("REPLY_ACCOUNTS", "instagram:@acme", "REPLY_ACCOUNTS"),  # an account id, never a handle
    ("OFFICIAL_ACCOUNTS", "acme", "OFFICIAL_ACCOUNTS"),
])
def test_a_malformed_reply_setting_is_named_in_the_error(variable, value, message):
    environment = {**SPECS["ReplyFunction"].environment, variable: value}
    with pytest.raises(ConfigurationError, match=message):
        settings.read_reply(Environment(environment))


def test_the_reply_policy_is_read_from_the_reply_functions_environment():
    environment = {**SPECS["ReplyFunction"].environment, "REPLY_MESSAGE_TAGS": "facebook, Instagram",
                   "REPLY_APPROVAL": "public"}
    policy = settings.read_reply(Environment(environment)).policy
    assert policy.approval == "public" and policy.tag_platforms == {"facebook", "instagram"}
    assert "id:instagram:17841400000000000" in policy.allowed and "id:instagram:17841400000000000" in policy.official
    assert policy.phone_region == PARAMETERS["DefaultPhoneRegion"]


def test_settings_are_read_once_per_cold_start(monkeypatch):
    for name, value in SPECS["ContactLookupFunction"].environment.items():
        monkeypatch.setenv(name, value)
    first = settings.contact_lookup()
    monkeypatch.setenv("LOOKBACK_DAYS", "30")
    assert settings.contact_lookup() is first and first.lookback_days == int(PARAMETERS["LookbackDays"])
    settings.forget()  # a new cold start
    assert settings.contact_lookup().lookback_days == 30


# Modules that may read the environment themselves: the settings' reader, and the DynamoDB adapters' PynamoDB
# connection, which takes the AWS SDK's own region and endpoint variables (boto3 clients read them themselves).
READS_THE_ENVIRONMENT = ("layers/core/socialcrm/config.py", "layers/core/socialcrm/adapters/dynamo")


def test_no_module_below_the_settings_reads_the_environment():
    sources = [*(ROOT / "layers/core/socialcrm").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    offenders = [str(path.relative_to(ROOT)) for path in sources
                 if not str(path.relative_to(ROOT)).startswith(READS_THE_ENVIRONMENT)
                 and any(word in path.read_text(encoding="utf-8") for word in ("os.environ", "getenv", "environ["))]
    assert offenders == []
