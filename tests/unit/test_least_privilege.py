"""Least privilege, read from template.yaml itself: what each function may do is what it needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.cfn import load_template
from tests.iam import INDEX, dynamodb_grants, policy_templates, resource_refs

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")
FUNCTIONS = {name: body for name, body in TEMPLATE["Resources"].items()
             if body["Type"] == "AWS::Serverless::Function"}
READ_ONLY_TEMPLATES = {"AWSSecretsManagerGetSecretValuePolicy", "SSMParameterReadPolicy",
                       "SSMParameterWithSlashPrefixReadPolicy"}
KNOWN_TEMPLATES = READ_ONLY_TEMPLATES | {"SQSSendMessagePolicy"}
READS = {"GetItem", "BatchGetItem", "Query"}

# Each function's DynamoDB actions per table, from the adapters it runs (socialcrm/adapters/dynamo/,
# lookup.py): PynamoDB's get/batch_get/query/save/update/delete/batch_write, and TransactWrite's
# put/update/delete (IAM checks TransactWriteItems per item). "<table>/index" is a Query on its GSIs.
# tests/integration/conftest.py checks every request the integration tests make against the template.
EXPECTED_DYNAMODB = {
    "ProcessorFunction": {
        "CustomersTable": {"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "BatchWriteItem"},
        "PostsTable": {"GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"},
        "PostsTable/index": {"Query"},
        "CardsTable": {"BatchWriteItem", "PutItem"},  # PutItem: a card renewed in place, on condition
        # a batch's counts and sightings (read back), with its ASKED item (BatchWriteItem); an answer's ASKED flag
        "MetricsTable": {"PutItem", "UpdateItem", "BatchGetItem", "BatchWriteItem"},
        "RepliesTable": {"GetItem"},  # a reply's echo: PUBLISHED#* pointers only (test below)
    },
    "CustomerSyncFunction": {
        "CustomersTable": {"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem",
                           "BatchWriteItem"},
        "PostsTable": {"GetItem", "UpdateItem"},
        "PostsTable/index": {"Query"},
        "CardsTable": {"BatchWriteItem", "PutItem"},  # PutItem: the bulk import's conditional card puts
        "MetricsTable": {"UpdateItem"},
    },
    "MatchReviewFunction": {
        "CustomersTable": {"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "BatchWriteItem"},
        "PostsTable": {"GetItem", "UpdateItem"},
        "PostsTable/index": {"Query"},
        "CardsTable": {"BatchWriteItem"},
    },
    "ErasureFunction": {
        "CustomersTable": {"GetItem", "BatchGetItem", "Query", "PutItem", "UpdateItem", "DeleteItem",
                           "BatchWriteItem"},
        "PostsTable": {"GetItem", "UpdateItem", "DeleteItem"},
        "PostsTable/index": {"Query"},
        "CardsTable": {"BatchWriteItem"},
        "ContactStateTable": {"GetItem", "DeleteItem"},
        "MetricsTable": {"UpdateItem"},
        "RepliesTable": {"GetItem", "DeleteItem"},
        "RepliesTable/index": {"Query"},
    },
    "ContactPushFunction": {
        "CustomersTable": {"BatchGetItem"},  # erasure markers
        # UpdateItem: the task's contact id; BatchGetItem, BatchWriteItem: a push batch's delivery records
        "ContactStateTable": {"GetItem", "PutItem", "UpdateItem", "BatchGetItem", "BatchWriteItem"},
    },
    "ContactLookupFunction": {"CardsTable": {"GetItem"}, "MetricsTable": {"UpdateItem"}},  # CALLED#* only (below)
    "AgentPageFunction": {"CardsTable": {"GetItem"}},  # the card; its reply box is ReplyFunction's (invoked)
    "PollerFunction": {"SourceStateTable": {"GetItem", "PutItem"}},
    "MetricsRollupFunction": {"MetricsTable": {"GetItem", "Query", "PutItem"}},
    "WebhookFunction": {"SourceStateTable": {"GetItem"}},  # WebSub intents only (websub:*, test below)
    # the answered post, the customer's last message (author indexes), reply records (claimed and moved on by
    # conditional PutItem; the sent move and its pointer in one TransactWriteItems of two puts), a post's replies
    "ReplyFunction": {"PostsTable": {"GetItem"}, "PostsTable/index": {"Query"},
                      "RepliesTable": {"GetItem", "PutItem"}, "RepliesTable/index": {"Query"}},
}


def policies(function: str) -> list[dict]:
    """The function's policies with !If branches opened (both branches count)."""
    found = []
    for policy in FUNCTIONS[function]["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Fn::If" in policy:
            found += [branch for branch in policy["Fn::If"][1:] if isinstance(branch, dict) and "Ref" not in branch]
        else:
            found.append(policy)
    return found


def templates_of(function: str) -> dict[str, list]:
    return policy_templates(TEMPLATE, function)


def statements(function: str) -> list[dict]:
    return [s for policy in policies(function) for s in policy.get("Statement", [])]


def refs(argument: dict) -> set[str]:
    return resource_refs(TEMPLATE, argument)


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_only_known_policy_templates_and_no_star_actions(function):
    assert set(templates_of(function)) <= KNOWN_TEMPLATES
    for statement in statements(function):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all(a != "*" and not a.endswith(":*") for a in actions), (function, actions)


def test_every_star_resource_is_justified_by_a_comment_above_it():
    lines = (ROOT / "template.yaml").read_text(encoding="utf-8").splitlines()
    stars = [n for n, line in enumerate(lines) if line.strip() in ('Resource: "*"', "Resource: '*'", "Resource: *")]
    assert stars, "the template has no '*' resource left: drop this test's expectations"
    for n in stars:
        assert lines[n - 1].strip().startswith('# Resource "*":'), f"line {n + 1} has no justification"


def granted(function: str) -> dict[str, set[str]]:
    by_table: dict[str, set[str]] = {}
    for action, table, index in dynamodb_grants(TEMPLATE, function):
        by_table.setdefault(f"{table}/index" if index == INDEX else table, set()).add(action)
    return by_table


def test_no_function_keeps_a_dynamodb_policy_template():
    """DynamoDBCrudPolicy grants Scan, DeleteTable-adjacent DescribeTable and every write on the whole table."""
    for function in FUNCTIONS:
        assert not [name for name in templates_of(function) if name.startswith("DynamoDB")], function


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_function_may_make_exactly_the_dynamodb_calls_it_makes(function):
    assert granted(function) == EXPECTED_DYNAMODB[function]


def test_no_function_may_scan():
    assert not [f for f in FUNCTIONS if any("Scan" in actions for actions in granted(f).values())]


def test_the_webhook_cannot_read_customers_or_posts():
    used = templates_of("WebhookFunction")
    assert granted("WebhookFunction") == {"SourceStateTable": {"GetItem"}}
    assert refs(used) <= {"IngestQueue", "PlatformSecret", "WebSubSecret"}


def test_the_webhook_reads_only_websub_intents_by_key():
    dynamo = [s for s in statements("WebhookFunction") if any(a.startswith("dynamodb:") for a in s["Action"])]
    assert [(s["Action"], refs(s["Resource"])) for s in dynamo] == [(["dynamodb:GetItem"], {"SourceStateTable"})]
    assert dynamo[0]["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["websub:*"]}}


def test_the_set_aside_bucket_is_written_by_the_webhook_only_and_read_by_no_function():
    assert [s for s in statements("WebhookFunction") if "s3:PutObject" in repr(s["Action"])] == [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${SetAsideBucket.Arn}/*"}}]
    others = [name for name in FUNCTIONS if name != "WebhookFunction" and "SetAsideBucket" in repr(policies(name))]
    assert others == []


def test_the_contact_lookup_reads_one_card_and_nothing_else():
    used = templates_of("ContactLookupFunction")
    assert set(used) <= READ_ONLY_TEMPLATES
    assert {table: actions & READS for table, actions in granted("ContactLookupFunction").items()
            if actions & READS} == {"CardsTable": {"GetItem"}}
    assert {ref for args in used.values() for arg in args for ref in refs(arg)} == {"ScreenPopSecret"}


def test_the_lookup_writes_only_its_call_facts():
    writes = [s for s in statements("ContactLookupFunction") if any(a != "dynamodb:GetItem" for a in s["Action"])]
    assert [(s["Action"], refs(s["Resource"])) for s in writes] == [(["dynamodb:UpdateItem"], {"MetricsTable"})]
    assert writes[0]["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["CALLED#*"]}}


def test_the_agent_page_reads_the_card_and_may_invoke_the_reply_function_and_nothing_else():
    """Its reply form is published by ReplyFunction (docs/replies.md, "The page"): the page holds no reply
    credentials, reads no post or reply, writes nothing, and may invoke that one function by its ARN."""
    assert granted("AgentPageFunction") == {"CardsTable": {"GetItem"}}
    used = templates_of("AgentPageFunction")
    assert set(used) == {"AWSSecretsManagerGetSecretValuePolicy"}
    assert {ref for arg in used["AWSSecretsManagerGetSecretValuePolicy"] for ref in refs(arg)} == {"ScreenPopSecret"}
    others = [s for s in statements("AgentPageFunction") if not repr(s["Action"]).startswith("['dynamodb:")]
    assert others == [{"Sid": "TheReplyBox", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
                       "Resource": {"Fn::GetAtt": ["ReplyFunction", "Arn"]}}]
    variables = FUNCTIONS["AgentPageFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["REPLY_FUNCTION_NAME"] == {"Ref": "ReplyFunction"}


def test_only_the_agent_page_may_invoke_a_function():
    invokers = {f for f in FUNCTIONS for s in statements(f) if "lambda:" in repr(s["Action"])}
    assert invokers == {"AgentPageFunction"}


def test_tables_are_written_only_by_the_functions_that_own_them():
    writers: dict[str, set[str]] = {}
    for function in FUNCTIONS:
        for table, actions in granted(function).items():
            if actions - READS:
                writers.setdefault(table.removesuffix("/index"), set()).add(function)
    assert writers == {
        # the processor writes links it learned, posts held for review and used one-time codes
        "CustomersTable": {"ProcessorFunction", "CustomerSyncFunction", "ErasureFunction", "MatchReviewFunction"},
        "PostsTable": {"ProcessorFunction", "CustomerSyncFunction", "ErasureFunction", "MatchReviewFunction"},
        "CardsTable": {"ProcessorFunction", "CustomerSyncFunction", "ErasureFunction", "MatchReviewFunction"},
        # aggregates; customer sync and erasure keep the customer base by segment
        "MetricsTable": {"ProcessorFunction", "MetricsRollupFunction", "CustomerSyncFunction", "ErasureFunction",
                         "ContactLookupFunction"},  # the lookup: CALLED#* facts only
        "SourceStateTable": {"PollerFunction"},
        "ContactStateTable": {"ContactPushFunction", "ErasureFunction"},
        "RepliesTable": {"ReplyFunction", "ErasureFunction"},
    }


def test_the_lookup_permission_names_the_connect_instance():
    permission = TEMPLATE["Resources"]["ContactLookupConnectPermission"]
    assert permission["Condition"] == "HasConnectInstance"  # no instance named: no permission at all
    source = permission["Properties"]["SourceArn"]["Fn::Sub"]
    assert source.endswith(":instance/${ConnectInstanceId}") and "*" not in source


def test_the_erasure_may_make_exactly_the_customer_profiles_calls_it_makes():
    # CustomerProfilesConnector.erase: SearchProfiles, ListProfileObjects, DeleteProfileObject (Stubber-tested)
    granted = {action for statement in statements("ErasureFunction") for action in statement["Action"]
               if action.startswith("profile:")}
    assert granted == {"profile:SearchProfiles", "profile:ListProfileObjects", "profile:DeleteProfileObject"}


def secret_readers() -> dict[str, set[str]]:
    readers: dict[str, set[str]] = {}
    for function in FUNCTIONS:
        for argument in templates_of(function).get("AWSSecretsManagerGetSecretValuePolicy", []):
            for secret in refs(argument):
                readers.setdefault(secret, set()).add(function)
    return readers


def test_each_secret_is_read_only_by_the_functions_that_use_it():
    """Secrets Manager grants a whole secret (a policy cannot name JSON keys), so credentials are split by reader."""
    assert secret_readers() == {
        "PlatformSecret": {"WebhookFunction"},  # webhook verification secrets
        "PollingSecret": {"PollerFunction"},  # Reddit OAuth client, YouTube Data API key
        "WebSubSecret": {"WebhookFunction", "PollerFunction"},  # YouTube hub secret: verify, subscribe
        "ConnectorSecret": {"ContactPushFunction"},
        "ScreenPopSecret": {"ContactLookupFunction", "AgentPageFunction"},  # links; the page's CSRF tokens
        "TombstoneSecret": {"CustomerSyncFunction", "ErasureFunction"},  # erased-customer tombstones
        "ReplySecret": {"ReplyFunction"},  # our accounts' publishing credentials (the page's form goes through it)
    }
    writes = {(f, repr(s["Action"]), repr(refs(s["Resource"]))) for f in FUNCTIONS for s in statements(f)
              if s.get("Action") and "secretsmanager" in repr(s["Action"])}
    # the one write: X's rotated refresh token, kept in the reply secret by the function that publishes
    assert writes == {("ReplyFunction", "['secretsmanager:PutSecretValue']", "{'ReplySecret'}")}


def test_the_poller_cannot_read_the_webhook_secret_nor_the_webhook_the_pollers():
    """They share only the WebSub hub secret (the poller subscribes with it, the webhook verifies with it)."""
    poller, webhook = templates_of("PollerFunction"), templates_of("WebhookFunction")
    assert {ref for arg in poller["AWSSecretsManagerGetSecretValuePolicy"] for ref in refs(arg)} == {
        "PollingSecret", "WebSubSecret"}
    assert {ref for arg in webhook["AWSSecretsManagerGetSecretValuePolicy"] for ref in refs(arg)} == {
        "PlatformSecret", "WebSubSecret"}
    poller_environment = FUNCTIONS["PollerFunction"]["Properties"]["Environment"]["Variables"]
    webhook_environment = FUNCTIONS["WebhookFunction"]["Properties"]["Environment"]["Variables"]
    assert "PlatformSecret" not in repr(poller_environment)
    assert "PollingSecret" not in repr(webhook_environment)
    for environment in (poller_environment, webhook_environment):
        assert refs(environment["WEBSUB_SECRET_ID"]) == {"WebSubSecret"}


def test_the_websub_hub_secret_is_seeded_only_into_the_websub_secret():
    """Locally too (infra/local/secrets.json): the YouTube hub secret is not a PlatformSecret section."""
    seeds = {name: body["Metadata"]["LocalSeed"] for name, body in TEMPLATE["Resources"].items()
             if body["Type"] == "AWS::SecretsManager::Secret"}
    assert seeds["WebSubSecret"] == {"Key": "websub"}
    assert "websub" in seeds["PlatformSecret"]["ExcludeKeys"]


def test_the_processor_reads_only_reply_pointers_by_key():
    dynamo = [s for s in statements("ProcessorFunction") if refs(s["Resource"]) == {"RepliesTable"}]
    assert [(s["Action"], s["Condition"]) for s in dynamo] == [
        (["dynamodb:GetItem"], {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["PUBLISHED#*"]}})]


def test_the_reply_routes_are_iam_authorized_and_only_they_use_the_iam_authorizer():
    assert TEMPLATE["Resources"]["HttpApi"]["Properties"]["Auth"] == {"EnableIamAuthorizer": True}  # no default
    for name, function in FUNCTIONS.items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            authorized = event["Properties"].get("Auth") == {"Authorizer": "AWS_IAM"}
            assert authorized == (name == "ReplyFunction"), (name, event["Properties"]["Path"])
