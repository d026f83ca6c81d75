"""Who is calling the public-host API: a Bearer access JWT or a browser session; 100 requests a minute each.

The workspace API's auth (a token or session of a member of this workspace) is tenancy's (``api_auth``)."""


import logging

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from core.cache import REDIS_UNAVAILABLE
from core.errors import RateLimited
from core.ratelimit import RateLimit

from .jwt_tokens import ACCESS, InvalidToken, TokenClaims, decode
from .models import RefreshToken, User
from .services import REVOKED_BEFORE_KEY, REVOKED_FAMILY_KEY

logger = logging.getLogger(__name__)


def throttle(user: User) -> None:
    verdict = RateLimit("api", settings.API_RATE_LIMIT_PER_MINUTE, 60).hit(str(user.pk))
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)


def user_from_access_token(token: str) -> tuple[User, str] | None:
    """The user and the workspace slug an access token is valid for, or None if it is not accepted."""
    try:
        claims = decode(token, ACCESS)
    except InvalidToken:
        return None
    if _revoked(claims):
        return None
    user = User.objects.filter(pk=claims.user_id, is_active=True).first()
    return (user, claims.tenant_slug) if user else None


def _revoked(claims: TokenClaims) -> bool:
    """Revocations are mirrored in Redis for speed; while it is unreachable the refresh-token rows decide
    (``revoke_everything`` revokes every family of the user there too)."""
    cache = caches["platform"]
    try:
        if claims.family and cache.get(REVOKED_FAMILY_KEY.format(claims.family)):
            return True
        revoked_before = cache.get(REVOKED_BEFORE_KEY.format(claims.user_id))
    except REDIS_UNAVAILABLE:
        logger.warning("jwt_revocations_from_database", extra={"reason": "redis_unavailable"})
        if not claims.family:
            return False
        return RefreshToken.objects.filter(family=claims.family, revoked_at__isnull=False).exists()
    return bool(revoked_before) and claims.issued_at <= revoked_before


class PlatformBearer(HttpBearer):
    """Public-host API: any valid access token of an active user."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = user_from_access_token(token)
        if found is None:
            return None
        user, _ = found
        request.user = user
        throttle(user)
        return user


class PlatformSession(SessionAuth):
    """Public-host API from the platform's own pages (session cookie + CSRF on writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        if user:
            throttle(user)
        return user or None


PLATFORM_AUTH = [PlatformBearer(), PlatformSession()]
