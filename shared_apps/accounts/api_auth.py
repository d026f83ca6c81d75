"""Who is calling the API: a Bearer access JWT or a browser session; 100 requests a minute each."""

from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from billing import limits
from core.errors import RateLimited
from core.ratelimit import RateLimit
from shared_apps.tenancy.models import Membership
from shared_apps.tenancy.permissions import DENIED_MESSAGE, Perm, has_permission
from shared_apps.tenancy.selectors import membership_for

from .jwt_tokens import ACCESS, InvalidToken, decode
from .models import User
from .services import REVOKED_BEFORE_KEY, REVOKED_FAMILY_KEY


def _throttle(user: User) -> None:
    verdict = RateLimit("api", settings.API_RATE_LIMIT_PER_MINUTE, 60).hit(str(user.pk))
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)


def user_from_access_token(token: str) -> tuple[User, str] | None:
    """The user and the workspace slug an access token is valid for, or None if it is not accepted."""
    try:
        claims = decode(token, ACCESS)
    except InvalidToken:
        return None
    cache = caches["platform"]
    if claims.family and cache.get(REVOKED_FAMILY_KEY.format(claims.family)):
        return None
    revoked_before = cache.get(REVOKED_BEFORE_KEY.format(claims.user_id))
    if revoked_before and claims.issued_at <= revoked_before:
        return None
    user = User.objects.filter(pk=claims.user_id, is_active=True).first()
    return (user, claims.tenant_slug) if user else None


class PlatformBearer(HttpBearer):
    """Public-host API: any valid access token of an active user."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        found = user_from_access_token(token)
        if found is None:
            return None
        user, _ = found
        request.user = user
        _throttle(user)
        return user


def _member(request: HttpRequest, user: User) -> Membership:
    membership = membership_for(user, getattr(request, "tenant", None))
    if membership is None:
        raise HttpError(403, "Нет доступа к этому рабочему пространству.")
    if not user.is_email_confirmed:
        raise HttpError(403, "Подтвердите e-mail, чтобы работать с рабочим пространством.")
    request.membership = membership
    _throttle(user)
    return membership


class TenantBearer(HttpBearer):
    """Workspace API with a token: it must have been issued for this workspace, to a member."""

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        found = user_from_access_token(token)
        if found is None:
            return None
        user, tenant_slug = found
        if tenant_slug != getattr(request.tenant, "slug", None):
            raise HttpError(403, "Токен выдан для другого рабочего пространства.")
        limits.check_feature(request.tenant.account, limits.Feature.API)
        request.user = user
        return _member(request, user)


class TenantSession(SessionAuth):
    """Workspace API from the cabinet's own pages (session cookie + CSRF on writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        user = super().authenticate(request, key)
        return _member(request, user) if user else None


TENANT_AUTH = [TenantBearer(), TenantSession()]


def requires(permission: Perm):
    """Declare (and enforce) the permission an API operation needs; the route matrix test reads it."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not has_permission(getattr(request, "membership", None), permission):
                raise HttpError(403, DENIED_MESSAGE)
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorate


class PlatformSession(SessionAuth):
    """Public-host API from the platform's own pages (session cookie + CSRF on writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        if user:
            _throttle(user)
        return user or None


PLATFORM_AUTH = [PlatformBearer(), PlatformSession()]
