"""Who is calling the public-host API: a Bearer access JWT or a browser session; 100 requests a minute each.

The workspace API's auth (a token or session of a member of this workspace) is tenancy's (``api_auth``)."""


import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from core.errors import RateLimited
from core.local_cache import LocalCache
from core.ratelimit import RateLimit, Verdict

from .jwt_tokens import ACCESS, InvalidToken, TokenClaims, decode
from .models import RefreshToken, User
from .services import REVOKED_BEFORE_KEY, REVOKED_FAMILY_KEY

logger = logging.getLogger(__name__)

# user id -> the active user (None: no such active user); dropped on any change of a user.
active_users: LocalCache[User | None] = LocalCache()
post_save.connect(active_users.clear, sender=User, weak=False)
post_delete.connect(active_users.clear, sender=User, weak=False)


def _api_limit() -> RateLimit:
    return RateLimit("api", settings.API_RATE_LIMIT_PER_MINUTE, 60)


def enforce(verdict: Verdict) -> None:
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)


def throttle(user: User) -> None:
    enforce(_api_limit().hit(str(user.pk)))


@dataclass(frozen=True)
class TokenUser:
    """Who an accepted access token speaks for, and the verdict of the API limit on this request (counted in the
    same Redis round trip as the revocation check; :func:`enforce` it where the request's limit is due)."""

    user: User
    tenant_slug: str
    rate: Verdict


def user_from_access_token(token: str) -> TokenUser | None:
    """The user and the workspace slug an access token is valid for, or None if it is not accepted."""
    try:
        claims = _access_claims(token)
    except InvalidToken:
        return None
    rate, revocations = _api_limit().hit_and_read(str(claims.user_id), _revocation_keys(claims))
    if _revoked(claims, revocations):
        _api_limit().undo(str(claims.user_id))  # a revoked token's holder may not spend its owner's limit
        return None
    user = active_users.get(claims.user_id, lambda: User.objects.filter(pk=claims.user_id, is_active=True).first())
    return TokenUser(user, claims.tenant_slug, rate) if user else None


# Access tokens whose signature, key and type checked out, by the token itself: a client sends the same token for
# its 15 minutes, and checking it costs more than the rest of the request's authentication (PyJWT, ~0.5 ms).
_verified: dict[str, TokenClaims] = {}
VERIFIED_MAX = 10_000


def _forget_verified_on_key_change(setting: str, **_kwargs: object) -> None:
    if setting in ("JWT_KEYS", "JWT_ACTIVE_KID"):  # a process changes keys by restarting; tests, by overriding
        _verified.clear()


setting_changed.connect(_forget_verified_on_key_change)


def _access_claims(token: str) -> TokenClaims:
    claims = _verified.get(token)
    if claims is None:
        claims = decode(token, ACCESS)
        if len(_verified) >= VERIFIED_MAX:
            _verified.clear()
        _verified[token] = claims
    if claims.expires_at <= timezone.now():
        raise InvalidToken("expired")
    return claims


def _revocation_keys(claims: TokenClaims) -> list[str]:
    return [REVOKED_BEFORE_KEY.format(claims.user_id), *([REVOKED_FAMILY_KEY.format(claims.family)]
                                                        if claims.family else [])]


def _revoked(claims: TokenClaims, revocations: list | None) -> bool:
    """Revocations are mirrored in Redis for speed; while it is unreachable (``revocations`` is None) the
    refresh-token rows decide (``revoke_everything`` revokes every family of the user there too)."""
    if revocations is None:
        logger.warning("jwt_revocations_from_database", extra={"reason": "redis_unavailable"})
        if not claims.family:
            return False
        return RefreshToken.objects.filter(family=claims.family, revoked_at__isnull=False).exists()
    revoked_before, *family_revoked = revocations
    if any(family_revoked):
        return True
    return bool(revoked_before) and claims.issued_at <= revoked_before


class PlatformBearer(HttpBearer):
    """Public-host API: any valid access token of an active user."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = user_from_access_token(token)
        if found is None:
            return None
        request.user = found.user
        enforce(found.rate)
        return found.user


class PlatformSession(SessionAuth):
    """Public-host API from the platform's own pages (session cookie + CSRF on writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        if user:
            throttle(user)
        return user or None


PLATFORM_AUTH = [PlatformBearer(), PlatformSession()]
