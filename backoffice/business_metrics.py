"""The business metrics: how each figure of a day is computed (reads only; ``services`` stores them).

Days are Moscow days. A day's *cutoff* is its end, or the moment of computing for today; every figure is as of it.

- registrations: accounts created that day (a sign-up creates the account, its first workspace and the trial).
- trials started: subscriptions created that day (every new account starts on the trial).
- trials ended: subscriptions whose trial end (``trial_ends_at``, after any extension) fell on that day.
- trials converted: subscriptions whose first successful payment came that day.
- paying account: a subscription on a priced plan (not the trial) that is active, past due (the renewal is being
  retried) or in grace (the week to pay after an unpaid period) — a customer who has not left. It is lost when its
  subscription is canceled or blocked: churned that day counts those moves.
- MRR: the monthly price of the plans of the paying accounts at the cutoff; ARPU = MRR / paying accounts.
- trial → paid conversion: of the trials that ended in the 30 days before the cutoff, the share that had paid by it.
- weekly churn: of the accounts paying 7 days before the cutoff, the share not paying at the cutoff.
- active workspace: a client workspace that received a lead in the 30 days up to the day (its own days, in its time
  zone) or one of whose members signed in in the 30 days before the cutoff (the member's last sign-in, so for a
  backfilled past day workspaces active only by sign-ins may be undercounted).
- leads processed: leads that arrived that day (each workspace's analytics facts, by hour in its time zone).
- first contact: median and 95th percentile (linear interpolation) of the seconds to the first contact of the leads
  that arrived in the 24 hours before the cutoff and have been contacted — for a finished day, that day's leads.

Past states come from the subscriptions' history (``SubscriptionEvent``: the last event before the cutoff); the
current state from the subscriptions themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Exists, Min, OuterRef, Q, Sum
from django.utils import timezone
from psycopg import sql

from billing.models import LeadUsage, Plan, Subscription, SubscriptionEvent
from shared_apps.accounts.models import Account
from shared_apps.onboarding.models import WizardProgress
from shared_apps.tenancy.models import Membership, Tenant

MOSCOW = ZoneInfo("Europe/Moscow")
Status = Subscription.Status
PAYING = frozenset({Status.ACTIVE, Status.PAST_DUE, Status.GRACE})
LOST = frozenset({Status.CANCELED, Status.BLOCKED})
# History rows that name a plan the subscription is not on yet (a downgrade waits for the period's end).
NOT_A_STATE = ("downgrade_scheduled",)
CONVERSION_WINDOW = timedelta(days=30)
CHURN_WINDOW = timedelta(days=7)
ACTIVE_WINDOW_DAYS = 30
FIRST_CONTACT_WINDOW = timedelta(hours=24)
SCHEMAS_PER_QUERY = 200


@dataclass(frozen=True)
class DayFigures:
    registrations: int
    trials_started: int
    trials_converted: int
    trials_ended: int
    churned: int
    paying_accounts: int
    mrr_kopecks: int
    active_workspaces: int
    leads_processed: int
    first_contact_median_seconds: float | None
    first_contact_p95_seconds: float | None
    trials_ended_30d: int
    trials_converted_30d: int
    paying_7d_ago: int
    paying_lost_7d: int


def today(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), MOSCOW).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=MOSCOW)


def cutoff_of(day: date, now: datetime) -> datetime:
    return min(day_start(day + timedelta(days=1)), now)


def compute_day(day: date, now: datetime | None = None) -> DayFigures:
    now = now or timezone.now()
    start, cutoff = day_start(day), cutoff_of(day, now)
    paying = paying_at(cutoff, now)
    paying_before = paying_at(cutoff - CHURN_WINDOW, now)
    ended_30d, converted_30d = trial_cohort(cutoff - CONVERSION_WINDOW, cutoff, paid_by=cutoff)
    leads, median, p95 = leads_and_first_contact(day, cutoff)
    return DayFigures(
        registrations=Account.objects.filter(created_at__gte=start, created_at__lt=cutoff).count(),
        trials_started=SubscriptionEvent.objects.filter(reason="subscription_created", created_at__gte=start,
                                                        created_at__lt=cutoff).count(),
        trials_converted=first_payments(start, cutoff),
        trials_ended=trial_cohort(start, cutoff, paid_by=cutoff)[0],
        churned=churned(start, cutoff),
        paying_accounts=len(paying),
        mrr_kopecks=sum(paying.values()),
        active_workspaces=active_workspaces(day, cutoff),
        leads_processed=leads,
        first_contact_median_seconds=median,
        first_contact_p95_seconds=p95,
        trials_ended_30d=ended_30d,
        trials_converted_30d=converted_30d,
        paying_7d_ago=len(paying_before),
        paying_lost_7d=len(paying_before.keys() - paying.keys()),
    )


# --- subscriptions ---------------------------------------------------------------------------------------------


def _paid_plans() -> dict[int, int]:
    """Priced plans (not the trial) → their monthly price in kopecks (0 for a plan sold on request)."""
    return {plan.pk: plan.price_kopecks or 0 for plan in Plan.objects.filter(trial_days=0)}


def paying_at(moment: datetime, now: datetime) -> dict[int, int]:
    """The paying accounts at ``moment``: account id → monthly price of its plan."""
    prices = _paid_plans()
    if moment >= now:
        rows: Iterable[tuple[int, str, int]] = Subscription.objects.values_list("account_id", "status", "plan_id")
    else:
        rows = (SubscriptionEvent.objects.filter(created_at__lt=moment).exclude(reason__in=NOT_A_STATE)
                .order_by("subscription_id", "-created_at", "-id").distinct("subscription_id")
                .values_list("subscription__account_id", "to_status", "plan_id"))
    return {account: prices[plan] for account, status, plan in rows if status in PAYING and plan in prices}


def trial_cohort(since: datetime, until: datetime, *, paid_by: datetime) -> tuple[int, int]:
    """Trials that ended in [since, until) and how many of them had a successful payment before ``paid_by``."""
    ended = Subscription.objects.filter(trial_ends_at__gte=since, trial_ends_at__lt=until)
    paid = SubscriptionEvent.objects.filter(subscription=OuterRef("pk"), reason="payment_succeeded",
                                            created_at__lt=paid_by)
    return ended.count(), ended.filter(Exists(paid)).count()


def first_payments(since: datetime, until: datetime) -> int:
    """Subscriptions whose first successful payment came in [since, until)."""
    return (Subscription.objects.annotate(first_paid=Min("history__created_at",
                                                         filter=Q(history__reason="payment_succeeded")))
            .filter(first_paid__gte=since, first_paid__lt=until).count())


def churned(since: datetime, until: datetime) -> int:
    """Paying subscriptions canceled or blocked in [since, until)."""
    return (SubscriptionEvent.objects.filter(created_at__gte=since, created_at__lt=until, to_status__in=LOST,
                                             from_status__in=PAYING, plan__trial_days=0)
            .values("subscription_id").distinct().count())


# --- workspaces ------------------------------------------------------------------------------------------------


def _client_schemas(cutoff: datetime) -> list[tuple[str, str]]:
    """(schema, time zone) of the client workspaces that existed at the cutoff and have the analytics tables."""
    tenants = dict(Tenant.objects.filter(kind=Tenant.Kind.CLIENT, created_at__lt=cutoff)
                   .values_list("schema_name", "timezone"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_schema FROM information_schema.tables "
                       "WHERE table_schema = ANY(%s) AND table_name = 'analytics_leadfact'", [list(tenants)])
        present = {row[0] for row in cursor.fetchall()}
    return sorted((schema, zone) for schema, zone in tenants.items() if schema in present)


def _chunks(items: list, size: int) -> Iterator[list]:
    for index in range(0, len(items), size):
        yield items[index:index + size]


def active_workspaces(day: date, cutoff: datetime) -> int:
    first_day = day - timedelta(days=ACTIVE_WINDOW_DAYS - 1)
    active: set[str] = set()
    with connection.cursor() as cursor:
        for chunk in _chunks(_client_schemas(cutoff), SCHEMAS_PER_QUERY):
            query = sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT {name} WHERE EXISTS (SELECT 1 FROM {table} WHERE day >= %(first)s "
                        "AND day <= %(last)s)").format(name=sql.Literal(schema),
                                                        table=sql.Identifier(schema, "analytics_leadfact"))
                for schema, _ in chunk)
            cursor.execute(query, {"first": first_day, "last": day})
            active.update(row[0] for row in cursor.fetchall())
    signed_in = (Membership.objects.filter(tenant__kind=Tenant.Kind.CLIENT, tenant__created_at__lt=cutoff,
                                           user__last_login__gte=cutoff - timedelta(days=ACTIVE_WINDOW_DAYS),
                                           user__last_login__lt=cutoff)
                 .values_list("tenant__schema_name", flat=True).distinct())
    active.update(signed_in)
    return len(active)


# --- leads -----------------------------------------------------------------------------------------------------


def _local_hour(moment: datetime, zone: str) -> tuple[date, int, bool]:
    """The (day, hour) of a moment in a zone, and whether the moment is exactly on that hour."""
    local = moment.astimezone(ZoneInfo(zone))
    return local.date(), local.hour, (local.minute, local.second, local.microsecond) == (0, 0, 0)


def quantile(ordered: list[int], q: float) -> float | None:
    """Linear interpolation between the closest ranks (PostgreSQL's percentile_cont)."""
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def leads_and_first_contact(day: date, cutoff: datetime) -> tuple[int, float | None, float | None]:
    """Leads that arrived on the day (up to the cutoff), and the median and p95 seconds to the first contact of the
    contacted leads that arrived in the 24 hours before the cutoff. Facts are kept by hour in each workspace's zone."""
    window_start, day_begins = cutoff - FIRST_CONTACT_WINDOW, day_start(day)
    leads, seconds = 0, []
    with connection.cursor() as cursor:
        for chunk in _chunks(_client_schemas(cutoff), SCHEMAS_PER_QUERY):
            parts: list[sql.Composable] = []
            params: list[date | int] = []
            for schema, zone in chunk:
                first, day_first, (last_day, last_hour, on_hour) = (
                    _local_hour(window_start, zone), _local_hour(day_begins, zone), _local_hour(cutoff, zone))
                before_end = sql.SQL("<") if on_hour else sql.SQL("<=")
                parts.append(sql.SQL(
                    "SELECT (day, hour) >= (%s::date, %s::int), ttfc_seconds FROM {table} "
                    "WHERE (day, hour) >= (%s::date, %s::int) AND (day, hour) {before_end} (%s::date, %s::int)"
                ).format(table=sql.Identifier(schema, "analytics_leadfact"), before_end=before_end))
                params += [day_first[0], day_first[1], first[0], first[1], last_day, last_hour]
            cursor.execute(sql.SQL(" UNION ALL ").join(parts), params)
            for on_the_day, ttfc in cursor.fetchall():
                leads += bool(on_the_day)
                if ttfc is not None:
                    seconds.append(ttfc)
    seconds.sort()
    return leads, quantile(seconds, 0.5), quantile(seconds, 0.95)


def leads_ever() -> int:
    """Leads every workspace ever took, from the monthly usage counters (public schema, a few rows per account)."""
    return LeadUsage.objects.aggregate(total=Sum("leads"))["total"] or 0


# --- onboarding ------------------------------------------------------------------------------------------------

# Accounts old enough to have finished the wizard (a day) and young enough to be this release's sign-ups (a week).
ONBOARDING_COHORT = (timedelta(days=1), timedelta(days=8))


def onboarding_cohort(now: datetime) -> tuple[int, int]:
    """(accounts registered 1–8 days ago, those of them with no workspace that finished the onboarding wizard):
    the rollback condition «more than 10 % of new sign-ups cannot finish onboarding» (docs/ROLLBACK.md)."""
    youngest, oldest = ONBOARDING_COHORT
    cohort = Account.objects.filter(created_at__gte=now - oldest, created_at__lt=now - youngest)
    finished = WizardProgress.objects.filter(tenant__account=OuterRef("pk"), completed_at__isnull=False)
    return cohort.count(), cohort.exclude(Exists(finished)).count()

