from django.db.models import QuerySet

from shared_apps.accounts.models import User

from .models import Membership, Tenant


def membership_for(user: User, tenant: Tenant | None) -> Membership | None:
    """The user's membership in a client workspace, or None (anonymous, foreign, system schema)."""
    if tenant is None or not getattr(tenant, "is_client", False) or not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, tenant=tenant).select_related("tenant").first()


def tenants_of(user: User) -> QuerySet[Tenant]:
    return Tenant.objects.filter(memberships__user=user, kind=Tenant.Kind.CLIENT).order_by("name")
