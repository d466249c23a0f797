"""Any platform without code: a declarative mapping says where the fields are and how requests are signed.

A mapping is JSON, found by source name in socialcrm/platforms/mappings/<source>.json (shipped with
the layer) or, when GENERIC_MAPPING_PREFIX is set, in SSM Parameter Store at <prefix><source>.
Credentials come from the platform secret under "generic/<source>". Format: docs/platforms.md.
"""

from __future__ import annotations

import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from socialcrm.errors import BadRequest, ConfigurationError, HandshakeRefused, SignatureInvalid, UnknownPlatform
from socialcrm.links import safe_link
from socialcrm.model import POST_KINDS, Author, CanonicalPost, parse_time
from socialcrm.platforms.base import Entries, SetAside, WebhookRequest, WebhookResponse
from socialcrm.platforms.shapes import an_id, text_of
from socialcrm.platforms.signing import ALGORITHMS, ascii_integer, matches_any, secrets_in_force, with_rotation

SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,40}$")
HOST_NAME = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
MAPPINGS_DIR = Path(__file__).with_name("mappings")
PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
FIELDS = ("post_id", "author_id", "author_handle", "author_name", "text", "created_at", "url", "reply_to")
CACHE_SECONDS = 300


def get_path(document: Any, path: str | None) -> Any:
    """'a.b[0].c' -> document["a"]["b"][0]["c"], or None when any step is missing."""
    if not path:
        return document
    current = document
    for name, index in PATH_PART.findall(path):
        if name and isinstance(current, dict):
            current = current.get(name)
        elif index and isinstance(current, list) and int(index) < len(current):
            current = current[int(index)]
        else:
            return None
    return current


@dataclass(frozen=True)
class Signature:
    header: str
    algorithm: str = "sha256"
    encoding: str = "hex"
    prefix: str = ""
    secret: str = "secret"  # noqa: S105 (the name of the credential field, not a secret)
    payload: str = "{body}"
    timestamp_header: str | None = None
    tolerance_seconds: int = 300


@dataclass(frozen=True)
class Mapping:
    source: str
    platform: str
    items: str
    kind: str
    kind_path: str | None
    kind_map: dict[str, str]
    fields: dict[str, str]
    signature: Signature
    include_path: str | None
    include_values: tuple[str, ...]
    handshake: dict[str, str] | None
    verb_path: str | None = None
    verb_map: dict[str, str] | None = None
    url_hosts: tuple[str, ...] | None = None  # links only to these hosts (and their subdomains); None: any https
    reply: dict[str, Any] | None = None  # how to answer this source (socialcrm.reply_platforms.generic); None: never


def mapping_secret_keys(mapping: Mapping) -> tuple[str, ...]:
    """Every key the adapter reads from its PlatformSecret section: the signature secret (rotated) and the
    handshake's verify token when the handshake has a token parameter."""
    keys: tuple[str, ...] = with_rotation(mapping.signature.secret)
    if mapping.handshake and mapping.handshake.get("token_param"):
        keys = (*keys, mapping.handshake.get("token", "verify_token"))
    return keys


def _require(condition: bool, source: str, problem: str) -> None:
    if not condition:
        raise ConfigurationError(f"generic mapping {source!r}: {problem}")


def parse_mapping(source: str, raw: Any) -> Mapping:
    _require(isinstance(raw, dict), source, "must be a JSON object")
    fields = raw.get("fields")
    _require(isinstance(fields, dict) and all(isinstance(v, str) for v in fields.values()), source,
             "fields must map field names to paths")
    unknown = set(fields) - set(FIELDS)
    _require(not unknown, source, f"unknown fields {sorted(unknown)}; known: {list(FIELDS)}")
    _require("post_id" in fields and "created_at" in fields, source,
             "fields.post_id and fields.created_at are required")
    _require("author_id" in fields or "author_handle" in fields, source,
             "fields.author_id or fields.author_handle is required")
    signature = raw.get("signature")
    _require(isinstance(signature, dict) and isinstance(signature.get("header"), str), source,
             "signature.header is required (unsigned sources are not accepted)")
    try:
        sig = Signature(**signature)
    except TypeError as error:
        raise ConfigurationError(f"generic mapping {source!r}: signature: {error}") from None
    _require(sig.algorithm in ALGORITHMS, source, f"signature.algorithm must be one of {sorted(ALGORITHMS)}")
    _require(sig.encoding in ("hex", "base64"), source, "signature.encoding must be hex or base64")
    _require(sig.payload.count("{body}") == 1, source, "signature.payload must contain {body} exactly once")
    _require(("{timestamp}" in sig.payload) == bool(sig.timestamp_header), source,
             "signature.payload uses {timestamp} exactly when signature.timestamp_header is set")
    kind = raw.get("kind", "post")
    kind_path, kind_map, default_kind = None, dict[str, Any](), kind
    if isinstance(kind, dict):
        kind_path, kind_map, default_kind = kind.get("path"), kind.get("map") or {}, kind.get("default", "post")
    _require(default_kind in POST_KINDS and all(k in POST_KINDS for k in kind_map.values()), source,
             f"kinds must be among {list(POST_KINDS)}")
    verb = raw.get("verb") or {}
    _require(isinstance(verb, dict) and set((verb.get("map") or {}).values()) <= {"add", "edit", "remove"}, source,
             "verb.map values must be add, edit or remove")
    include = raw.get("include") or {}
    values = include.get("equals", [])
    handshake = raw.get("handshake")
    url_hosts = raw.get("url_hosts")
    _require(url_hosts is None or (isinstance(url_hosts, list) and bool(url_hosts) and all(
        isinstance(h, str) and HOST_NAME.match(h) for h in url_hosts)), source,
        "url_hosts must be a non-empty list of host names (example.com)")
    _require(handshake is None or (isinstance(handshake, dict) and "challenge_param" in handshake), source,
             "handshake needs challenge_param")
    reply = raw.get("reply")
    _require(reply is None or isinstance(reply, dict), source, "reply must be an object (docs/platforms.md)")
    return Mapping(source=source, platform=str(raw.get("platform") or source), items=str(raw.get("items") or ""),
                   kind=default_kind, kind_path=kind_path, kind_map=dict(kind_map), fields=dict(fields),
                   signature=sig, include_path=include.get("path"),
                   include_values=tuple(values if isinstance(values, list) else [values]), handshake=handshake,
                   verb_path=verb.get("path"), verb_map=dict(verb.get("map") or {}),
                   url_hosts=tuple(h.lower() for h in url_hosts) if url_hosts else None,
                   reply=dict(reply) if reply else None)


@cache
def _repo_mapping(source: str) -> Mapping | None:
    path = MAPPINGS_DIR / f"{source}.json"
    if not path.is_file():
        return None
    return parse_mapping(source, json.loads(path.read_text(encoding="utf-8")))


def load_mapping(source: str) -> Mapping:
    if not SOURCE_NAME.match(source):
        raise UnknownPlatform(f"unknown platform generic/{source}")
    found = _repo_mapping(source)
    if found is not None:
        return found
    from socialcrm.wiring import generic_mapping_prefix

    prefix = generic_mapping_prefix()
    if prefix:
        from aws_lambda_powertools.utilities import parameters

        try:
            raw = parameters.get_parameter(f"{prefix}{source}", transform="json", max_age=CACHE_SECONDS)
        except parameters.exceptions.GetParameterError:
            raw = None
        if raw is not None:
            return parse_mapping(source, raw)
    raise UnknownPlatform(f"unknown platform generic/{source}")


class GenericAdapter:
    def __init__(self, mapping: Mapping, clock: Callable[[], float] = time.time) -> None:
        self.mapping = mapping
        self.name = f"generic/{mapping.source}"
        self.credentials_name = self.name
        self.secret_keys = mapping_secret_keys(mapping)
        self.clock = clock

    def handshake(self, request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
        spec = self.mapping.handshake
        if spec is None:
            raise HandshakeRefused(f"{self.name} has no handshake")
        challenge = request.query.get(spec["challenge_param"], "")
        token_param = spec.get("token_param")
        if token_param:
            expected = credentials.get(spec.get("token", "verify_token"), "")
            if not expected or not hmac.compare_digest(request.query.get(token_param, "").encode(), expected.encode()):
                raise HandshakeRefused("verify token does not match")
        if not challenge:
            raise HandshakeRefused("challenge missing")
        return WebhookResponse(200, challenge, "text/plain")

    def verify(self, request: WebhookRequest, credentials: dict[str, str]) -> None:
        sig = self.mapping.signature
        header = request.header(sig.header) or ""
        if not header.startswith(sig.prefix):
            raise SignatureInvalid(f"{sig.header} missing or wrong")
        timestamp = ""
        if sig.timestamp_header:
            timestamp = request.header(sig.timestamp_header) or ""
            seconds = ascii_integer(timestamp)
            if seconds is None or abs(self.clock() - seconds) > sig.tolerance_seconds:
                raise SignatureInvalid(f"{sig.timestamp_header} missing or outside the tolerance")
        before, _, after = sig.payload.partition("{body}")
        signed = before.replace("{timestamp}", timestamp).encode() + request.body + \
            after.replace("{timestamp}", timestamp).encode()
        if not matches_any(header[len(sig.prefix):], secrets_in_force(credentials, sig.secret), signed,
                           sig.algorithm, sig.encoding, case_insensitive=sig.encoding == "hex"):
            raise SignatureInvalid(f"{sig.header} missing or wrong")

    def normalize(self, request: WebhookRequest, set_aside: SetAside | None = None) -> list[CanonicalPost]:
        mapping = self.mapping
        document = request.json_body()
        items = get_path(document, mapping.items) if mapping.items else [document]
        if not isinstance(items, list):
            raise BadRequest(f"{mapping.items or 'body'} is not a list")
        accepted = Entries(set_aside)
        for index, item in enumerate(items):
            with accepted.entry(f"item[{index}]") as posts:
                if mapping.include_path and str(get_path(item, mapping.include_path)) not in mapping.include_values:
                    continue
                posts.append(self._post(item, f"item[{index}]"))
        return accepted.posts

    def _post(self, item: Any, where: str) -> CanonicalPost:
        mapping = self.mapping

        def field(name: str, *, required: bool = False) -> str | None:
            path = mapping.fields.get(name)
            return an_id(get_path(item, path), f"{where}.{path or name}", required=required) if path else None

        kind = mapping.kind_map.get(str(get_path(item, mapping.kind_path)), mapping.kind) if mapping.kind_path \
            else mapping.kind
        verb = (mapping.verb_map or {}).get(str(get_path(item, mapping.verb_path)), "add") if mapping.verb_path \
            else "add"
        created = get_path(item, mapping.fields["created_at"])
        author = Author(mapping.platform, field("author_id"), field("author_handle"), field("author_name"))
        if not author.user_id and not author.handle and verb != "remove":
            raise BadRequest(f"{where} has no author id or handle")
        return CanonicalPost(
            platform=mapping.platform, post_id=field("post_id", required=True) or "", kind=kind, author=author,
            text=text_of(get_path(item, mapping.fields.get("text"))) if "text" in mapping.fields else "",
            created_at=parse_time(created if created is not None or verb != "remove" else int(self.clock())),
            url=safe_link(field("url"), mapping.url_hosts), reply_to=field("reply_to"), source=self.name, verb=verb)


def adapter_for(source: str) -> GenericAdapter:
    return GenericAdapter(load_mapping(source))
