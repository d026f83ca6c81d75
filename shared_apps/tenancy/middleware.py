from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django_tenants.middleware.main import TenantMainMiddleware

from core.api_errors import error_response
from core.links import platform_url


class TenantRoutingMiddleware(TenantMainMiddleware):
    """Route by host: the bare platform domain is the public site, ``<slug>.<domain>`` a workspace.

    An unknown host gets a friendly Russian 404 page (JSON envelope under /api/),
    never a 500.
    """

    def no_tenant_found(self, request: HttpRequest, hostname: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return error_response(404, "tenant_not_found", "Рабочее пространство не найдено.")
        response = TemplateResponse(
            request,
            "tenancy/tenant_not_found.html",
            {"hostname": hostname, "platform_url": platform_url()},
            status=404,
        )
        return response.render()
