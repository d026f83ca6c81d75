"""Who is calling a workspace's API: a member of this workspace, with a Bearer access JWT issued for it or
with the cabinet's browser session; ``requires`` declares the permission each operation needs."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar, cast

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from core.errors import NotAllowed
from shared_apps.accounts.api_auth import throttle, user_from_access_token
from shared_apps.accounts.models import User

from .http import TenantRequest, WorkspaceRequest
from .models import Membership, Tenant
from .permissions import DENIED_MESSAGE, Perm, has_permission
from .selectors import membership_for

# Run for every bearer token on a workspace host; raise a DomainError to refuse. Billing registers the plan's
# "API access" check here (a higher layer may not be imported from this one).
token_checks: list[Callable[[Tenant], None]] = []


def _member(request: HttpRequest, user: User) -> Membership:
    membership = membership_for(user, getattr(request, "tenant", None))
    if membership is None:
        raise NotAllowed("Нет доступа к этому рабочему пространству.")
    if not user.is_email_confirmed:
        raise NotAllowed("Подтвердите e-mail, чтобы работать с рабочим пространством.")
    cast(WorkspaceRequest, request).membership = membership
    throttle(user)
    return membership


class TenantBearer(HttpBearer):
    """Workspace API with a token: it must have been issued for this workspace, to a member."""

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        found = user_from_access_token(token)
        if found is None:
            return None
        user, tenant_slug = found
        tenant = cast(TenantRequest, request).tenant
        if tenant_slug != getattr(tenant, "slug", None):
            raise NotAllowed("Токен выдан для другого рабочего пространства.")
        for check in token_checks:
            check(tenant)
        request.user = user
        return _member(request, user)


class TenantSession(SessionAuth):
    """Workspace API from the cabinet's own pages (session cookie + CSRF on writes)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        user = super().authenticate(request, key)
        return _member(request, user) if user else None


TENANT_AUTH = [TenantBearer(), TenantSession()]


P = ParamSpec("P")
R = TypeVar("R")


def requires(
    permission: Perm,
) -> Callable[[Callable[Concatenate[WorkspaceRequest, P], R]], Callable[Concatenate[HttpRequest, P], R]]:
    """Declare (and enforce) the permission an API operation needs; the route matrix test reads it."""

    def decorate(view: Callable[Concatenate[WorkspaceRequest, P], R]) -> Callable[Concatenate[HttpRequest, P], R]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> R:
            if not has_permission(getattr(request, "membership", None), permission):
                raise NotAllowed(DENIED_MESSAGE)
            return view(cast(WorkspaceRequest, request), *args, **kwargs)  # TENANT_AUTH has found the member

        wrapper.__dict__["required_permission"] = permission
        return wrapper

    return decorate


