from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.links import platform_url

from .permissions import permissions_of
from .selectors import tenants_of


def platform(request: HttpRequest) -> dict:
    """Links to the public host, and on a workspace host: the workspace, the member's role and permissions."""
    tenant = getattr(request, "tenant", None)
    current = tenant if tenant is not None and getattr(tenant, "is_client", False) else None
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    context = {
        "PLATFORM_DOMAIN": settings.PLATFORM_DOMAIN,
        "platform_home_url": platform_url("/"),
        "current_tenant": current,
        "membership": membership,
        "tenant_perms": {str(permission) for permission in permissions_of(membership)},
    }
    if current is not None and user is not None and user.is_authenticated:
        context["my_tenants"] = SimpleLazyObject(lambda: list(tenants_of(user)))
    return context
