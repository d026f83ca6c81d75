"""What a subscription status lets the customer do: everything, read only, or only the billing page."""

from enum import Enum

from shared_apps.accounts.models import Account

from .models import Subscription

Status = Subscription.Status


class Access(Enum):
    FULL = "full"  # trialing, active, past_due
    READ_ONLY = "read_only"  # grace: the cabinet is read-only, the widget keeps working
    BILLING_ONLY = "billing_only"  # blocked or canceled: only the billing page, widget off, data kept


ACCESS_BY_STATUS = {
    Status.TRIALING: Access.FULL,
    Status.ACTIVE: Access.FULL,
    Status.PAST_DUE: Access.FULL,
    Status.GRACE: Access.READ_ONLY,
    Status.BLOCKED: Access.BILLING_ONLY,
    Status.CANCELED: Access.BILLING_ONLY,
}


def access_for_status(status: str) -> Access:
    return ACCESS_BY_STATUS[Status(status)]


def widget_enabled(account_id: int) -> bool:
    """The widget is switched off (not shown on the site, takes no leads) only when the account is billing-only."""
    status = Subscription.objects.filter(account_id=account_id).values_list("status", flat=True).first()
    return status is None or access_for_status(status) is not Access.BILLING_ONLY


def access_of(account: Account) -> Access:
    status = Subscription.objects.filter(account=account).values_list("status", flat=True).first()
    return Access.FULL if status is None else access_for_status(status)
