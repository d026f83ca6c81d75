from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet

from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.selectors import tenants_of

from .models import LoginSession, User


def logins_of(user: User) -> QuerySet[LoginSession]:
    """The user's logins (root sessions), newest activity first, with the workspaces they reached."""
    return (
        LoginSession.objects.filter(user=user, parent__isnull=True)
        .prefetch_related("children")
        .order_by("-last_seen_at")
    )


def workspace_target(user: User, next_url: str | None) -> tuple[Tenant | None, str]:
    """Where a fresh login should land: the workspace (and path) named in ``next`` when the user
    belongs to it, else their first workspace's home."""
    tenants = tenants_of(user)
    if next_url:
        parts = urlsplit(next_url)
        suffix = f".{settings.PLATFORM_DOMAIN}"
        host = (parts.hostname or "").lower()
        if parts.scheme in {"http", "https"} and host.endswith(suffix):
            tenant = tenants.filter(slug=host[: -len(suffix)]).first()
            if tenant is not None:
                return tenant, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return tenants.first(), "/"
