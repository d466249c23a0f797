"""YouTube push notifications over WebSub (PubSubHubbub).

Verification: GET hub.mode, hub.topic, hub.challenge, hub.lease_seconds -> 200 with the challenge, only
for a channel in YOUTUBE_CHANNEL_IDS whose (un)subscription we asked for in the last minutes (socialcrm.websub);
404 otherwise.
Notifications: Atom XML, parsed with defusedxml (no entity expansion, no external entities). We always
subscribe with a hub.secret, so X-Hub-Signature: <sha1|sha256|...>=<hex HMAC(secret, raw body)> is required;
without a hub_secret (WebSubSecret) nothing is accepted. Entries of channels not in YOUTUBE_CHANNEL_IDS are dropped.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from socialcrm import websub
from socialcrm.errors import BadRequest, HandshakeRefused, SignatureInvalid, SubscriptionNotRequested
from socialcrm.model import Author, CanonicalPost, parse_time
from socialcrm.platforms.base import Entries, SetAside, WebhookRequest, WebhookResponse
from socialcrm.platforms.signing import ALGORITHMS, matches_any, secrets_in_force, with_rotation
from socialcrm.polling import StateStore

PLATFORM = "youtube"
NS = {"atom": "http://www.w3.org/2005/Atom", "yt": "http://www.youtube.com/xml/schemas/2015",
      "at": "http://purl.org/atompub/tombstones/1.0"}
# Google's guide names the topic both ways (its localized pages drop "/xml")
TOPIC_URLS = {f"{scheme}://www.youtube.com{path}" for scheme in ("https", "http")
              for path in ("/xml/feeds/videos.xml", "/feeds/videos.xml")}
CHANNEL_URI = "https://www.youtube.com/channel/"


def subscribed_channels() -> tuple[str, ...]:
    """YOUTUBE_CHANNEL_IDS, through the composition root."""
    from socialcrm.wiring import youtube_channels

    return youtube_channels()


def channel_of_topic(topic: str) -> str | None:
    parts = urlsplit(topic)
    if f"{parts.scheme}://{parts.netloc}{parts.path}" not in TOPIC_URLS:
        return None
    values = parse_qs(parts.query).get("channel_id", [])
    return values[0] if len(values) == 1 else None


def is_ours(channel: str | None) -> bool:
    """Whether the channel is in YOUTUBE_CHANNEL_IDS (bytes compared: any text, '²' included, is safe)."""
    return channel is not None and any(hmac.compare_digest(channel.encode(), c.encode()) for c in subscribed_channels())


def _recorded_intents() -> StateStore:
    from socialcrm.wiring import websub_intents

    return websub_intents()


class YouTubeAdapter:
    name = PLATFORM
    credentials_name = PLATFORM
    secret_keys = with_rotation("hub_secret")  # every key read from its WebSubSecret

    def __init__(self, intents: Callable[[], StateStore] = _recorded_intents,
                 clock: Callable[[], float] = time.time) -> None:
        self.intents = intents
        self.clock = clock

    def handshake(self, request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
        mode = request.query.get("hub.mode", "")
        challenge = request.query.get("hub.challenge", "")
        channel = channel_of_topic(request.query.get("hub.topic", ""))
        if mode not in websub.MODES or not challenge:
            raise HandshakeRefused("not a WebSub verification")
        if channel is None or not is_ours(channel):
            raise SubscriptionNotRequested("topic not subscribed")
        if not websub.confirmed(self.intents(), channel, mode, self.clock()):
            raise SubscriptionNotRequested(f"no {mode} of this topic was requested in the last minutes")
        return WebhookResponse(200, challenge, "text/plain")

    def verify(self, request: WebhookRequest, credentials: dict[str, str]) -> None:
        # we always subscribe with a hub.secret: no hub_secret is a configuration error, never "unsigned is fine"
        method, _, signature = (request.header("x-hub-signature") or "").partition("=")
        if method not in ALGORITHMS or not matches_any(signature, secrets_in_force(credentials, "hub_secret"),
                                                       request.body, method, "hex", case_insensitive=True):
            raise SignatureInvalid("X-Hub-Signature missing or wrong")

    def normalize(self, request: WebhookRequest, set_aside: SetAside | None = None) -> list[CanonicalPost]:
        try:
            feed = ElementTree.fromstring(request.body, forbid_dtd=True)
        except (ElementTree.ParseError, DefusedXmlException, ValueError):
            raise BadRequest("body is not an Atom feed") from None
        if feed.tag != f"{{{NS['atom']}}}feed":
            raise BadRequest("body is not an Atom feed")
        accepted = Entries(set_aside)
        for index, entry in enumerate(feed.findall("atom:entry", NS)):
            with accepted.entry(f"entry[{index}]") as posts:
                video = entry.findtext("yt:videoId", namespaces=NS)
                channel = entry.findtext("yt:channelId", namespaces=NS)
                if not video or not channel:
                    raise BadRequest(f"entry[{index}] has no yt:videoId or yt:channelId")
                if not is_ours(channel):
                    continue  # not a channel we subscribed to
                posts.append(CanonicalPost(
                    platform=PLATFORM, post_id=video, kind="post",
                    author=Author(PLATFORM, channel, None, entry.findtext("atom:author/atom:name", namespaces=NS)),
                    text=entry.findtext("atom:title", default="", namespaces=NS),
                    created_at=parse_time(entry.findtext("atom:published", namespaces=NS)
                                          or entry.findtext("atom:updated", namespaces=NS)),
                    url=f"https://www.youtube.com/watch?v={quote(video, safe='')}",  # never the feed's own link
                    source=PLATFORM, verb="edit" if self._is_update(entry) else "add", account=channel))
        for index, deleted in enumerate(feed.findall("at:deleted-entry", NS)):
            ref = deleted.get("ref", "")
            by = deleted.findtext("at:by/atom:uri", default="", namespaces=NS)
            if not by.startswith(CHANNEL_URI) or not is_ours(by.removeprefix(CHANNEL_URI)):
                continue  # a deletion must name one of our channels too
            if ref.startswith("yt:video:"):
                with accepted.entry(f"deleted-entry[{index}]") as posts:
                    posts.append(CanonicalPost(PLATFORM, ref.removeprefix("yt:video:"), "post", Author(PLATFORM), "",
                                               parse_time(deleted.get("when")), source=PLATFORM, verb="remove"))
        return accepted.posts

    @staticmethod
    def _is_update(entry: Any) -> bool:  # an ElementTree element
        published = entry.findtext("atom:published", namespaces=NS)
        updated = entry.findtext("atom:updated", namespaces=NS)
        return bool(published and updated and updated[:19] > published[:19])


ADAPTER = YouTubeAdapter()
