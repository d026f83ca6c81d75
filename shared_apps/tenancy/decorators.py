from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from core.links import platform_url

from .permissions import DENIED_MESSAGE, Perm, has_permission
from .selectors import membership_for


def member_required(view):
    """Tenant pages: log in first (``?next=`` kept), then only members of this workspace get in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_email_confirmed:
            return HttpResponseRedirect(platform_url("/email/check"))
        membership = membership_for(request.user, request.tenant)
        if membership is None:
            return TemplateResponse(request, "tenancy/not_a_member.html", status=403)
        request.membership = membership
        return view(request, *args, **kwargs)

    return wrapper


def permission_required(permission: Perm):
    """A member of this workspace whose role grants ``permission``; others get a Russian 403 page."""

    def decorate(view):
        @member_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not has_permission(request.membership, permission):
                return TemplateResponse(request, "tenancy/forbidden.html", {"message": DENIED_MESSAGE}, status=403)
            return view(request, *args, **kwargs)

        wrapper.required_permission = permission
        return wrapper

    return decorate
