"""The one answer to "may this account do X now?".

Access by subscription status (everything, read only, only the billing page), plan features, plan limits
(workspaces, team size), the monthly lead limit (counted in :mod:`billing.usage`), writability, what blocks
a downgrade, and the bigger plans to offer. Limits are per account (leads per month across all its
workspaces, workspaces), except the team size, which is per workspace.

Every refusal is a :class:`LimitReached` — a :class:`core.errors.DomainError` with its status and a stable
``code`` — so API routes need no translation and pages show ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, StrEnum

from django.db.models import Count, Q

from core.errors import DomainError
from core.links import platform_url
from shared_apps.accounts.models import Account
from shared_apps.tenancy.models import Membership, Tenant

from . import usage as usage_counter
from .models import Plan, Subscription
from .selectors import current_subscription, plan_in_force, plan_of

MAX_TENANTS_PER_USER = 5

READ_ONLY_MESSAGE = (
    "Рабочее пространство доступно только для чтения: подписка не оплачена. "
    "Виджет продолжает принимать заявки. Оплатите тариф в разделе «Оплата», чтобы снова вносить изменения."
)
BLOCKED_MESSAGE = (
    "Доступ приостановлен: подписка не оплачена. Все данные сохранены — оплатите тариф в разделе «Оплата»."
)


# --- refusals --------------------------------------------------------------------------------------------------


class LimitReached(DomainError):
    """A plan limit is reached (403 ``plan_limit``); the subclasses are this module's other refusals."""

    status = 403
    code = "plan_limit"
    default_message = "Лимит тарифа исчерпан."


class FeatureUnavailable(LimitReached):
    status, code = 403, "plan_feature"


class LeadLimitReached(LimitReached):
    status, code = 402, "lead_limit_reached"


class SubscriptionReadOnly(LimitReached):
    """Grace: every change of workspace data is refused."""

    status, code = 402, "subscription_read_only"
    default_message = READ_ONLY_MESSAGE


class SubscriptionBlocked(LimitReached):
    """Blocked or canceled: only the billing page."""

    status, code = 402, "subscription_blocked"
    default_message = BLOCKED_MESSAGE


class TenantBlocked(LimitReached):
    """The widget of a blocked account takes no leads."""

    status, code = 403, "tenant_blocked"
    default_message = BLOCKED_MESSAGE


# --- access by subscription status -----------------------------------------------------------------------------

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


def access_of(account: Account) -> Access:
    status = Subscription.objects.filter(account=account).values_list("status", flat=True).first()
    return Access.FULL if status is None else access_for_status(status)


def widget_enabled(account_id: int) -> bool:
    """The widget is switched off (not shown on the site, takes no leads) only when the account is billing-only."""
    status = Subscription.objects.filter(account_id=account_id).values_list("status", flat=True).first()
    return status is None or access_for_status(status) is not Access.BILLING_ONLY


def refusal_for(access: Access) -> LimitReached | None:
    """What a change of workspace data gets at this access level (``None``: allowed)."""
    if access is Access.READ_ONLY:
        return SubscriptionReadOnly()
    if access is Access.BILLING_ONLY:
        return SubscriptionBlocked()
    return None


def check_writable(account: Account) -> None:
    """Grace is read-only and blocked/canceled is billing-only: both refuse every change of workspace data."""
    refusal = refusal_for(access_of(account))
    if refusal is not None:
        raise refusal


# --- usage -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    leads_this_month: int
    tenants: int
    members: dict[int, int]  # team size per workspace (tenant id); the member limit is per workspace

    @property
    def members_most(self) -> int:
        return max(self.members.values(), default=0)


def usage(account: Account) -> Usage:
    rows = Membership.objects.filter(tenant__account=account).values("tenant").annotate(n=Count("id"))
    return Usage(leads_this_month=usage_counter.leads_this_month(account.pk), tenants=account.tenants.count(),
                 members={row["tenant"]: row["n"] for row in rows})


# --- features --------------------------------------------------------------------------------------------------


class Feature(StrEnum):
    EXPORT = "export"
    CUSTOM_LOGO = "custom_logo"
    API = "api"


FEATURE_NAMES = {Feature.EXPORT: "Экспорт данных", Feature.CUSTOM_LOGO: "Свой логотип в виджете",
                 Feature.API: "Доступ к API"}
FEATURE_FIELDS = {Feature.EXPORT: "allows_export", Feature.CUSTOM_LOGO: "allows_custom_logo",
                  Feature.API: "allows_api"}


def allows(account: Account, feature: Feature) -> bool:
    return bool(getattr(plan_of(account), FEATURE_FIELDS[feature]))


def check_feature(account: Account, feature: Feature) -> None:
    _check_plan_feature(plan_of(account), feature)


def _check_plan_feature(plan: Plan, feature: Feature) -> None:
    if not getattr(plan, FEATURE_FIELDS[feature]):
        upgrade = _smallest_plan_with(feature)
        hint = f" Перейдите на тариф «{upgrade.name}» или выше." if upgrade else ""
        raise FeatureUnavailable(f"Функция «{FEATURE_NAMES[feature]}» недоступна на тарифе «{plan.name}».{hint}")


def check_api_access(tenant: Tenant) -> None:
    """A bearer token on a workspace host needs the plan's API access (registered in tenancy's ``token_checks``);
    the subscription comes from the same process cache as the access middleware's, so the request reads it once."""
    _check_plan_feature(plan_in_force(current_subscription(tenant.client_account_id)), Feature.API)


# --- limits ----------------------------------------------------------------------------------------------------


def check_new_tenant(account: Account, owner_tenant_count: int) -> None:
    """A workspace more for this account (and for its owner, at most five on any plan)."""
    check_writable(account)
    if owner_tenant_count >= MAX_TENANTS_PER_USER:
        raise LimitReached(f"Один пользователь может создать не больше {MAX_TENANTS_PER_USER} рабочих пространств.")
    plan = plan_of(account)
    if plan.max_tenants is not None and account.tenants.filter(kind=Tenant.Kind.CLIENT).count() >= plan.max_tenants:
        raise LimitReached(f"На тарифе «{plan.name}» доступно рабочих пространств: {plan.max_tenants}. "
                           f"Перейдите на тариф выше: {platform_url('/pricing')}")


def admit_lead(account: Account, now: datetime | None = None) -> int:
    """Count one more lead for the account, or refuse it; returns this month's count with it.

    Call it inside the transaction that writes the lead (see :func:`billing.usage.count_lead`): concurrent
    intakes never pass the plan's monthly limit, and a lead that is not saved is not counted. Blocked
    accounts take no leads (403 ``tenant_blocked``); over the monthly limit → 402 ``lead_limit_reached``.
    """
    subscription = Subscription.objects.select_related("plan").filter(account=account).first()
    if subscription and access_for_status(subscription.status) is Access.BILLING_ONLY:
        raise TenantBlocked()
    plan = subscription.plan if subscription else plan_of(account)
    count = usage_counter.count_lead(account.pk, plan.leads_per_month, now)
    if count is None:
        raise LeadLimitReached(f"Лимит тарифа «{plan.name}» — {plan.leads_per_month} заявок в месяц — исчерпан.")
    return count


def downgrade_blockers(account: Account, plan: Plan) -> list[str]:
    """What the account uses now that the plan would not allow (empty when the switch is possible)."""
    current = usage(account)
    problems = []
    if plan.max_tenants is not None and current.tenants > plan.max_tenants:
        problems.append(f"рабочих пространств {current.tenants}, а на тарифе «{plan.name}» — до {plan.max_tenants}")
    if plan.max_members is not None and current.members_most > plan.max_members:
        problems.append(f"в команде {current.members_most} участников, а на тарифе «{plan.name}» — "
                        f"до {plan.max_members}")
    return problems


# --- bigger plans ----------------------------------------------------------------------------------------------


def _smallest_plan_with(feature: Feature) -> Plan | None:
    return (Plan.objects.filter(is_active=True, is_on_request=False, trial_days=0, **{FEATURE_FIELDS[feature]: True})
            .order_by("sort_order").first())


def bigger_team_plan(plan: Plan) -> Plan | None:
    return (Plan.objects.filter(is_active=True, is_on_request=False, trial_days=0)
            .filter(Q(max_members__isnull=True) | Q(max_members__gt=plan.max_members or 0))
            .order_by("sort_order").first())
