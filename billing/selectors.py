from django.db.models import QuerySet

from .models import Plan


def pricing_plans() -> QuerySet[Plan]:
    """Plans shown on the pricing page, in display order."""
    return Plan.objects.filter(is_active=True).order_by("sort_order")
