from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet

from core.local_cache import LocalCache
from shared_apps.accounts.models import User

from .models import Membership, Tenant

# (user id, workspace id) -> the membership (None: not a member); dropped on any change of a membership (apps.py).
memberships: LocalCache[Membership | None] = LocalCache()


def membership_for(user: User, tenant: Tenant | None) -> Membership | None:
    """The user's membership in a client workspace, or None (anonymous, foreign, system schema)."""
    if tenant is None or not getattr(tenant, "is_client", False) or not user.is_authenticated:
        return None
    membership = memberships.get((user.pk, tenant.pk),
                                 lambda: Membership.objects.filter(user=user, tenant=tenant).first())
    if membership is not None:
        membership.tenant = tenant
    return membership


def tenants_of(user: User) -> QuerySet[Tenant]:
    return Tenant.objects.filter(memberships__user=user, kind=Tenant.Kind.CLIENT).order_by("name")


def first_workspace_slug(account_id: int) -> str:
    """The slug of the account's oldest workspace: the ``tenantId`` of the account-level events (billing)."""
    rows = Tenant.objects.filter(account_id=account_id, kind=Tenant.Kind.CLIENT).order_by("created_at", "pk")
    return rows.values_list("slug", flat=True).first() or ""


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
