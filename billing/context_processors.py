from django.conf import settings
from django.http import HttpRequest

from .entitlements import Access


def billing(request: HttpRequest) -> dict:
    """The banner on workspace pages: read-only (grace), billing-only (blocked, canceled), or past due."""
    access = getattr(request, "billing_access", None)
    return {"billing_read_only": access is Access.READ_ONLY, "billing_blocked": access is Access.BILLING_ONLY,
            "billing_subscription": getattr(request, "billing_subscription", None),
            "billing_support_email": settings.LEGAL_EMAIL}
