import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from billing.plans import SALES_EMAIL
from billing.selectors import pricing_plans
from core.links import platform_url
from widget_cdn.models import WidgetPublication

logger = logging.getLogger(__name__)


# The workspace `manage.py seed_demo` (dev/, development only) creates.
SEEDED_DEMO_SLUG = "demo"


def _demo_url() -> str | None:
    """The live widget page the «Демо» links open: anyone can open it, no account needed.

    ``DEMO_WIDGET_KEY`` names the published widget; without it development falls back to the seeded demo
    workspace, production shows no demo links. None (links hidden) when there is no such publication.
    """
    demo = WidgetPublication.objects.only("public_key")
    if settings.DEMO_WIDGET_KEY:
        demo = demo.filter(public_key=settings.DEMO_WIDGET_KEY)
    elif settings.APP_ENV != "production":
        demo = demo.filter(tenant__slug=SEEDED_DEMO_SLUG)
    else:
        return None
    found = demo.first()
    return platform_url(f"/w/{found.public_key}/demo") if found else None


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
    html: str
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
