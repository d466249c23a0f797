"""Google Business Profile review notifications, delivered by a Pub/Sub push subscription.

Envelope: {"message": {"data": base64(JSON), "attributes", "messageId", "publishTime"}, "subscription"}.
Authentication, one of (docs/platforms.md):
- OIDC (recommended): the push subscription signs a Google ID token; we verify its RS256 signature
  against Google's JWKS, `aud` = credentials.oidc_audience, `iss` = Google, `email` =
  credentials.oidc_email and `email_verified`.
- Shared token, when OIDC is not set up: the push endpoint URL carries ?token=<credentials.token>.
The notification names the review (`review`: accounts/../locations/../reviews/..). When the data
also carries the Review resource fields (comment, reviewer, starRating), they become the post's text
and author; fetching a review that is only named is not done here.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from functools import cache
from typing import TYPE_CHECKING

from socialcrm.errors import BadRequest, ConfigurationError, HandshakeRefused, SignatureInvalid
from socialcrm.model import Author, CanonicalPost, parse_time
from socialcrm.platforms.base import SetAside, WebhookRequest, WebhookResponse
from socialcrm.platforms.shapes import an_id, an_object, optional_str, text_of
from socialcrm.platforms.signing import secrets_in_force, with_rotation

if TYPE_CHECKING:
    from jwt import PyJWKClient

PLATFORM = "google-business"
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
GOOGLE_JWKS_URL = "https://www.googleapis.com/oauth2/v3/certs"
REVIEW_TYPES = {"NEW_REVIEW": "add", "UPDATED_REVIEW": "edit"}
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}


@cache
def jwks_client(url: str) -> PyJWKClient:
    from jwt import PyJWKClient

    return PyJWKClient(url, cache_keys=True, lifespan=3600, timeout=3)


def verify_google_id_token(token: str, audience: str, email: str) -> None:
    import jwt

    from socialcrm.wiring import google_jwks_url

    url = google_jwks_url()
    try:
        key = jwks_client(url).get_signing_key_from_jwt(token).key
        claims = jwt.decode(token, key, algorithms=["RS256"], audience=audience, issuer=GOOGLE_ISSUERS,
                            options={"require": ["exp", "iat", "aud", "iss"]}, leeway=30)
    except jwt.PyJWKClientConnectionError:
        raise  # cannot check now: a 5xx, so Pub/Sub retries
    except jwt.PyJWTError:
        raise SignatureInvalid("the bearer token is not a valid Google ID token for this endpoint") from None
    if claims.get("email") != email or claims.get("email_verified") is not True:
        raise SignatureInvalid("the bearer token was issued to another service account")


class GoogleBusinessAdapter:
    name = PLATFORM
    credentials_name = PLATFORM
    secret_keys = (*with_rotation("token"), "oidc_audience", "oidc_email")  # every key read from its section

    def handshake(self, request: WebhookRequest, credentials: dict[str, str]) -> WebhookResponse:
        raise HandshakeRefused("Pub/Sub push has no handshake")

    def verify(self, request: WebhookRequest, credentials: dict[str, str]) -> None:
        audience, email = credentials.get("oidc_audience"), credentials.get("oidc_email")
        if audience and email:
            scheme, _, token = (request.header("authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or not token:
                raise SignatureInvalid("Authorization: Bearer <Google ID token> missing")
            verify_google_id_token(token.strip(), audience, email)
            return
        if not credentials.get("token"):
            raise ConfigurationError("google-business credentials need oidc_audience + oidc_email, or token")
        offered = request.query.get("token", "").encode()
        matched = False
        for token in secrets_in_force(credentials, "token"):  # the previous token during a rotation
            matched |= hmac.compare_digest(offered, token.encode())
        if not matched:
            raise SignatureInvalid("push token missing or wrong")

    def normalize(self, request: WebhookRequest, set_aside: SetAside | None = None) -> list[CanonicalPost]:
        # one post per delivery: a bad one is the whole delivery, which the caller sets aside
        envelope = an_object(request.json_body(), "body")
        message = an_object(envelope.get("message"), "message")
        try:
            data = json.loads(base64.b64decode(message.get("data") or "", validate=True))
        except (binascii.Error, ValueError, TypeError):
            raise BadRequest("message.data is not base64 of JSON") from None
        data = an_object(data, "message.data")
        verb = REVIEW_TYPES.get(str(data.get("notificationType") or data.get("type")))
        if verb is None:
            return []  # other notification types (questions, media, ...) are acknowledged
        # the Notifications reference names the fields reviewName / locationName (review_name in its v1 text)
        review_name = an_id(data.get("reviewName") or data.get("review_name") or data.get("review") or data.get("name"),
                            "message.data.reviewName") or ""
        reviewer = data.get("reviewer")
        if not isinstance(reviewer, dict):
            reviewer = {}
        stars = STARS.get(str(data.get("starRating")))
        text = text_of(data.get("comment"))
        return [CanonicalPost(
            platform=PLATFORM, post_id=review_name, kind="review",
            author=Author(PLATFORM, None, None, optional_str(reviewer.get("displayName"))),
            text=f"{'★' * stars} {text}".strip() if stars else text,
            created_at=parse_time(data.get("updateTime") or data.get("createTime") or message.get("publishTime")),
            source=PLATFORM, verb=verb,
            account=optional_str(data.get("locationName") or data.get("location_name") or data.get("location")))]


ADAPTER = GoogleBusinessAdapter()


