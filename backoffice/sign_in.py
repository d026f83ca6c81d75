"""Staff sign-in to the platform admin: the password (with the same guard against guessing as the customers'
login), then a code from the authenticator app — or, the first time, enrolling the app with a QR code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login

from core import net
from shared_apps.accounts import login_guard, signins

from . import two_factor

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite


def is_verified(user: Any) -> bool:
    """Signed in with both factors in this session (OTPMiddleware sets ``is_verified``)."""
    return bool(getattr(user, "is_verified", None) and user.is_verified())


def awaits_second_factor(user: Any) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff and not is_verified(user)


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                              require_https=request.is_secure())
    return target if allowed else ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else url


class StaffPasswordForm(AdminAuthenticationForm):
    """The admin's e-mail and password form, counted by the login guard before the password is checked."""

    def clean(self) -> dict[str, Any]:
        email = (self.cleaned_data.get("username") or "").strip().lower()
        if email and self.cleaned_data.get("password"):
            self.cleaned_data["username"] = email
            ip = net.client_ip(self.request) if self.request else None
            verdict = login_guard.begin(email, ip)
            if not verdict.allowed:
                raise forms.ValidationError(login_guard.refusal_message(verdict.retry_after), code="rate_limited")
            try:
                cleaned = super().clean()
            except forms.ValidationError:
                signins.sign_in_failed(email, signins.VIA_PASSWORD, staff=True)
                raise
            login_guard.succeeded(email, ip)
            return cleaned
        return super().clean()


class PasswordStep(LoginView):
    form_class = StaffPasswordForm
    template_name = "admin/login.html"

    def get_success_url(self) -> str:
        return _with_next(reverse("admin:verify"), self.get_redirect_url())


def password_step(site: AdminSite, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    if awaits_second_factor(request.user):
        return redirect(_with_next(reverse("admin:verify"), safe_next(request)))
    if request.method == "GET" and site.has_permission(request):
        return redirect(safe_next(request) or reverse("admin:index"))
    context = {
        **site.each_context(request),
        "title": "Вход",
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
        REDIRECT_FIELD_NAME: safe_next(request) or reverse("admin:index"),
        **(extra_context or {}),
    }
    request.current_app = site.name
    return cast(HttpResponse, PasswordStep.as_view(extra_context=context)(request))  # a page or a redirect


def code_step(site: AdminSite, request: HttpRequest) -> HttpResponse:
    """The code from the authenticator app; without a confirmed device, its enrollment first."""
    user = request.user
    next_url = safe_next(request)
    if not user.is_authenticated or not (user.is_active and user.is_staff):
        return redirect(_with_next(reverse("admin:login"), next_url))
    if is_verified(user):
        return redirect(next_url or reverse("admin:index"))
    device = two_factor.confirmed_device(user) or two_factor.enrollment_device(user)
    enrolling = not device.confirmed
    error, status, headers = "", 200, {}
    if request.method == "POST":
        try:
            two_factor.verify(user, device, request.POST.get("code", ""))
        except two_factor.CodeRefused as refusal:
            error, status, headers = refusal.message, refusal.status, refusal.headers
        else:
            otp_login(request, device)
            return HttpResponseRedirect(next_url or reverse("admin:index"))
    context = {
        **site.each_context(request),
        "title": "Подключение приложения-аутентификатора" if enrolling else "Код подтверждения",
        "subtitle": None,
        "enrolling": enrolling,
        "secret": two_factor.secret_of(device) if enrolling else "",
        "qr_svg": two_factor.qr_svg(device) if enrolling else "",
        "error": error,
        "next": next_url,
        "app_path": request.get_full_path(),
    }
    request.current_app = site.name
    return TemplateResponse(request, "backoffice/verify.html", context, status=status, headers=headers)
