"""Who is calling a workspace's API: a member of this workspace, with a Bearer access JWT issued for it or
with the cabinet's browser session; ``requires`` declares the permission each operation needs."""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import HttpRequest
from ninja.operation import Operation
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import contribute_operation_callback

from core.errors import NotAllowed
from core.ratelimit import Verdict
from shared_apps.accounts.api_auth import enforce, throttle, user_from_access_token
from shared_apps.accounts.models import User

from .beta import CLOSED_BETA, in_beta
from .http import TenantRequest, WorkspaceRequest
from .models import Membership, Tenant
from .permissions import DENIED_MESSAGE, Perm, has_permission
from .selectors import membership_for

# Run for every bearer token on a workspace host; raise a DomainError to refuse. Billing registers the plan's
# "API access" check here (a higher layer may not be imported from this one).
token_checks: list[Callable[[Tenant], None]] = []


def _member(request: HttpRequest, user: User, permission: Perm | None, rate: Verdict | None = None) -> Membership:
    """``rate``: the API limit's verdict already counted for this request (a token's); else it is counted here."""
    membership = membership_for(user, getattr(request, "tenant", None))
    if membership is None:
        raise NotAllowed("Нет доступа к этому рабочему пространству.")
    if not user.is_email_confirmed:
        raise NotAllowed("Подтвердите e-mail, чтобы работать с рабочим пространством.")
    if not in_beta(membership.tenant):
        raise NotAllowed(CLOSED_BETA, code="closed_beta")
    cast(WorkspaceRequest, request).membership = membership
    if rate is None:
        throttle(user)
    else:
        enforce(rate)
    if permission is not None and not has_permission(membership, permission):
        raise NotAllowed(DENIED_MESSAGE)
    return membership


class TenantBearer(HttpBearer):
    """Workspace API with a token: it must have been issued for this workspace, to a member (who has
    ``permission``, when given)."""

    def __init__(self, permission: Perm | None = None) -> None:
        self.permission = permission
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        found = user_from_access_token(token)
        if found is None:
            return None
        tenant = cast(TenantRequest, request).tenant
        if found.tenant_slug != getattr(tenant, "slug", None):
            raise NotAllowed("Токен выдан для другого рабочего пространства.")
        for check in token_checks:
            check(tenant)
        request.user = found.user
        return _member(request, found.user, self.permission, found.rate)


class TenantSession(SessionAuth):
    """Workspace API from the cabinet's own pages (session cookie + CSRF on writes)."""

    def __init__(self, permission: Perm | None = None) -> None:
        self.permission = permission
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        user = super().authenticate(request, key)
        return _member(request, user, self.permission) if user else None


TENANT_AUTH = [TenantBearer(), TenantSession()]


View = TypeVar("View", bound=Callable[..., Any])


def requires(permission: Perm) -> Callable[[View], View]:
    """Declare (and enforce) the permission an API operation needs; the route matrix test reads it.

    The operation's auth becomes the workspace's with the permission: django-ninja authenticates before it reads
    the path, the query and the body, so a caller without the right gets 403 — never a 400 about the route's input.
    """
    auth = [TenantBearer(permission), TenantSession(permission)]

    def authenticate_with_permission(operation: Operation) -> None:
        operation.auth_param = operation.auth_callbacks = auth

    def decorate(view: View) -> View:
        view.__dict__["required_permission"] = permission
        contribute_operation_callback(view, authenticate_with_permission)
        return view

    return decorate


