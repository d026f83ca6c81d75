from django.db.models import QuerySet

from shared_apps.accounts.models import Account

from .models import Plan, Subscription


def pricing_plans() -> QuerySet[Plan]:
    """Plans shown on the pricing page, in display order."""
    return Plan.objects.filter(is_active=True).order_by("sort_order")


def plan_of(account: Account) -> Plan:
    """The plan whose limits apply to the account now (Trial when it has no subscription yet)."""
    subscription = Subscription.objects.select_related("plan").filter(account=account).first()
    return subscription.plan if subscription else Plan.objects.get(code="trial")
