from django.conf import settings
from django.http import HttpRequest

from .links import platform_url


def platform(request: HttpRequest) -> dict:
    tenant = getattr(request, "tenant", None)
    return {
        "PLATFORM_DOMAIN": settings.PLATFORM_DOMAIN,
        "platform_home_url": platform_url("/"),
        "current_tenant": tenant if tenant is not None and getattr(tenant, "is_client", False) else None,
    }
