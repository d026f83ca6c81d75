"""Workspace-host ends of the login: send to the public login, accept the hand-off, log out."""

from urllib.parse import urlencode

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from core.links import platform_url

from . import one_time_tokens
from .handoff import accept_handoff, safe_next_path


@require_GET
def login_redirect(request: HttpRequest) -> HttpResponse:
    """Logins happen on the public host; come back here (same page) through the hand-off."""
    next_path = safe_next_path(request.GET.get("next"))
    back = f"{request.tenant.url.rstrip('/')}{next_path}"
    return HttpResponseRedirect(platform_url("/login?" + urlencode({"next": back})))


@require_GET
def handoff(request: HttpRequest) -> HttpResponse:
    try:
        user, parent, next_path = accept_handoff(request.GET.get("token", ""), request.tenant)
    except one_time_tokens.TokenRejected as exc:
        context = {"title": "Не удалось войти", "text": exc.message, "link": platform_url("/login"),
                   "link_label": "Войти заново"}
        return render(request, "accounts/message.html", context, status=400)
    if request.user.is_authenticated:
        logout(request)
    request.login_parent = parent
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(next_path)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)  # ends the whole login: this host, the public host and every other workspace
    return HttpResponseRedirect(platform_url("/"))
