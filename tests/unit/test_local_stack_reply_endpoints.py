"""The local stack points every reply publisher at loopback: it never publishes on a real platform."""

import pytest

from infra.local import stack
from socialcrm.reply_platforms import BASE_URL_VARIABLES


def test_the_local_stack_overrides_every_reply_endpoint():
    assert set(stack.BASE_URL_VARIABLES) == set(BASE_URL_VARIABLES)


def test_by_default_each_points_at_a_closed_loopback_port_and_a_test_may_point_one_at_its_fake():
    local = stack.LocalStack(parameters={}, environment={"REPLY_META_GRAPH_URL": "http://127.0.0.1:1234/v25.0"})
    local.stop()
    assert local.environment["REPLY_META_GRAPH_URL"] == "http://127.0.0.1:1234/v25.0"
    others = {name: url for name, url in local.environment.items() if name != "REPLY_META_GRAPH_URL"}
    assert others == {name: "http://127.0.0.1:9" for name in BASE_URL_VARIABLES if name != "REPLY_META_GRAPH_URL"}


def test_a_functions_own_lambda_client_reaches_the_stacks_invoke_api_and_everything_else_moto():
    """The agent page invokes ReplyFunction (its reply box): on the local stack that is this stack's Invoke API."""
    from infra.local.cfn import FunctionSpec

    local = stack.LocalStack(parameters={})
    local.stop()
    spec = FunctionSpec("AgentPageFunction", "functions/agent_page", "app.lambda_handler", 30, 128,
                        {"REPLY_FUNCTION_NAME": "ReplyFunction"}, ("layers/core",), ())
    environment = local._function_environment(spec)
    assert environment["AWS_ENDPOINT_URL_LAMBDA"] == local.lambda_endpoint != local.aws_endpoint
    assert environment["AWS_ENDPOINT_URL"] == local.aws_endpoint


def test_the_api_and_invoke_ports_are_held_from_the_moment_the_stack_names_them_until_it_stops():
    """A port only probed free was, now and then, taken by another process before the stack served on it."""
    import socket

    local = stack.LocalStack(parameters={"AgentPageBaseUrl": "{api_url}/agent"})
    assert local.parameters["AgentPageBaseUrl"] == f"http://127.0.0.1:{local.ports['api']}/agent"
    for name in ("api", "lambda"):
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", local.ports[name]))
    local.stop()
    for name in ("api", "lambda"):
        with socket.socket() as other:
            other.bind(("127.0.0.1", local.ports[name]))
