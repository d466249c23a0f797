"""Reddit, polled: brand keywords in configured subreddits (submissions by search, comments by listing).

OAuth2 client credentials (application-only); every request carries the configured unique
User-Agent and a timeout; X-Ratelimit-Remaining / X-Ratelimit-Reset are respected; 429 waits for the
reset when it is short, else the run ends and the next resumes from its checkpoint.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from socialcrm.config import Environment
from socialcrm.errors import ConfigurationError
from socialcrm.model import Author, CanonicalPost, parse_time
from socialcrm.polling import ListedItem, Page, RateLimiter, SourceUnavailable
from socialcrm.sources import Credentials, SourceKind

SECRET_SECTION, SECRET_KEYS = "reddit", ("client_id", "client_secret")  # PollingSecret: {"reddit": {...}}
AUTH_URL = "https://www.reddit.com/api/v1/access_token"
API_URL = "https://oauth.reddit.com"
TIMEOUT = (3.05, 10)
PAGE_SIZE = 100
USER_AGENT = re.compile(r"^[\w.-]+:[\w.-]+:[\w.-]+ \(by /u/[\w-]+\)$")
SERVER_RETRIES = 2


def validate_user_agent(value: str) -> str:
    if not USER_AGENT.match(value):
        raise ConfigurationError("REDDIT_USER_AGENT must look like '<platform>:<app id>:<version> (by /u/<username>)'")
    return value


@dataclass
class RedditSettings:
    client_id: str
    client_secret: str
    user_agent: str
    subreddits: tuple[str, ...]
    keywords: tuple[str, ...]
    auth_url: str = AUTH_URL
    api_url: str = API_URL


class RedditClient:
    def __init__(self, settings: RedditSettings, session: requests.Session | None = None,
                 limiter: RateLimiter | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.session = session or requests.Session()
        self.limiter = limiter or RateLimiter()
        self.clock = clock
        self._token: str | None = None
        self._token_expires = 0.0

    def _access_token(self) -> str:
        if self._token and self.clock() < self._token_expires - 60:
            return self._token
        try:
            answer = self.session.post(self.settings.auth_url, data={"grant_type": "client_credentials"},
                                       auth=(self.settings.client_id, self.settings.client_secret),
                                       headers={"User-Agent": self.settings.user_agent}, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise SourceUnavailable(f"reddit auth: {type(error).__name__}") from None
        if answer.status_code in (401, 403):
            raise ConfigurationError("reddit refused the client credentials")
        if answer.status_code != 200:
            raise SourceUnavailable(f"reddit auth answered {answer.status_code}")
        body = answer.json()
        self._token = body["access_token"]
        self._token_expires = self.clock() + float(body.get("expires_in", 3600))
        return self._token

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(SERVER_RETRIES + 1):
            headers = {"User-Agent": self.settings.user_agent, "Authorization": f"bearer {self._access_token()}"}
            try:
                answer = self.session.get(f"{self.settings.api_url}{path}", params=params, headers=headers,
                                          timeout=TIMEOUT, allow_redirects=False)
            except requests.RequestException as error:
                if attempt == SERVER_RETRIES:
                    raise SourceUnavailable(f"reddit: {type(error).__name__}") from None
                continue
            reset = _seconds(answer.headers.get("X-Ratelimit-Reset"))
            if answer.status_code == 429:
                self.limiter.wait(_seconds(answer.headers.get("Retry-After")) or reset or 60.0, "reddit rate limit")
                continue
            if answer.status_code == 401:
                self._token = None
                continue
            if answer.status_code >= 500:
                if attempt == SERVER_RETRIES:
                    raise SourceUnavailable(f"reddit answered {answer.status_code}")
                self.limiter.wait(2.0 ** attempt, "reddit server error")
                continue
            if answer.status_code != 200:
                raise SourceUnavailable(f"reddit answered {answer.status_code} for {path}")
            if _seconds(answer.headers.get("X-Ratelimit-Remaining"), default=1.0) < 1:
                self.limiter.wait(reset or 60.0, "reddit rate limit exhausted")
            body: dict[str, Any] = answer.json()
            return body
        raise SourceUnavailable("reddit: out of attempts")


def _seconds(value: str | None, default: float = 0.0) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def mentions_brand(text: str, keywords: tuple[str, ...]) -> bool:
    folded = text.casefold()
    return any(re.search(rf"(?<!\w){re.escape(k.casefold())}(?!\w)", folded) for k in keywords)


def to_post(child: dict[str, Any]) -> CanonicalPost:
    data = child.get("data") or {}
    is_comment = child.get("kind") == "t1"
    text = data.get("body", "") if is_comment else "\n\n".join(
        part for part in (data.get("title", ""), data.get("selftext", "")) if part)
    author = data.get("author")
    return CanonicalPost(
        platform="reddit", post_id=data["name"], kind="comment" if is_comment else "post",
        author=Author("reddit", data.get("author_fullname"), None if author == "[deleted]" else author),
        text=text, created_at=parse_time(data["created_utc"]),
        url=f"https://www.reddit.com{data['permalink']}" if data.get("permalink") else None,
        reply_to=data.get("parent_id") if is_comment else None, source="reddit",
        account=f"r/{data.get('subreddit')}" if data.get("subreddit") else None)


class RedditListing:
    """One subreddit's new submissions matching the keywords, or its new comments mentioning them."""

    def __init__(self, client: RedditClient, subreddit: str, kind: str) -> None:
        self.client = client
        self.subreddit = subreddit
        self.kind = kind  # "search" | "comments"
        self.source_id = f"reddit:{kind}:{subreddit.lower()}"

    def page(self, cursor: str | None) -> Page:
        keywords = self.client.settings.keywords
        params: dict[str, Any] = {"limit": PAGE_SIZE, "raw_json": 1}
        if cursor:
            params["after"] = cursor
        if self.kind == "search":
            query = " OR ".join(f'"{k}"' if " " in k else k for k in keywords)
            path = f"/r/{self.subreddit}/search"
            params.update(q=query, restrict_sr=1, sort="new", type="link")
        else:
            path = f"/r/{self.subreddit}/comments"
        listing = self.client.get(path, params).get("data") or {}
        items = []
        for child in listing.get("children") or []:
            data = child.get("data") or {}
            if not data.get("name") or data.get("created_utc") is None:
                continue
            post = to_post(child)
            relevant = self.kind == "search" or mentions_brand(post.text, keywords)
            items.append(ListedItem(float(data["created_utc"]), data["name"], post if relevant else None))
        return Page(items, listing.get("after"))


@dataclass(frozen=True)
class RedditSource:
    """What to watch (REDDIT_SUBREDDITS, REDDIT_KEYWORDS) and how to introduce ourselves (REDDIT_USER_AGENT)."""

    subreddits: tuple[str, ...]
    keywords: tuple[str, ...]
    user_agent: str
    auth_url: str = AUTH_URL
    api_url: str = API_URL


def _read_settings(env: Environment) -> RedditSource:
    return RedditSource(env.csv("REDDIT_SUBREDDITS"), env.csv("REDDIT_KEYWORDS"), env.text("REDDIT_USER_AGENT"),
                        env.override("REDDIT_AUTH_URL", AUTH_URL), env.override("REDDIT_API_URL", API_URL))


def _check(settings: RedditSource) -> None:
    if not settings.subreddits or not settings.keywords:
        raise ConfigurationError("REDDIT_SUBREDDITS and REDDIT_KEYWORDS must be set when reddit is polled")
    if not settings.user_agent:
        raise ConfigurationError("environment variable REDDIT_USER_AGENT must be set")
    validate_user_agent(settings.user_agent)


def _listings(settings: RedditSource, credentials: Credentials) -> list[RedditListing]:
    secret = credentials("reddit")
    client = RedditClient(RedditSettings(
        client_id=secret.get("client_id", ""), client_secret=secret.get("client_secret", ""),
        user_agent=settings.user_agent, subreddits=settings.subreddits, keywords=settings.keywords,
        auth_url=settings.auth_url, api_url=settings.api_url))
    return [RedditListing(client, sr, kind) for sr in settings.subreddits for kind in ("search", "comments")]


SOURCE = SourceKind("reddit", _read_settings, _check, _listings)
