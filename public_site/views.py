import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from billing.plans import SALES_EMAIL
from billing.selectors import pricing_plans
from core.links import platform_url
from widget_cdn.models import WidgetPublication

logger = logging.getLogger(__name__)


def _demo_url() -> str | None:
    """The demo workspace's live widget page: anyone can open it, no account needed (None when there is none)."""
    demo = WidgetPublication.objects.filter(tenant__slug="demo").only("public_key").first()
    return platform_url(f"/w/{demo.public_key}/demo") if demo else None


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "public_site/landing.html", {"plans": pricing_plans(), "demo_url": _demo_url()})


@require_GET
def features(request: HttpRequest) -> HttpResponse:
    return render(request, "public_site/features.html", {"demo_url": _demo_url()})


@require_GET
def pricing(request: HttpRequest) -> HttpResponse:
    return render(request, "public_site/pricing.html",
                  {"plans": pricing_plans(), "demo_url": _demo_url(), "sales_email": SALES_EMAIL})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    """Without the request's context processors: the failure may be the database or Redis they read."""
    try:
        html = render_to_string("errors/500.html", {"platform_home_url": platform_url("/")})
    except Exception:  # the error page itself must never fail into a bare traceback
        logger.exception("error_page_failed")
        html = FALLBACK_500
    return HttpResponse(html, status=500)


FALLBACK_500 = (
    '<!doctype html><html lang="ru"><meta charset="utf-8"><title>Ошибка на сервере — Fast Lead</title>'
    "<h1>Что-то пошло не так</h1><p>На сервере произошла ошибка. Попробуйте обновить страницу через минуту.</p>"
)
