"""The screen-pop page as deployed with the template's defaults: no other Connect tenant may frame it."""

from tests.support.functions import LambdaContext, load_handler


def test_the_page_may_not_be_framed_by_any_connect_tenant(aws):
    aws.use("AgentPageFunction")
    answer = load_handler("agent_page").lambda_handler(
        {"rawPath": "/agent/customers/cust-1", "pathParameters": {"customer_id": "cust-1"}}, LambdaContext())
    policy = answer["headers"]["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "*" not in policy.split("frame-ancestors", 1)[1]
