"""The login between hosts: on the public host, continue into a workspace; on a workspace host, send to the
public login, accept the hand-off, log out."""

from typing import cast
from urllib.parse import urlencode

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.access import open_when_unpaid
from core.links import platform_url
from shared_apps.accounts import one_time_tokens, signins
from shared_apps.accounts.http import HandoffRequest

from .handoff import accept_handoff, handoff_url, safe_next_path
from .http import TenantRequest
from .selectors import workspace_target


@require_GET
def login_continue(request: HttpRequest) -> HttpResponse:
    """After any login (password, OAuth, confirmation link): on to a workspace via the hand-off."""
    if not request.user.is_authenticated:
        return redirect("login")
    return continue_to_workspace(request, request.GET.get("next", ""))


def continue_to_workspace(request: HttpRequest, next_url: str, workspace_path: str = "/") -> HttpResponse:
    """``next_url`` may be a public-host path or a workspace URL; without one the user's first workspace opens
    at ``workspace_path``."""
    user = request.user
    if not user.is_authenticated:  # it runs after a login; login_continue has checked already
        return redirect("login")
    if not user.is_email_confirmed:
        return redirect("accounts:email_check")
    if next_url.startswith("/") and safe_next_path(next_url) == next_url:
        return redirect(next_url)  # a page of the public host itself, e.g. an invitation
    tenant, path = workspace_target(user, next_url)
    if tenant is None:
        context = {"title": "Нет рабочих пространств",
                   "text": "Вас пока не пригласили ни в одно рабочее пространство. Попросите администратора "
                           "компании отправить приглашение."}
        return render(request, "accounts/message.html", context)
    return HttpResponseRedirect(handoff_url(request, user, tenant, path if next_url else workspace_path))


@open_when_unpaid
@require_GET
def login_redirect(request: TenantRequest) -> HttpResponse:
    """Logins happen on the public host; come back here (same page) through the hand-off."""
    next_path = safe_next_path(request.GET.get("next"))
    back = f"{request.tenant.url.rstrip('/')}{next_path}"
    return HttpResponseRedirect(platform_url("/login?" + urlencode({"next": back})))


@open_when_unpaid
@require_GET
def handoff(request: TenantRequest) -> HttpResponse:
    try:
        user, parent, next_path = accept_handoff(request.GET.get("token", ""), request.tenant)
    except one_time_tokens.TokenRejected as exc:
        context = {"title": "Не удалось войти", "text": exc.message, "link": platform_url("/login"),
                   "link_label": "Войти заново"}
        return render(request, "accounts/message.html", context, status=400)
    if request.user.is_authenticated:
        if request.user.pk == user.pk:  # already logged in here: keep it (a logout would end the whole login)
            return HttpResponseRedirect(next_path)
        logout(request)  # someone else's login on this browser ends
    cast(HandoffRequest, request).login_parent = parent
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    signins.signed_in(user, signins.VIA_WORKSPACE, workspace=request.tenant)
    return HttpResponseRedirect(next_path)


@open_when_unpaid
@require_POST
def logout_view(request: TenantRequest) -> HttpResponse:
    if request.user.is_authenticated:
        signins.signed_out(request.user, workspace=request.tenant)
    logout(request)  # ends the whole login: this host, the public host and every other workspace
    return HttpResponseRedirect(platform_url("/"))
