"""The widget's public endpoints on the platform host: script, published config, lead intake, demo page.

None of them reads a workspace's schema except the intake, which writes the lead there.
"""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from billing.entitlements import widget_enabled
from core.api_errors import domain_error_response, error_response
from core.links import platform_url
from core.net import client_ip

from . import edge, intake, script
from .models import PublishedConfig, WidgetPublication

YEAR = 365 * 24 * 3600
JSON = "application/json"


def _not_found() -> JsonResponse:
    response = error_response(404, "widget_not_found", "Виджет не найден.")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _current_config(public_key: str) -> edge.Rendered | None:
    publication = (
        WidgetPublication.objects.filter(public_key=public_key).select_related("tenant")
        .only("public_key", "version", "config", "tenant__account_id").first()
    )
    if publication is None:
        return None
    account_id = publication.tenant.account_id
    if account_id is not None and not widget_enabled(account_id):
        # The widget does not render on the site while the subscription is blocked or canceled.
        refusal = error_response(403, "tenant_blocked", "Виджет временно недоступен.")
        return edge.rendered(403, JSON, refusal.content, "", "public, max-age=60")
    return edge.rendered(200, JSON, _json(publication.config), publication.etag,
                         "public, max-age=60, stale-while-revalidate=600")


def _config_version(public_key: str, version: int) -> edge.Rendered | None:
    found = PublishedConfig.objects.filter(publication__public_key=public_key, version=version).only("config").first()
    if found is None:
        return None
    return edge.rendered(200, JSON, _json(found.config), f'"{public_key}-v{version}"',
                         f"public, max-age={YEAR}, immutable")


@require_safe
def widget_script(request: HttpRequest, public_key: str) -> HttpResponse:
    """The snippet's loader: the same few bytes for every site of the widget; the widget itself is static."""
    if edge.cached(public_key, "config", lambda: _current_config(public_key)) is None:
        return HttpResponse("/* Fast Lead: виджет не найден */", status=404, content_type=script.JAVASCRIPT)
    return edge.respond(request, script.loader_entry(public_key))


@require_safe
def published_config(request: HttpRequest, public_key: str) -> HttpResponse:
    """The current published config: short cache, revalidated by ETag; public schema only (or Redis)."""
    entry = edge.cached(public_key, "config", lambda: _current_config(public_key))
    return edge.respond(request, entry) if entry is not None else _not_found()


@require_safe
def published_config_version(request: HttpRequest, public_key: str, version: int) -> HttpResponse:
    """One published version, immutable: cached for a year."""
    entry = edge.cached(public_key, f"v{version}", lambda: _config_version(public_key, version))
    return edge.respond(request, entry) if entry is not None else _not_found()


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
    accepted = intake.accept(publication, payload, visitor)
    message = publication.config.get("texts", {}).get("successMessage", "Спасибо! Мы свяжемся с вами.")
    return JsonResponse({"leadId": accepted.lead.pk if accepted.lead else None, "message": message,
                         "messengers": accepted.messengers, "bookingUrl": accepted.booking_url},
                        status=201, json_dumps_params={"ensure_ascii": False})


@require_safe
def demo_page(request: HttpRequest, public_key: str) -> HttpResponse:
    """A client-like site with this workspace's widget installed (onboarding "test it", Features page)."""
    publication = WidgetPublication.objects.select_related("tenant").filter(public_key=public_key).first()
    if publication is None:
        return render(request, "errors/404.html", status=404)
    context = {"tenant_name": publication.tenant.name, "public_key": public_key,
               "widget_script_url": platform_url(f"/w/{public_key}.js")}
    return render(request, "widget_cdn/demo.html", context)
