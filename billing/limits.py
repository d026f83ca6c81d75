"""The one place that answers "may this account do X now?": plan limits, plan features, subscription access.

Limits are per Account (leads per month across all its workspaces, workspaces), except the team size,
which is per workspace. Every refusal is a :class:`LimitReached` — an ``HttpError`` with a stable
``code``, so API routes need no translation and pages show ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone
from ninja.errors import HttpError
from psycopg import sql

from core.links import platform_url
from shared_apps.accounts.models import Account
from shared_apps.tenancy.models import Membership, Tenant

from .access import Access, access_for_status, access_of
from .models import Plan, Subscription
from .selectors import plan_of

MAX_TENANTS_PER_USER = 5


class Feature(StrEnum):
    EXPORT = "export"
    CUSTOM_LOGO = "custom_logo"
    API = "api"


FEATURE_NAMES = {Feature.EXPORT: "Экспорт данных", Feature.CUSTOM_LOGO: "Свой логотип в виджете",
                 Feature.API: "Доступ к API"}
FEATURE_FIELDS = {Feature.EXPORT: "allows_export", Feature.CUSTOM_LOGO: "allows_custom_logo",
                  Feature.API: "allows_api"}

READ_ONLY_MESSAGE = (
    "Рабочее пространство доступно только для чтения: подписка не оплачена. "
    "Виджет продолжает принимать заявки. Оплатите тариф в разделе «Оплата», чтобы снова вносить изменения."
)
BLOCKED_MESSAGE = (
    "Доступ приостановлен: подписка не оплачена. Все данные сохранены — оплатите тариф в разделе «Оплата»."
)


class LimitReached(HttpError):
    def __init__(self, message: str, *, code: str = "plan_limit", status: int = 403) -> None:
        super().__init__(status, message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Usage:
    leads_this_month: int
    tenants: int
    members: dict[int, int]  # team size per workspace (tenant id); the member limit is per workspace

    @property
    def members_most(self) -> int:
        return max(self.members.values(), default=0)


def month_start(now: datetime | None = None) -> datetime:
    return timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def leads_this_month(account: Account, now: datetime | None = None) -> int:
    """Leads created this calendar month (Moscow time) in all of the account's workspaces."""
    schemas = list(account.tenants.values_list("schema_name", flat=True))
    if not schemas:
        return 0
    counts = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT count(*) AS n FROM {}.leads_lead WHERE created_at >= %(since)s").format(sql.Identifier(s))
        for s in schemas
    )
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("SELECT coalesce(sum(n), 0) FROM ({}) AS per_schema").format(counts),
                       {"since": month_start(now)})
        return int(cursor.fetchone()[0])


def usage(account: Account) -> Usage:
    rows = Membership.objects.filter(tenant__account=account).values("tenant").annotate(n=Count("id"))
    return Usage(leads_this_month=leads_this_month(account), tenants=account.tenants.count(),
                 members={row["tenant"]: row["n"] for row in rows})


# --- subscription access -----------------------------------------------------------------------------


def check_writable(account: Account) -> None:
    """Grace is read-only and blocked/canceled is billing-only: both refuse every change of workspace data."""
    access = access_of(account)
    if access is Access.READ_ONLY:
        raise LimitReached(READ_ONLY_MESSAGE, code="subscription_read_only", status=402)
    if access is Access.BILLING_ONLY:
        raise LimitReached(BLOCKED_MESSAGE, code="subscription_blocked", status=402)


# --- plan limits ---------------------------------------------------------------------------------------


def allows(account: Account, feature: Feature) -> bool:
    return bool(getattr(plan_of(account), FEATURE_FIELDS[feature]))


def check_feature(account: Account, feature: Feature) -> None:
    plan = plan_of(account)
    if not getattr(plan, FEATURE_FIELDS[feature]):
        upgrade = _smallest_plan_with(feature)
        hint = f" Перейдите на тариф «{upgrade.name}» или выше." if upgrade else ""
        raise LimitReached(f"Функция «{FEATURE_NAMES[feature]}» недоступна на тарифе «{plan.name}».{hint}",
                           code="plan_feature")


def _smallest_plan_with(feature: Feature) -> Plan | None:
    return (Plan.objects.filter(is_active=True, is_on_request=False, trial_days=0, **{FEATURE_FIELDS[feature]: True})
            .order_by("sort_order").first())


def check_new_tenant(account: Account, owner_tenant_count: int) -> None:
    """A workspace more for this account (and for its owner, at most five on any plan)."""
    check_writable(account)
    if owner_tenant_count >= MAX_TENANTS_PER_USER:
        raise LimitReached(f"Один пользователь может создать не больше {MAX_TENANTS_PER_USER} рабочих пространств.")
    plan = plan_of(account)
    if plan.max_tenants is not None and account.tenants.filter(kind=Tenant.Kind.CLIENT).count() >= plan.max_tenants:
        raise LimitReached(f"На тарифе «{plan.name}» доступно рабочих пространств: {plan.max_tenants}. "
                           f"Перейдите на тариф выше: {platform_url('/pricing')}")


def bigger_team_plan(plan: Plan) -> Plan | None:
    return (Plan.objects.filter(is_active=True, is_on_request=False, trial_days=0)
            .filter(Q(max_members__isnull=True) | Q(max_members__gt=plan.max_members or 0))
            .order_by("sort_order").first())


def check_new_lead(account: Account) -> None:
    """Blocked accounts take no leads (403 ``tenant_blocked``); over the monthly limit → 402 ``lead_limit_reached``."""
    subscription = Subscription.objects.select_related("plan").filter(account=account).first()
    if subscription and access_for_status(subscription.status) is Access.BILLING_ONLY:
        raise LimitReached(BLOCKED_MESSAGE, code="tenant_blocked", status=403)
    plan = subscription.plan if subscription else plan_of(account)
    if plan.leads_per_month is not None and leads_this_month(account) >= plan.leads_per_month:
        raise LimitReached(f"Лимит тарифа «{plan.name}» — {plan.leads_per_month} заявок в месяц — исчерпан.",
                           code="lead_limit_reached", status=402)


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
