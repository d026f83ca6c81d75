from django.db.models import QuerySet

from core.local_cache import LocalCache
from shared_apps.accounts.models import Account

from .models import Document, Payment, PaymentMethod, Plan, Subscription


def pricing_plans() -> QuerySet[Plan]:
    """Plans shown on the pricing page, in display order."""
    return Plan.objects.filter(is_active=True).order_by("sort_order")


def purchasable_plans() -> QuerySet[Plan]:
    return pricing_plans().filter(is_on_request=False, trial_days=0, price_kopecks__isnull=False)


# account id -> its subscription with the plan (None: none yet); dropped on any change of a subscription or a plan.
current_subscriptions: LocalCache[Subscription | None] = LocalCache()


def current_subscription(account_id: int) -> Subscription | None:
    """The account's subscription with its plan as every request reads it (the access middleware, the API's plan
    check): from this process's memory, so a request reads it from the database at most once (core.local_cache)."""
    return current_subscriptions.get(
        account_id, lambda: Subscription.objects.select_related("plan").filter(account_id=account_id).first())


def plan_of(account: Account) -> Plan:
    """The plan whose limits apply to the account now (the trial plan when it has no subscription yet)."""
    return plan_in_force(current_subscription(account.pk))


def plan_in_force(subscription: Subscription | None) -> Plan:
    return subscription.plan if subscription else Plan.objects.get(code="trial")


def subscription_of(account: Account) -> Subscription | None:
    return Subscription.objects.select_related("plan", "scheduled_plan").filter(account=account).first()


def saved_method(account: Account) -> PaymentMethod | None:
    return PaymentMethod.objects.filter(account=account, is_active=True).first()


def payment_history(account: Account) -> QuerySet[Payment]:
    return Payment.objects.filter(account=account).exclude(status=Payment.Status.CREATED).select_related("plan")


def documents_of(account: Account) -> QuerySet[Document]:
    return Document.objects.filter(account=account).exclude(status=Document.Status.VOID).select_related("plan")
