"""Sources added by configuration (platforms/generic.py): answered by the outbound HTTPS call their mapping's
optional `reply` section describes, or refused with "this source cannot be answered" when it has none.

    "reply": {
      "url": "{secret.base_url}/posts.json",          # https; placeholders below, each value percent-encoded
      "method": "POST",                                # POST or PUT
      "kinds": ["comment_reply"],                      # what it answers (default comment_reply)
      "body": {"topic_id": "{conversation}", "raw": "{text}"},   # JSON; placeholders inside strings
      "headers": {"Api-Key": "{secret.api_key}", "Api-Username": "{secret.api_username}"},
      "id_path": "id",                                 # where the answer names what was published
      "idempotency_header": "Idempotency-Key"          # optional: the reply id, for receivers that dedupe
    }

Placeholders: {post_id}, {account}, {recipient}, {conversation}, {text}, {reply_id}, and {secret.<key>} for a
key of the source's reply secret (in the URL and headers only; {text} only in the body). An answer that names
no id records the reply under its own id. A generic source cannot list what we published: an unknown outcome
is not settled by asking (`can_find_published` is False).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from socialcrm.errors import ConfigurationError
from socialcrm.platforms.generic import Mapping as SourceMapping
from socialcrm.platforms.generic import get_path
from socialcrm.replies.contract import REPLY_KINDS, Capabilities, Published, PublishRefused, ReplyKind, ReplyRequest
from socialcrm.reply_platforms.base import Clock, PublisherBase
from socialcrm.reply_platforms.http import PlatformHttp, json_of

PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[A-Za-z0-9_]+)?)\}")
VALUES = ("post_id", "account", "recipient", "conversation", "text", "reply_id")
SECRET_PREFIX = "secret."  # noqa: S105 (a placeholder prefix, not a secret)
METHODS = ("POST", "PUT")
HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def _names(template: Any) -> set[str]:
    if isinstance(template, str):
        return set(PLACEHOLDER.findall(template))
    if isinstance(template, dict):
        return set().union(*(_names(value) for value in template.values())) if template else set()
    if isinstance(template, list):
        return set().union(*(_names(value) for value in template)) if template else set()
    return set()


def secret_keys_of(reply: Mapping[str, Any] | None) -> tuple[str, ...]:
    """The reply secret's keys a reply section reads ({secret.<key>} in its URL and headers)."""
    if not reply:
        return ()
    names = _names(reply.get("url")) | _names(reply.get("headers") or {})
    return tuple(sorted(name.removeprefix(SECRET_PREFIX) for name in names if name.startswith(SECRET_PREFIX)))


def validate_reply(source: str, reply: Mapping[str, Any]) -> None:
    def need(condition: bool, problem: str) -> None:
        if not condition:
            raise ConfigurationError(f"generic mapping {source!r}: reply: {problem}")

    url = reply.get("url")
    need(isinstance(url, str) and (url.startswith("https://") or url.startswith("{secret.")),
         "url must be an https URL (or start with {secret.<key>} holding one)")
    need(str(reply.get("method", "POST")).upper() in METHODS, f"method must be one of {list(METHODS)}")
    kinds = reply.get("kinds", ["comment_reply"])
    need(isinstance(kinds, list) and bool(kinds) and all(kind in REPLY_KINDS for kind in kinds),
         f"kinds must be among {list(REPLY_KINDS)}")
    headers = reply.get("headers") or {}
    need(isinstance(headers, dict) and all(isinstance(k, str) and HEADER_NAME.match(k) and isinstance(v, str)
                                           for k, v in headers.items()), "headers must map header names to strings")
    need("text" not in _names(headers), "{text} may not be put in a header")
    need("text" not in _names(url), "{text} may not be put in the URL (URLs are logged)")
    need(not any(name.startswith(SECRET_PREFIX) for name in _names(reply.get("body"))),
         "{secret.<key>} may not be put in the body")
    unknown = {name for name in _names(reply) if name not in VALUES and not name.startswith(SECRET_PREFIX)}
    need(not unknown, f"unknown placeholders {sorted(unknown)}; known: {list(VALUES)} and secret.<key>")
    need(isinstance(reply.get("body", {}), (dict, list)), "body must be a JSON object or list")
    need(isinstance(reply.get("id_path", "id"), str), "id_path must be a path (a.b[0].c)")
    header = reply.get("idempotency_header")
    need(header is None or (isinstance(header, str) and bool(HEADER_NAME.match(header))),
         "idempotency_header must be a header name")


class GenericPublisher(PublisherBase):
    def __init__(self, mapping: SourceMapping, credentials: Mapping[str, str], origin_override: str | None,
                 clock: Clock, **options: Any) -> None:
        reply = mapping.reply
        name = f"generic/{mapping.source}"
        kinds: frozenset[ReplyKind] = frozenset()
        if reply is not None:
            validate_reply(mapping.source, reply)
            kinds = frozenset(reply.get("kinds", ["comment_reply"]))
        super().__init__(name, Capabilities(kinds, can_find_published=False), {}, clock)
        self.reply = reply
        self.credentials = credentials
        self.origin_override = origin_override
        self.http = PlatformHttp(name, **options)

    def _fill(self, template: str, request: ReplyRequest, where: str) -> str:
        """`template` with its placeholders filled for the `where` ("url": percent-encoded, "header": one line,
        "body": as is)."""
        target = request.target
        values = {"post_id": target.post_id, "account": target.account, "recipient": target.recipient,
                  "conversation": target.conversation, "text": request.text, "reply_id": request.reply_id}

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith(SECRET_PREFIX):
                found = self.credentials.get(name.removeprefix(SECRET_PREFIX), "")
                if not found:
                    raise PublishRefused(f"{self.platform}: the reply secret has no {name.removeprefix(SECRET_PREFIX)}")
                return found  # configuration, not input: kept as written (a base URL keeps its slashes)
            given = values.get(name)
            if not given:
                raise PublishRefused(f"{self.platform}: this reply needs {{{name}}}")
            if where == "header" and ("\r" in given or "\n" in given):
                raise PublishRefused(f"{self.platform}: {{{name}}} cannot go in a header")
            return quote(given, safe="") if where == "url" else given

        return PLACEHOLDER.sub(value, template)

    def _body(self, template: Any, request: ReplyRequest) -> Any:
        if isinstance(template, str):
            return self._fill(template, request, "body") if PLACEHOLDER.search(template) else template
        if isinstance(template, dict):
            return {key: self._body(value, request) for key, value in template.items()}
        if isinstance(template, list):
            return [self._body(value, request) for value in template]
        return template

    def _url(self, reply: Mapping[str, Any], request: ReplyRequest) -> str:
        url = self._fill(str(reply["url"]), request, "url")
        parts = urlsplit(url)
        if self.origin_override:
            override = urlsplit(self.origin_override)
            return urlunsplit((override.scheme, override.netloc, parts.path, parts.query, ""))
        if parts.scheme != "https" or not parts.netloc or "@" in parts.netloc:
            raise PublishRefused(f"{self.platform}: the reply URL must be https")
        return url

    def accept(self, request: ReplyRequest) -> None:
        if self.reply is None:
            raise PublishRefused(f"this source cannot be answered: the {self.platform} mapping has no reply section")
        super().accept(request)

    def send(self, request: ReplyRequest) -> Published:
        if self.reply is None:
            raise PublishRefused(f"this source cannot be answered: the {self.platform} mapping has no reply section")
        headers = {name: self._fill(value, request, "header")
                   for name, value in (self.reply.get("headers") or {}).items()}
        if self.reply.get("idempotency_header"):
            headers[str(self.reply["idempotency_header"])] = request.reply_id
        method = str(self.reply.get("method", "POST")).upper()
        answer = self.http.check(self.http.send(method, self._url(self.reply, request), headers=headers,
                                                json=self._body(self.reply.get("body", {}), request)))
        found = get_path(json_of(answer), str(self.reply.get("id_path", "id")))
        # the source took it (2xx); one that names nothing is recorded under the reply's own id
        return self.published(found if isinstance(found, (str, int)) and str(found) else request.reply_id)

    def find_published(self, request: ReplyRequest) -> Published | None:
        return self.cannot_list()


def generic(mapping: SourceMapping, credentials: Mapping[str, str], origin_override: str | None, clock: Clock,
            **options: Any) -> GenericPublisher:
    options.pop("on_refresh_token", None)
    return GenericPublisher(mapping, credentials, origin_override, clock, **options)

