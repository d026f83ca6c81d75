from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing.selectors import pricing_plans
from shared_apps.tenancy.links import platform_url
from shared_apps.tenancy.models import Tenant
from widget_cdn.models import WidgetPublication


def _demo_url() -> str | None:
    demo = Tenant.objects.filter(slug="demo").first()
    return demo.url if demo else None


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "public_site/landing.html", {"plans": pricing_plans(), "demo_url": _demo_url()})


@require_GET
def features(request: HttpRequest) -> HttpResponse:
    demo = WidgetPublication.objects.filter(tenant__slug="demo").only("public_key").first()
    demo_widget_url = platform_url(f"/w/{demo.public_key}/demo") if demo else None
    return render(request, "public_site/features.html", {"demo_widget_url": demo_widget_url, "demo_url": _demo_url()})


@require_GET
def pricing(request: HttpRequest) -> HttpResponse:
    return render(request, "public_site/pricing.html", {"plans": pricing_plans()})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "errors/500.html", status=500)
