"""What every publisher shares: one HTTP call with a timeout and the contract's error mapping, bearer tokens that
refresh themselves, and the rule that a failed look-up after an unknown outcome stays unknown.

Error mapping (docs/platforms.md, "Replying"): 2xx → the answer; 401 → the token is refreshed and the call made
once more (where the platform's tokens expire); 429 and 5xx → PublishFailed (nothing was published), except 504
(a gateway gave up waiting: the platform may have published) → OutcomeUnknown; any other 4xx → PublishRefused
with the platform's own reason; a timeout or a connection dropped after the request was sent → OutcomeUnknown;
a connection that never opened (refused, TLS failed) → PublishFailed. Reasons carry status codes and the
platform's error text, never the reply's text or a token.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

import requests
from urllib3.exceptions import NewConnectionError

from socialcrm.observability import logger
from socialcrm.replies.contract import OutcomeUnknown, PublishFailed, PublishRefused

CONNECT_TIMEOUT_SECONDS = 3.05
READ_TIMEOUT_SECONDS = 10.0
Timeout = tuple[float, float]
DEFAULT_TIMEOUT: Timeout = (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)
USER_AGENT = "socialcrm-replies/1"
REASON_LIMIT = 300
EXPIRY_MARGIN_SECONDS = 60.0
GATEWAY_TIMEOUT = 504
ErrorReader = Callable[[requests.Response], str]


def short(reason: str) -> str:
    flat = " ".join(reason.split())
    return flat if len(flat) <= REASON_LIMIT else flat[:REASON_LIMIT - 1] + "…"


def json_of(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def generic_error(answer: requests.Response) -> str:
    """The platform's own words for an error: the common JSON shapes ({"error": {"message"}}, {"detail"},
    {"message"}, {"errors": [{"message"}]}, OAuth's {"error", "error_description"}), else the status alone."""
    body = json_of(answer)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("status") or "")
        if isinstance(error, str):
            return f"{error}: {body.get('error_description') or ''}".rstrip(": ")
        for key in ("detail", "message", "title"):
            if isinstance(body.get(key), str):
                return str(body[key])
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return str(errors[0].get("message") or errors[0].get("detail") or "")
        if isinstance(errors, list) and errors and isinstance(errors[0], str):
            return errors[0]
    return ""


def _never_connected(error: requests.ConnectionError) -> bool:
    """True when the connection was never opened (refused, no route, name not resolved): nothing was sent."""
    if isinstance(error, (requests.ConnectTimeout, requests.exceptions.SSLError)):  # TLS fails before any request
        return True
    cause: Any = error.args[0] if error.args else None
    reason = getattr(cause, "reason", cause)
    return isinstance(reason, NewConnectionError)


class PlatformHttp:
    """One platform's HTTP calls: every call has a timeout, never follows redirects, and maps failures."""

    def __init__(self, platform: str, session: requests.Session | None = None,
                 timeout: Timeout = DEFAULT_TIMEOUT, read_error: ErrorReader = generic_error,
                 transient: Callable[[requests.Response], bool] = lambda _answer: False) -> None:
        self.platform = platform
        self.session = session or requests.Session()
        self.timeout = timeout
        self.read_error = read_error
        self.transient = transient  # a 4xx the platform documents as "try again later" (rate limits, quota)

    def send(self, method: str, url: str, **options: Any) -> requests.Response:
        """The platform's answer, whatever its status; transport failures mapped to the contract."""
        headers = {"User-Agent": USER_AGENT, **(options.pop("headers", None) or {})}
        try:
            return self.session.request(method, url, headers=headers, timeout=self.timeout, allow_redirects=False,
                                        **options)
        except requests.ConnectionError as error:
            if _never_connected(error):
                raise PublishFailed(f"{self.platform}: could not connect ({type(error).__name__})") from None
            raise OutcomeUnknown(f"{self.platform}: connection lost after sending ({type(error).__name__})") \
                from None
        except requests.Timeout as error:
            raise OutcomeUnknown(f"{self.platform}: no answer in time ({type(error).__name__})") from None
        except requests.RequestException as error:
            raise OutcomeUnknown(f"{self.platform}: {type(error).__name__} after sending") from None

    def check(self, answer: requests.Response) -> requests.Response:
        """The answer when it is a success; otherwise the contract's exception with the platform's reason."""
        status = answer.status_code
        if 200 <= status < 300:
            return answer
        reason = short(f"{self.platform} answered {status}: {self.read_error(answer)}".rstrip(": "))
        if status == GATEWAY_TIMEOUT:  # a gateway stopped waiting; the platform behind it may have published
            raise OutcomeUnknown(reason)
        if status == 429 or status >= 500 or self.transient(answer):
            raise PublishFailed(reason)
        raise PublishRefused(reason)


class Auth(Protocol):
    can_refresh: bool

    def headers(self) -> dict[str, str]: ...

    def expire(self) -> None: ...


class StaticBearer:
    """A long-lived token (Meta page and system-user tokens): nothing to refresh; a 401 is a refusal."""

    can_refresh = False

    def __init__(self, token: str, what: str) -> None:
        if not token:
            raise PublishRefused(f"no {what} in the reply secret")
        self.token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def expire(self) -> None:
        return None


class RefreshingBearer:
    """An OAuth 2.0 access token obtained with a refresh token (RFC 6749 §6), kept in memory until shortly before
    it expires. A refresh token the platform rotates is kept too and handed to `on_refresh_token` (to be stored).

    If storing it fails, the old refresh token is already spent: the fresh access token is still used (the reply
    goes out and is recorded as what it is), the failure is logged as an error (no token) and named in `caveat()`,
    and the store is tried again before each later request until it succeeds (docs/replies.md, "Tokens")."""

    can_refresh = True

    def __init__(self, http: PlatformHttp, token_url: str, credentials: Mapping[str, str], *,
                 basic_auth: bool, on_refresh_token: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.http = http
        self.token_url = token_url
        self.client_id = credentials.get("client_id", "")
        self.client_secret = credentials.get("client_secret", "")
        self.refresh_token = credentials.get("refresh_token", "")
        self.basic_auth = basic_auth and bool(self.client_secret)
        self.on_refresh_token = on_refresh_token
        self.clock = clock
        self._token: str | None = credentials.get("access_token") or None
        self._expires_at = float("inf") if self._token else 0.0  # a given token is used until it is refused
        self.refreshes = 0
        self._unstored: str | None = None  # a rotated refresh token whose store failed (held only here)
        self._store_error = ""

    def headers(self) -> dict[str, str]:
        if self._unstored is not None:
            self._store(self._unstored)
        if not self._token or self.clock() >= self._expires_at - EXPIRY_MARGIN_SECONDS:
            self._refresh()
        return {"Authorization": f"Bearer {self._token}"}

    def caveat(self) -> str:
        """What an operator must know about a request made now: a rotated refresh token that is not stored."""
        if self._unstored is None:
            return ""
        platform = self.http.platform
        return (f"{platform} rotated its refresh token and the new one could not be stored in the reply secret "
                f"({self._store_error}); it is kept in memory and stored again at the next request. If {platform} "
                "replies are refused as needing a new authorisation, authorise the account again")

    def _store(self, refresh_token: str) -> None:
        if self.on_refresh_token is None:
            return
        try:
            self.on_refresh_token(refresh_token)
        except Exception as error:  # any store failure: the old token is spent either way
            self._unstored, self._store_error = refresh_token, type(error).__name__
            logger.error("reply refresh token not stored",
                         extra={"platform": self.http.platform, "error": self._store_error})
            return
        if self._unstored is not None:
            logger.info("reply refresh token stored after an earlier failure", extra={"platform": self.http.platform})
        self._unstored, self._store_error = None, ""

    def expire(self) -> None:
        self._token = None

    def _refresh(self) -> None:
        platform = self.http.platform
        if not self.refresh_token or not self.client_id:
            raise PublishRefused(f"{platform}: the reply secret needs client_id and refresh_token")
        form = {"grant_type": "refresh_token", "refresh_token": self.refresh_token, "client_id": self.client_id}
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.basic_auth:
            pair = f"{self.client_id}:{self.client_secret}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        elif self.client_secret:
            form["client_secret"] = self.client_secret
        try:
            answer = self.http.send("POST", self.token_url, data=form, headers=headers)
            if answer.status_code in (400, 401, 403):
                raise PublishRefused(short(f"{platform} refused the refresh token ({generic_error(answer)}); "
                                           "authorise the account again and store the new refresh token"))
            self.http.check(answer)
        except OutcomeUnknown as unknown:  # a token request publishes nothing: safe to try again later
            raise PublishFailed(f"{platform} token refresh: {unknown}") from None
        body = json_of(answer)
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise PublishFailed(f"{platform} token refresh answered without an access_token")
        self.refreshes += 1
        self._token = token
        expires_in = body.get("expires_in") if isinstance(body, dict) else None
        self._expires_at = self.clock() + (float(expires_in) if isinstance(expires_in, (int, float)) else 3600.0)
        rotated = body.get("refresh_token") if isinstance(body, dict) else None
        if isinstance(rotated, str) and rotated and rotated != self.refresh_token:
            self.refresh_token = rotated
            self._store(rotated)


class Client:
    """A platform's HTTP with its auth: a 401 refreshes the token and the call is made once more."""

    def __init__(self, http: PlatformHttp, auth: Auth) -> None:
        self.http = http
        self.auth = auth

    def caveat(self) -> str:
        return self.auth.caveat() if isinstance(self.auth, RefreshingBearer) else ""

    def call(self, method: str, url: str, **options: Any) -> requests.Response:
        extra = dict(options.pop("headers", None) or {})
        for attempt in (1, 2):
            answer = self.http.send(method, url, headers={**extra, **self.auth.headers()}, **options)
            if answer.status_code == 401 and attempt == 1 and self.auth.can_refresh:
                self.auth.expire()
                continue
            return self.http.check(answer)
        raise AssertionError("unreachable")  # pragma: no cover

    def json(self, method: str, url: str, **options: Any) -> Any:
        return json_of(self.call(method, url, **options))


@contextmanager
def looking(platform: str) -> Iterator[None]:
    """A look-up after an unknown outcome that fails leaves the outcome unknown (never "not published")."""
    try:
        yield
    except (PublishFailed, PublishRefused) as error:
        raise OutcomeUnknown(f"{platform}: could not check what was published ({error.reason})") from None


def required(value: str | None, what: str) -> str:
    if not value:
        raise PublishRefused(f"this reply needs {what}")
    return value
