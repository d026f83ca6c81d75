from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django_tenants.middleware.main import TenantMainMiddleware

from core.api_errors import error_response
from core.links import platform_url
from core.local_cache import LocalCache

from .models import Domain, Tenant

# host -> its workspace, dropped on any change of a workspace or a domain (apps.py). An unknown host is not kept:
# a workspace made a moment ago in another process answers on its first request.
workspace_by_host: LocalCache[Tenant] = LocalCache()


class TenantRoutingMiddleware(TenantMainMiddleware):
    """Route by host: the bare platform domain is the public site, ``<slug>.<domain>`` a workspace.

    An unknown host gets a friendly Russian 404 page (JSON envelope under /api/),
    never a 500.
    """

    def get_tenant(self, domain_model: type[Domain], hostname: str) -> Tenant:
        return workspace_by_host.get(hostname, lambda: super(TenantRoutingMiddleware, self).get_tenant(
            domain_model, hostname))

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

