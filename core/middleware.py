import logging
from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .api_errors import domain_error_response, error_response
from .context import accept_or_new_request_id, client_ip_var, request_id_var
from .database import is_timeout
from .errors import DomainError, ServiceBusy
from .http import IdentifiedRequest
from .net import client_ip
from .views import healthz

logger = logging.getLogger(__name__)


class RequestIdMiddleware:
    """Accept or mint ``X-Request-ID``, expose it to logs and Celery, return it.

    It also answers errors Django itself produces as HTML pages (an unknown
    route's 404, a wrong method's 405, a crash's 500 — e.g. the database
    refusing connections) in the content type the client asked for: the API's
    JSON envelope under ``/api/``, and under ``/w/`` what the widget on a
    client's site expects — a browser blocks an HTML page answered to a
    ``<script>`` (ORB) and the widget cannot read it as JSON.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_or_new_request_id(request.headers.get("X-Request-ID"))
        cast(IdentifiedRequest, request).request_id = request_id
        token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(client_ip(request) or None)
        try:
            response = self.get_response(request)
        finally:
            client_ip_var.reset(ip_token)
            request_id_var.reset(token)
        if response.status_code >= 400 and response.get("Content-Type", "").startswith("text/html"):
            response = _error_in_own_content_type(request, response)
        response["X-Request-ID"] = request_id
        return response


def _page_for_a_form_address(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Not the browser's blank English "HTTP ERROR 405": a Russian page with a way back to the section."""
    section = "/" + request.path.strip("/").split("/")[0]
    context = {"title": "Эта страница открывается из формы",
               "message": "Адрес принадлежит кнопке формы. Вернитесь в раздел и отправьте форму ещё раз.",
               "back_url": section if section != "/" else "/"}
    page = render(request, "errors/refused.html", context, status=405)
    page["Allow"] = response.get("Allow", "")
    return page


WIDGET_SCRIPT_ERROR = "/* Fast Lead: виджет временно недоступен */\n"


def _error_in_own_content_type(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    answer = error_for_address(request.path, response.status_code, headers=_allow_header(response))
    if answer is not None:
        return answer
    if response.status_code == 405 and not response.content:  # e.g. reloading the address a form was posted to
        return _page_for_a_form_address(request, response)
    return response


def error_for_address(path: str, status: int, code: str | None = None, message: str | None = None,
                      headers: dict | None = None) -> HttpResponse | None:
    """An error as an /api/ or /w/ address answers it (the envelope; JavaScript to a widget script, with CORS
    under /w/), or None for a page's address."""
    if path.startswith("/api/"):
        return error_response(status, code, message, headers=headers)
    if not path.startswith("/w/") or path.endswith("/demo"):  # the demo page is an HTML page itself
        return None
    if path.endswith(".js"):
        answer = HttpResponse(WIDGET_SCRIPT_ERROR, status=status, content_type="application/javascript; charset=utf-8")
    else:
        answer = error_response(status, code, message, headers=headers)
    answer["Cache-Control"] = "no-store"
    answer["Access-Control-Allow-Origin"] = "*"
    return answer


def _allow_header(response: HttpResponse) -> dict | None:
    allow = response.get("Allow")
    return {"Allow": allow} if allow else None


class HealthzMiddleware:
    """Answer ``/healthz`` before host routing, which itself needs the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz":
            return healthz(request)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy and a Permissions-Policy on every HTML response.

    Only our own scripts, styles and images, and no script is ever evaluated from a
    string: Alpine is its CSP build (its own expression parser, not ``new Function``)
    and htmx runs with ``allowEval`` off (``templates/base.html``). Alpine sets
    ``style`` attributes for x-show/x-transition, hence ``'unsafe-inline'`` for
    styles; no inline ``<script>`` runs anywhere. The OpenAPI docs and the admin ship
    inline bootstrap scripts, so they alone get ``'unsafe-inline'`` scripts. Forms may
    lead to the workspace hosts (the login hand-off), to the OAuth providers and to the
    payment providers' checkout pages (Chromium applies ``form-action`` to the 303
    after "Оплатить").
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            if "Content-Security-Policy" not in response:
                relaxed = request.path.startswith("/api/") or request.path.startswith("/admin/")
                response["Content-Security-Policy"] = content_security_policy(relaxed_scripts=relaxed)
            response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


# Browser features no page of ours uses (the widget is a script in the customer's page, governed by their
# policy; on our demo page it needs none of these). The clipboard stays: the cabinet copies the snippet.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "browsing-topics", "camera", "display-capture", "geolocation", "gyroscope",
    "hid", "idle-detection", "magnetometer", "microphone", "midi", "payment", "screen-wake-lock", "serial",
    "usb", "xr-spatial-tracking",
))


# The providers' hosted checkout pages (YooKassa, T-Bank) outside the sandbox.
CHECKOUT_ORIGINS = ("https://yoomoney.ru", "https://securepay.tinkoff.ru", "https://pay.tbank.ru")
# The messengers' deep links: «Подключить Telegram» in the profile posts, then is sent on to the workspace's bot.
MESSENGER_ORIGINS = ("https://t.me", "https://max.ru")


def content_security_policy(*, relaxed_scripts: bool = False) -> str:
    port = ":*" if settings.PLATFORM_PORT else ""
    # A workspace page's forms lead to the public host too: «Выйти» ends on its landing page.
    platform = f"{settings.PLATFORM_SCHEME}://{settings.PLATFORM_DOMAIN}{port}"
    workspaces = f"{settings.PLATFORM_SCHEME}://*.{settings.PLATFORM_DOMAIN}{port}"
    providers = [_origin(settings.GOOGLE_OAUTH_BASE_URL) or "https://accounts.google.com",
                 _origin(settings.YANDEX_OAUTH_BASE_URL) or "https://oauth.yandex.com"]
    checkout = [_origin(settings.PAYMENT_SANDBOX_URL)] if settings.PAYMENT_SANDBOX_URL else list(CHECKOUT_ORIGINS)
    destinations = " ".join(dict.fromkeys(providers + checkout + list(MESSENGER_ORIGINS)))
    scripts = "'self' 'unsafe-inline'" if relaxed_scripts else "'self'"
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: {settings.MEDIA_PUBLIC_ORIGIN}".rstrip() + "; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action 'self' {platform} {workspaces} {destinations}; "
        "frame-ancestors 'none'"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


TITLES = {402: "Нужна оплата", 403: "Нет доступа", 404: "Не найдено", 409: "Данные изменились", 429: "Слишком часто",
          503: "Сервис перегружен"}


class DomainErrorMiddleware:
    """A domain error that reached a page view unhandled: the product's page with its Russian message
    (API routes answer it in the error envelope themselves)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_timeout(exception):
            logger.warning("database_timeout", extra={"path": request.path})
            exception = ServiceBusy()
        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/"):
            return domain_error_response(exception)
        # A member's refusal shows inside the cabinet; a server-side one (503: the database is busy) on the public
        # layout, which reads nothing from the database.
        in_cabinet = exception.status < 500 and getattr(request, "membership", None) is not None
        context = {"title": TITLES.get(exception.status, "Не получилось"), "message": exception.message,
                   "in_cabinet": in_cabinet}
        response = render(request, "errors/refused.html", context, status=exception.status)
        for name, value in exception.headers.items():
            response[name] = value
        return response
