"""Public-host pages: login, logout, e-mail confirmation, password reset."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import RateLimited

from . import login_guard, one_time_tokens, services, signins
from .continuation import after_login
from .models import OneTimeToken
from .sessions import client_ip, sign_in

# After confirming the e-mail a new customer lands on the first-run page of their workspace.
ONBOARDING = "/onboarding"


def _message_page(request: HttpRequest, title: str, text: str, *, link: str = "", link_label: str = "",
                  status: int = 200) -> HttpResponse:
    context = {"title": title, "text": text, "link": link, "link_label": link_label}
    return render(request, "accounts/message.html", context, status=status)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return after_login(request, next_url)
    typed = request.POST.get("email", "")
    email, password = services.normalize_email(typed), request.POST.get("password", "")
    error, errors, status = "", {}, 200
    if request.method == "POST":
        if email_error := services.email_error(email):
            errors["email"] = email_error
        if not password:
            errors["password"] = "Введите пароль."  # noqa: S105  (a message, not a password)
    if errors:
        status = 400
    elif request.method == "POST":
        ip = client_ip(request)
        verdict = login_guard.begin(email, ip)
        if not verdict.allowed:
            error, status = login_guard.refusal_message(verdict.retry_after), 429
        else:
            user = authenticate(request, username=email, password=password)
            if user is None:
                error, status = "Неверный e-mail или пароль.", 401
                signins.sign_in_failed(email, signins.VIA_PASSWORD)
            else:
                login_guard.succeeded(email, ip)
                login(request, user)
                signins.signed_in(user, signins.VIA_PASSWORD)
                return after_login(request, next_url)
    context = {"email": typed.strip() if errors else email, "error": error, "errors": errors, "next": next_url}
    response = render(request, "accounts/login.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(verdict.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.user.is_authenticated:
            signins.signed_out(request.user)
        logout(request)
        messages.success(request, "Вы вышли из Fast Lead.")
        return redirect("public_site:landing")
    if not request.user.is_authenticated:
        return redirect("public_site:landing")
    return render(request, "accounts/logout.html")


@require_http_methods(["GET", "POST"])
def email_check(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={reverse('accounts:email_check')}")
    if request.user.is_email_confirmed:
        return redirect(settings.LOGIN_REDIRECT_URL)
    wait = 0
    if request.method == "POST":
        wait = services.resend_confirmation(request.user)
        if wait:
            messages.error(request, f"Письмо уже отправлено. Повторно можно запросить через {wait} с.")
        else:
            messages.success(request, "Мы отправили новое письмо со ссылкой.")
        return redirect("accounts:email_check")
    return render(request, "accounts/email_check.html")


@require_GET
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.confirm_email(token)
    except one_time_tokens.TokenRejected as exc:
        if request.user.is_authenticated and request.user.is_email_confirmed:  # e.g. the letter's link opened twice
            return _message_page(request, "E-mail уже подтверждён", f"{exc.message} Ваш e-mail уже подтверждён.",
                                 link=resolve_url(settings.LOGIN_REDIRECT_URL), link_label="Перейти в кабинет",
                                 status=400)
        return _message_page(request, "Не удалось подтвердить e-mail", exc.message,
                             link=reverse("accounts:email_check"), link_label="Запросить новое письмо", status=400)
    if request.user.is_authenticated and request.user.pk != user.pk:
        logout(request)
    if not request.user.is_authenticated:
        sign_in(request, user, method="email_link")
    messages.success(request, "E-mail подтверждён. Добро пожаловать!")
    request.user = user  # the session may hold the same person, loaded before the confirmation
    return after_login(request, workspace_path=ONBOARDING)


@require_GET
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        user = services.confirm_email_change(token)
    except one_time_tokens.TokenRejected as exc:
        return _message_page(request, "Не удалось сменить e-mail", exc.message, status=400)
    except services.FieldErrors as exc:
        return _message_page(request, "Не удалось сменить e-mail", exc.fields["email"], status=409)
    return _message_page(request, "E-mail изменён", f"Теперь для входа используйте {user.email}.",
                         link=resolve_url(settings.LOGIN_REDIRECT_URL), link_label="Перейти в кабинет")


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    typed = request.POST.get("email", "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        if email_error := services.email_error(services.normalize_email(typed)):
            errors["email"] = email_error
        else:
            try:
                services.request_password_reset(typed, client_ip(request))
            except RateLimited as exc:
                response = render(request, "accounts/password_reset.html",
                                  {"email": typed.strip(), "errors": {}, "error": exc.message}, status=429)
                response["Retry-After"] = str(exc.retry_after)
                return response
            return _message_page(request, "Проверьте почту",
                                 "Если аккаунт с этим e-mail существует, мы отправили на него ссылку для сброса "
                                 "пароля. Ссылка действует 1 час.", link=reverse("login"), link_label="Ко входу")
    return render(request, "accounts/password_reset.html", {"email": typed.strip(), "errors": errors},
                  status=400 if errors else 200)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        one_time_tokens.peek(token, OneTimeToken.Purpose.RESET_PASSWORD)
    except one_time_tokens.TokenRejected as exc:
        return _message_page(request, "Ссылка не работает", exc.message, link=reverse("accounts:password_reset"),
                             link_label="Запросить новую ссылку", status=400)
    error = ""
    if request.method == "POST":
        try:
            services.reset_password(token, request.POST.get("password", ""))
        except services.FieldErrors as exc:
            error = exc.fields["password"]
        except one_time_tokens.TokenRejected as exc:
            error = exc.message
        else:
            if request.user.is_authenticated:
                logout(request)
            messages.success(request, "Пароль изменён. Войдите с новым паролем.")
            return redirect("login")
    return render(request, "accounts/password_reset_confirm.html", {"error": error}, status=400 if error else 200)
