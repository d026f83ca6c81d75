from datetime import timedelta

from django.utils import timezone

from shared_apps.accounts.models import Account

from .models import Plan, Subscription
from .plans import PLANS


def sync_plans() -> None:
    """Write the catalogue of plans (billing/plans.py) into the database."""
    for plan in PLANS:
        Plan.objects.update_or_create(code=plan["code"], defaults={k: v for k, v in plan.items() if k != "code"})


def start_trial(account: Account) -> Subscription:
    """Every new account starts on the Trial plan for its number of days."""
    trial = Plan.objects.get(code="trial")
    return Subscription.objects.create(
        account=account,
        plan=trial,
        status=Subscription.Status.TRIALING,
        trial_ends_at=timezone.now() + timedelta(days=trial.trial_days),
    )
