"""The widget's public endpoints on the platform host: script, published config, lead intake, demo page.

None of them reads a workspace's schema except the intake, which writes the lead there.
"""

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_http_methods, require_safe

from billing.entitlements import widget_enabled
from core.api_errors import domain_error_response, error_response
from core.links import platform_url
from core.net import client_ip

from . import intake
from .models import PublishedConfig, WidgetPublication

WIDGET_SOURCE = "widget_cdn/widget.js"
YEAR = 365 * 24 * 3600


@dataclass
class _ReadFile:
    mtime: float | None = None
    content: bytes = b""


_widget_js = _ReadFile()


def _widget_source() -> bytes:
    """widget.js from the static files (re-read when it changes on disk, e.g. in development)."""
    found = finders.find(WIDGET_SOURCE)
    if found is None:
        raise FileNotFoundError(WIDGET_SOURCE)
    path = Path(found)
    mtime = path.stat().st_mtime
    if _widget_js.mtime != mtime:
        _widget_js.mtime, _widget_js.content = mtime, path.read_bytes()
    return _widget_js.content


def _not_found() -> JsonResponse:
    response = error_response(404, "widget_not_found", "Виджет не найден.")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _conditional(request: HttpRequest, response: HttpResponse, etag: str, cache_control: str) -> HttpResponse:
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response["Access-Control-Allow-Origin"] = "*"
    return response


@gzip_page
@require_safe
def widget_script(request: HttpRequest, public_key: str) -> HttpResponse:
    """The snippet's script: never changes per site; picks up new widget code within minutes."""
    if not WidgetPublication.objects.filter(public_key=public_key).exists():
        return HttpResponse("/* Fast Lead: виджет не найден */", status=404,
                            content_type="application/javascript; charset=utf-8")
    base = platform_url("").rstrip("/")
    prefix = f"window.FastLeadKey={json.dumps(public_key)};window.FastLeadBase={json.dumps(base)};\n"
    body = prefix.encode() + _widget_source()
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    return _conditional(request, response, etag, "public, max-age=300, stale-while-revalidate=86400")


@gzip_page
@require_safe
def published_config(request: HttpRequest, public_key: str) -> HttpResponse:
    """The current published config: short cache, revalidated by ETag; public schema only."""
    publication = (
        WidgetPublication.objects.filter(public_key=public_key).select_related("tenant")
        .only("public_key", "version", "config", "tenant__account_id").first()
    )
    if publication is None:
        return _not_found()
    account_id = publication.tenant.account_id
    if account_id is not None and not widget_enabled(account_id):
        # The widget does not render on the site while the subscription is blocked or canceled.
        response = error_response(403, "tenant_blocked", "Виджет временно недоступен.")
        response["Cache-Control"] = "public, max-age=60"
        return response
    response = JsonResponse(publication.config, json_dumps_params={"ensure_ascii": False})
    return _conditional(request, response, publication.etag, "public, max-age=60, stale-while-revalidate=600")


@gzip_page
@require_safe
def published_config_version(request: HttpRequest, public_key: str, version: int) -> HttpResponse:
    """One published version, immutable: cached for a year."""
    found = PublishedConfig.objects.filter(publication__public_key=public_key, version=version).only("config").first()
    if found is None:
        return _not_found()
    response = JsonResponse(found.config, json_dumps_params={"ensure_ascii": False})
    return _conditional(request, response, f'"{public_key}-v{version}"', f"public, max-age={YEAR}, immutable")


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    # The browser may read the answer (also a refusal, so the widget can say why); the server decides.
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
    return response


@csrf_exempt  # cross-site by design: no cookies are used, the origin is checked against the workspace's sites
@require_http_methods(["POST", "OPTIONS"])
def lead_intake(request: HttpRequest, public_key: str) -> HttpResponse:
    origin = request.headers.get("Origin", "")
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = "600"
        return _cors(response, origin)
    try:
        return _cors(_accept(request, public_key, origin), origin)
    except intake.IntakeRefused as refused:  # the refusal goes to the visitor's browser too: it needs the CORS header
        return _cors(domain_error_response(refused), origin)


def _accept(request: HttpRequest, public_key: str, origin: str) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > intake.MAX_BODY_BYTES:
        raise intake.IntakeRefused(413, "payload_too_large", "Слишком большой запрос.")
    publication = intake.publication_by_key(public_key)
    if publication is None:
        raise intake.IntakeRefused(404, "widget_not_found", "Виджет не найден.")
    visitor = intake.Visitor(origin=origin, ip=client_ip(request) or None,
                             user_agent=request.headers.get("User-Agent", ""))
    intake.check_origin(publication, visitor)
    intake.check_rate(publication, visitor)
    body = request.read(intake.MAX_BODY_BYTES + 1)
    if len(body) > intake.MAX_BODY_BYTES:
        raise intake.IntakeRefused(413, "payload_too_large", "Слишком большой запрос.")
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise intake.IntakeRefused(400, "json_invalid", "Тело запроса не является корректным JSON.") from exc
    if not isinstance(payload, dict):
        raise intake.IntakeRefused(400, "json_invalid", "Ожидается JSON-объект.")
    lead = intake.accept(publication, payload, visitor)
    message = publication.config.get("texts", {}).get("successMessage", "Спасибо! Мы свяжемся с вами.")
    # Only this visitor gets the one-time links that tie a messenger chat to the lead.
    messengers = intake.messenger_links(publication, lead) if lead else []
    booking_url = intake.booking_url(publication, lead) if lead else None
    return JsonResponse({"leadId": lead.pk if lead else None, "message": message, "messengers": messengers,
                         "bookingUrl": booking_url}, status=201, json_dumps_params={"ensure_ascii": False})


@require_safe
def demo_page(request: HttpRequest, public_key: str) -> HttpResponse:
    """A client-like site with this workspace's widget installed (onboarding "test it", Features page)."""
    publication = WidgetPublication.objects.select_related("tenant").filter(public_key=public_key).first()
    if publication is None:
        return render(request, "errors/404.html", status=404)
    context = {"tenant_name": publication.tenant.name, "public_key": public_key,
               "widget_script_url": platform_url(f"/w/{public_key}.js")}
    return render(request, "widget_cdn/demo.html", context)
