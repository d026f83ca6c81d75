from django.http import HttpRequest

from .access import Access


def billing(request: HttpRequest) -> dict:
    """The banner on workspace pages: read-only (grace) or billing-only (blocked, canceled)."""
    access = getattr(request, "billing_access", None)
    return {"billing_read_only": access is Access.READ_ONLY, "billing_blocked": access is Access.BILLING_ONLY}
