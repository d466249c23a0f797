"""YouTube comments on our channel's videos, polled through the YouTube Data API v3
(commentThreads.list, allThreadsRelatedToChannelId, order=time: newest first, paged by pageToken).
Authenticated with an API key from the platform secret; quota errors end the run until the next one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests

from socialcrm.config import Environment
from socialcrm.errors import ConfigurationError
from socialcrm.model import Author, CanonicalPost, parse_time
from socialcrm.polling import ListedItem, Page, SourceUnavailable
from socialcrm.sources import Credentials, SourceKind

SECRET_SECTION, SECRET_KEYS = "youtube", ("api_key",)  # PollingSecret: {"youtube": {"api_key": ...}}
API_URL = "https://www.googleapis.com/youtube/v3"
TIMEOUT = (3.05, 10)


class YouTubeCommentsListing:
    def __init__(self, channel_id: str, api_key: str, session: requests.Session | None = None,
                 api_url: str = API_URL) -> None:
        self.channel_id = channel_id
        self.api_key = api_key
        self.session = session or requests.Session()
        self.api_url = api_url
        self.source_id = f"youtube-comments:{channel_id}"

    def page(self, cursor: str | None) -> Page:
        params: dict[str, Any] = {"part": "snippet", "allThreadsRelatedToChannelId": self.channel_id,
                                  "order": "time", "maxResults": 100, "textFormat": "plainText", "key": self.api_key}
        if cursor:
            params["pageToken"] = cursor
        try:
            answer = self.session.get(f"{self.api_url}/commentThreads", params=params, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise SourceUnavailable(f"youtube: {type(error).__name__}") from None
        if answer.status_code != 200:
            raise SourceUnavailable(f"youtube answered {answer.status_code}")  # quota (403) included
        body = answer.json()
        items = []
        for thread in body.get("items") or []:
            snippet = (thread.get("snippet") or {})
            top = (snippet.get("topLevelComment") or {})
            comment = top.get("snippet") or {}
            if not top.get("id") or not comment.get("publishedAt"):
                continue
            created = parse_time(comment["publishedAt"])
            post = CanonicalPost(
                platform="youtube", post_id=f"comment:{top['id']}", kind="comment",
                author=Author("youtube", (comment.get("authorChannelId") or {}).get("value"), None,
                              comment.get("authorDisplayName")),
                text=comment.get("textOriginal") or comment.get("textDisplay") or "", created_at=created,
                url=f"https://www.youtube.com/watch?v={snippet.get('videoId')}&lc={top['id']}",
                reply_to=snippet.get("videoId"), source="youtube-comments", account=self.channel_id)
            at = datetime.fromisoformat(created.replace("Z", "+00:00")).timestamp()
            items.append(ListedItem(at, top["id"], post))
        return Page(items, body.get("nextPageToken"))


@dataclass(frozen=True)
class YouTubeCommentsSource:
    channels: tuple[str, ...]  # YOUTUBE_CHANNEL_IDS
    api_url: str = API_URL


def _read_settings(env: Environment) -> YouTubeCommentsSource:
    return YouTubeCommentsSource(env.csv("YOUTUBE_CHANNEL_IDS"), env.override("YOUTUBE_API_URL", API_URL))


def _check(settings: YouTubeCommentsSource) -> None:
    if not settings.channels:
        raise ConfigurationError("youtube-comments needs youtube.api_key and YOUTUBE_CHANNEL_IDS")


def _listings(settings: YouTubeCommentsSource, credentials: Credentials) -> list[YouTubeCommentsListing]:
    key = credentials("youtube").get("api_key", "")
    if not key:
        raise ConfigurationError("youtube-comments needs youtube.api_key and YOUTUBE_CHANNEL_IDS")
    return [YouTubeCommentsListing(channel, key, api_url=settings.api_url) for channel in settings.channels]


SOURCE = SourceKind("youtube-comments", _read_settings, _check, _listings)
