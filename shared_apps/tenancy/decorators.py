from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, cast

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse

from core.links import platform_url

from .beta import CLOSED_BETA, in_beta
from .http import TenantRequest, WorkspaceRequest
from .permissions import DENIED_MESSAGE, Perm, has_permission
from .selectors import membership_for

P = ParamSpec("P")
# A workspace page as written (it gets a member's request) and as routed (Django hands it any request).
MemberView = Callable[Concatenate[WorkspaceRequest, P], HttpResponseBase]
View = Callable[Concatenate[HttpRequest, P], HttpResponseBase]


def member_required(view: MemberView[P]) -> View[P]:
    """Tenant pages: log in first (``?next=`` kept), then only members of this workspace get in — while the
    cabinet is a closed beta, only those of the accounts let into it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_email_confirmed:
            return HttpResponseRedirect(platform_url("/email/check"))
        membership = membership_for(request.user, cast(TenantRequest, request).tenant)
        if membership is None:
            return TemplateResponse(request, "tenancy/not_a_member.html", status=403)
        if not in_beta(membership.tenant):
            return TemplateResponse(request, "tenancy/closed_beta.html",
                                    {"message": CLOSED_BETA, "support_email": settings.LEGAL_EMAIL}, status=403)
        member_request = cast(WorkspaceRequest, request)
        member_request.membership = membership
        return view(member_request, *args, **kwargs)

    return wrapper


def permission_required(permission: Perm) -> Callable[[MemberView[P]], View[P]]:
    """A member of this workspace whose role grants ``permission``; others get a Russian 403 page."""

    def decorate(view: MemberView[P]) -> View[P]:
        @member_required
        @wraps(view)
        def wrapper(request: WorkspaceRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
            if not has_permission(request.membership, permission):
                return TemplateResponse(request, "tenancy/forbidden.html", {"message": DENIED_MESSAGE}, status=403)
            return view(request, *args, **kwargs)

        wrapper.__dict__["required_permission"] = permission  # read by the route matrix test
        return wrapper

    return decorate
