"""The declarative adapter: mapping validation with clear errors, signature schemes, paths."""

from __future__ import annotations

import json
import time

import pytest

from socialcrm.errors import ConfigurationError, SignatureInvalid
from socialcrm.platforms.base import WebhookRequest
from socialcrm.platforms.generic import GenericAdapter, get_path, parse_mapping

BASE = {"fields": {"post_id": "id", "author_id": "user.id", "text": "body", "created_at": "ts"},
        "signature": {"header": "X-Sig", "prefix": "sha256="}}


def mapping(**changes):
    raw = json.loads(json.dumps(BASE))
    for key, value in changes.items():
        raw[key] = value
    return parse_mapping("forum", raw)


@pytest.mark.parametrize(("change", "message"), [
    ({"fields": {"author_id": "a", "created_at": "t"}}, "fields.post_id"),
    ({"fields": {"post_id": "a", "created_at": "t"}}, "author_id"),
    ({"fields": {"post_id": "a", "author_id": "b", "created_at": "t", "colour": "c"}}, "unknown fields"),
    ({"signature": {"prefix": "x"}}, "signature.header"),
    ({"signature": {"header": "X", "algorithm": "md5"}}, "signature.algorithm"),
    ({"signature": {"header": "X", "encoding": "base32"}}, "signature.encoding"),
    ({"signature": {"header": "X", "payload": "{timestamp}.{body}"}}, "timestamp_header"),
    ({"signature": {"header": "X", "colour": "red"}}, "signature"),
    ({"signature": {"header": "X", "payload": "v0:"}}, "payload must contain .body. exactly once"),
    ({"signature": {"header": "X", "payload": "{body}.{body}"}}, "payload must contain .body. exactly once"),
    ({"kind": "tweet"}, "kinds"),
])
def test_a_bad_mapping_is_refused_naming_what_is_wrong(change, message):
    with pytest.raises(ConfigurationError, match=message):
        mapping(**change)


def test_paths_reach_into_objects_and_lists_and_miss_gracefully():
    document = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert get_path(document, "a.b[1].c") == 2
    assert get_path(document, "a.b[5].c") is None
    assert get_path(document, "a.x.c") is None
    assert get_path(document, "") is document


def test_a_timestamped_base64_sha1_scheme_like_slack():
    scheme = {"header": "X-Sig", "prefix": "v0=", "algorithm": "sha1", "encoding": "base64",
              "timestamp_header": "X-Ts", "payload": "v0:{timestamp}:{body}", "tolerance_seconds": 60}
    adapter = GenericAdapter(mapping(signature=scheme))
    body = json.dumps({"id": 7, "user": {"id": 9}, "body": "hi", "ts": 1795338843}).encode()
    import base64
    import hashlib
    import hmac

    now = int(time.time())
    mac = base64.b64encode(hmac.new(b"s3cret", f"v0:{now}:".encode() + body, hashlib.sha1).digest()).decode()
    good = WebhookRequest("POST", headers={"x-sig": "v0=" + mac, "x-ts": str(now)}, body=body)
    adapter.verify(good, {"secret": "s3cret"})
    [post] = adapter.normalize(good)
    assert (post.platform, post.post_id, post.author.user_id, post.kind) == ("forum", "7", "9", "post")
    stale = WebhookRequest("POST", headers={"x-sig": "v0=" + mac, "x-ts": str(now - 61)}, body=body)
    with pytest.raises(SignatureInvalid):
        adapter.verify(stale, {"secret": "s3cret"})


def test_kind_can_be_mapped_from_a_field_and_items_filtered():
    adapter = GenericAdapter(mapping(items="events", kind={"path": "type", "map": {"reply": "comment"}},
                                     include={"path": "type", "equals": ["reply", "topic"]}))
    body = json.dumps({"events": [{"id": 1, "type": "reply", "user": {"id": 2}, "ts": 1795338843},
                                  {"id": 2, "type": "topic", "user": {"id": 2}, "ts": 1795338843},
                                  {"id": 3, "type": "vote", "user": {"id": 2}, "ts": 1795338843}]}).encode()
    assert [(p.post_id, p.kind) for p in adapter.normalize(WebhookRequest("POST", body=body))] == [
        ("1", "comment"), ("2", "post")]
