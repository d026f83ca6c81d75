"""Sign-up and sign-in with Google and Yandex ID (social-auth-app-django).

The backends keep the stock names (``google-oauth2``, ``yandex-oauth2``) and speak the providers'
real protocol, but take their endpoints from ``GOOGLE_OAUTH_BASE_URL`` / ``YANDEX_OAUTH_BASE_URL``,
read on every request: development and tests point them at the local sandbox
(``manage.py run_oauth_sandbox``); an empty base URL means the real provider.

Failures never reach the user as a stack trace: the flow stops with a Russian message (django
messages) and a redirect to ``SOCIAL_AUTH_LOGIN_ERROR_URL`` (/login).
"""

import contextlib
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.api import MessageFailure
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone
from social_core.backends import google, yandex
from social_core.backends.oauth import BaseOAuth2
from social_core.exceptions import AuthAssociationError, AuthCanceled, SocialAuthBaseException

from .models import User
from .services import normalize_email, revoke_everything
from .signins import signed_in

logger = logging.getLogger(__name__)

# Backend name → the ``source`` of register_user and of the sign-in log line.
SOURCES = {"google-oauth2": "google", "yandex-oauth2": "yandex"}
TITLES = {"google-oauth2": "Google", "yandex-oauth2": "Яндекс ID"}

# Mailbox providers: an address there says nothing about the company.
PUBLIC_EMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yandex.ru", "yandex.com", "yandex.by", "yandex.kz", "yandex.ua", "yandex.uz",
    "ya.ru", "narod.ru", "mail.ru", "bk.ru", "inbox.ru", "list.ru", "internet.ru", "xmail.ru", "rambler.ru",
    "lenta.ru", "autorambler.ru", "myrambler.ru", "ro.ru", "rambler.ua", "vk.com", "icloud.com", "me.com", "mac.com",
    "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "ymail.com", "aol.com", "proton.me",
    "protonmail.com", "pm.me", "gmx.com", "gmx.de", "gmx.net", "zoho.com", "tutanota.com", "mail.com", "qip.ru",
})
# Second-level labels of compound public suffixes: anna@romashka.com.ru → "romashka".
_SUFFIX_LABELS = frozenset({"co", "com", "org", "net", "gov", "edu", "ac", "msk", "spb", "pp"})


def provider_title(backend) -> str:
    return TITLES.get(backend.name, backend.name)


def refuse(backend, message: str) -> HttpResponseRedirect:
    """Stop the flow: show ``message`` on the login page."""
    request = backend.strategy.request
    with contextlib.suppress(MessageFailure):  # no message storage: only outside a normal page request
        messages.error(request, message)
    return HttpResponseRedirect(resolve_url(backend.setting("LOGIN_ERROR_URL") or settings.LOGIN_URL))


class _ConfigurableEndpoints(BaseOAuth2[Any]):
    """Endpoints from a base-URL setting, read at call time; errors end on /login in Russian."""

    BASE_URL_SETTING = ""
    AUTHORIZATION_PATH = ""
    ACCESS_TOKEN_PATH = ""

    def base_url(self) -> str:
        return (getattr(settings, self.BASE_URL_SETTING, "") or "").rstrip("/")

    def authorization_url(self) -> str:
        base = self.base_url()
        return base + self.AUTHORIZATION_PATH if base else super().authorization_url()

    def access_token_url(self) -> str:
        base = self.base_url()
        return base + self.ACCESS_TOKEN_PATH if base else super().access_token_url()

    def auth_complete(self, *args, **kwargs):
        try:
            return super().auth_complete(*args, **kwargs)
        except SocialAuthBaseException as exc:
            if self.setting("RAISE_EXCEPTIONS", False):
                raise
            logger.warning(
                "oauth_failed",
                extra={"provider": SOURCES.get(self.name, self.name), "code": exc.code, "stage": exc.stage,
                       "error": type(exc).__name__},
            )
            title = provider_title(self)
            if isinstance(exc, AuthCanceled):
                message = f"Вход через {title} отменён."
            elif isinstance(exc, AuthAssociationError):
                message = f"Этот аккаунт {title} уже привязан к другому пользователю Fast Lead."
            else:
                message = f"Не удалось войти через {title}. Попробуйте ещё раз или войдите по e-mail и паролю."
            return refuse(self, message)


class GoogleOAuth2(_ConfigurableEndpoints, google.GoogleOAuth2):
    BASE_URL_SETTING = "GOOGLE_OAUTH_BASE_URL"
    AUTHORIZATION_PATH = "/o/oauth2/auth"
    ACCESS_TOKEN_PATH = "/o/oauth2/token"  # noqa: S105  (a path, not a secret)
    USERINFO_PATH = "/oauth2/v3/userinfo"
    USERINFO_URL = "https://www.googleapis.com/oauth2/v3/userinfo"

    def user_data(self, access_token: str, *args, **kwargs) -> dict[str, Any] | None:
        # Unlike the stock backend this does not raise on an unverified e-mail: the
        # require_verified_email step refuses it with a message the user can act on.
        base = self.base_url()
        return self.get_json(
            base + self.USERINFO_PATH if base else self.USERINFO_URL,
            headers={"Authorization": f"Bearer {access_token}"},
        )


class YandexOAuth2(_ConfigurableEndpoints, yandex.YandexOAuth2):
    BASE_URL_SETTING = "YANDEX_OAUTH_BASE_URL"
    AUTHORIZATION_PATH = "/authorize"
    ACCESS_TOKEN_PATH = "/token"  # noqa: S105
    USERINFO_PATH = "/info"
    USERINFO_URL = "https://login.yandex.ru/info"

    def user_data(self, access_token: str, *args, **kwargs) -> dict[str, Any] | None:
        base = self.base_url()
        return self.get_json(
            base + self.USERINFO_PATH if base else self.USERINFO_URL,
            params={"format": "json"},
            headers={"Authorization": f"OAuth {access_token}"},
        )

    def get_user_details(self, response):
        details = super().get_user_details(response)
        details["first_name"] = response.get("first_name") or None
        details["last_name"] = response.get("last_name") or None
        return details


# --- pipeline steps -----------------------------------------------------------------------------


def _email_verified(backend, response: dict) -> bool:
    if backend.name == "yandex-oauth2":
        return True  # Yandex only hands out addresses it has verified (default_email / emails)
    return response.get("email_verified") in (True, "true")


def require_verified_email(backend, details, response, *args, **kwargs):
    """Only a provider-verified e-mail may sign up or be linked to an existing user."""
    title = provider_title(backend)
    if not normalize_email(details.get("email")):
        return refuse(backend, f"{title} не передал ваш e-mail. Разрешите доступ к адресу почты "
                               "или зарегистрируйтесь по e-mail и паролю.")
    if not _email_verified(backend, response):
        return refuse(backend, f"Ваш e-mail не подтверждён в {title}. Подтвердите адрес в настройках аккаунта "
                               f"{title} или зарегистрируйтесь по e-mail и паролю.")
    return None


def full_name_from(details: dict, email: str) -> str:
    first, last = (details.get("first_name") or "").strip(), (details.get("last_name") or "").strip()
    return (details.get("fullname") or "").strip() or f"{first} {last}".strip() or email.split("@", 1)[0]


def company_for(email: str, name: str) -> str:
    """A first company name for an OAuth sign-up; the user can rename it later.

    anna@romashka.ru → ``romashka``; anna@gmail.com (a public mailbox) → ``Рабочее пространство Анна``.
    """
    domain = email.rsplit("@", 1)[-1].lower()
    if domain not in PUBLIC_EMAIL_DOMAINS:
        labels = [label for label in domain.split(".") if label][:-1]  # without the TLD
        if len(labels) >= 2 and labels[-1] in _SUFFIX_LABELS:
            labels = labels[:-1]
        if labels:
            return labels[-1]
    first_name = (name.split() or [email.split("@", 1)[0]])[0]
    return f"Рабочее пространство {first_name}"


def confirm_linked_email(user: User) -> None:
    """The provider proved the address. If we had not, whoever set the password never did:
    that password and every login made with it end (account pre-hijacking)."""
    if user.is_email_confirmed:
        return
    user.email_confirmed_at = timezone.now()
    user.set_unusable_password()
    user.save(update_fields=["email_confirmed_at", "password"])
    revoke_everything(user)


def log_sign_in(backend, *args, user=None, is_new=False, **kwargs) -> None:
    if user is None:
        return
    signed_in(user, provider_title(backend))  # the user_logged_in event comes from the login (accounts.signals)
