"""The registry of reply publishers: one per platform it names, answering what REPLYABLE says, with base URLs
that tests and the local stack override by variable."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from socialcrm import reply_platforms
from socialcrm.config import Environment
from socialcrm.errors import UnknownPlatform
from socialcrm.platform_catalog import PLATFORMS
from socialcrm.replies.contract import ReplyPublisher

CREDENTIALS = {"page_access_token": "t", "access_token": "t", "client_id": "c", "refresh_token": "r"}


@pytest.mark.parametrize("platform", sorted(reply_platforms.REPLYABLE))
def test_each_platform_builds_a_publisher_answering_what_replyable_names(platform):
    publisher: ReplyPublisher = reply_platforms.build(platform, CREDENTIALS, {})
    assert publisher.platform == platform
    assert publisher.capabilities.kinds == reply_platforms.REPLYABLE[platform]
    assert reply_platforms.SECRET_KEYS[platform]


def test_every_platform_we_capture_has_a_publisher_or_is_known_not_to():
    not_answerable = {"tiktok", "reddit"}  # not answered here (issue 18 names the others); Reddit is polled
    assert {p.name for p in PLATFORMS} - not_answerable == set(reply_platforms.REPLYABLE)


def test_an_unknown_platform_has_no_publisher():
    with pytest.raises(UnknownPlatform):
        reply_platforms.build("myspace", {}, {})


def test_base_urls_are_overridden_by_their_variables_only_when_set():
    env = Environment({"REPLY_META_GRAPH_URL": "http://127.0.0.1:9/v25.0", "REPLY_X_API_URL": ""})
    assert reply_platforms.read_base_url_overrides(env) == {"meta_graph": "http://127.0.0.1:9/v25.0"}
    assert set(reply_platforms.BASE_URL_VARIABLES.values()) == set(reply_platforms.BASE_URLS)
    assert all(url.startswith("https://") for url in reply_platforms.BASE_URLS.values())


def test_the_deploy_guide_shows_every_reply_secret_key_and_no_other():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "deploy.md").read_text(encoding="utf-8")
    block = re.search(r"The reply function's secret.*?```json\n(.*?)```", guide, re.DOTALL)
    assert block, "docs/deploy.md has no reply secret shape"
    shape = json.loads(block.group(1))
    assert {section: tuple(sorted(keys)) for section, keys in shape.items()} == \
        {section: tuple(sorted(keys)) for section, keys in reply_platforms.reply_secret_sections().items()}


def test_only_the_http_module_makes_calls_so_every_call_has_its_timeout():
    folder = Path(reply_platforms.__file__).parent
    for path in folder.glob("*.py"):
        calls = {node.func.attr for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                 and isinstance(node.func.value, (ast.Name, ast.Attribute))
                 and getattr(node.func.value, "attr", getattr(node.func.value, "id", "")) in ("session", "requests")}
        assert path.name == "http.py" or not calls, (path.name, calls)
    source = (folder / "http.py").read_text(encoding="utf-8")
    assert source.count("self.session.request(") == 1 and "timeout=self.timeout" in source
