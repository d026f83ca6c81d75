"""The monthly usage counter: leads per account and calendar month (Moscow time), kept in the public schema.

The intake counts a lead in the lead's own transaction (:func:`count_lead`): one upsert that refuses once the
plan's limit is reached. The row stays locked until that transaction ends, so concurrent intakes of one
account queue on it and never admit more leads than the plan allows, and a lead that fails to save is not
counted (its transaction rolls the increment back). The nightly :func:`reconcile` recounts the workspaces'
leads and corrects the counter (deleted leads, or anything that wrote leads around the intake).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name
from psycopg import sql

from shared_apps.tenancy.models import Tenant

from .models import LeadUsage

logger = logging.getLogger(__name__)

MONTH_ZONE = ZoneInfo("Europe/Moscow")


def month_of(now: datetime | None = None) -> date:
    """The counter's month: the first day of the calendar month in Moscow time."""
    return timezone.localtime(now or timezone.now(), MONTH_ZONE).date().replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of the month in Moscow time."""
    start = datetime(month.year, month.month, 1, tzinfo=MONTH_ZONE)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=MONTH_ZONE)
    return start, end


def leads_this_month(account_id: int, now: datetime | None = None) -> int:
    """The counter: leads the account's workspaces took this month."""
    found = LeadUsage.objects.filter(account_id=account_id, month=month_of(now)).values_list("leads", flat=True)
    return found.first() or 0


def _table() -> sql.Composable:
    # Schema-qualified: the intake runs with a workspace's schema first on the search path.
    return sql.Identifier(get_public_schema_name(), LeadUsage._meta.db_table)


def count_lead(account_id: int, limit: int | None, now: datetime | None = None) -> int | None:
    """Count one more lead this month unless the count has reached ``limit`` (``None``: unlimited).

    Returns the new count, or ``None`` when refused (nothing changed). Must run inside the transaction that
    writes the lead: the row stays locked until it ends, and a rollback takes the increment back with the lead.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("count_lead() must run inside the transaction that writes the lead")
    if limit is not None and limit <= 0:
        return None
    guard = sql.SQL("") if limit is None else sql.SQL(" WHERE counter.leads < %(limit)s")
    query = sql.SQL(
        "INSERT INTO {table} AS counter (account_id, month, leads) VALUES (%(account)s, %(month)s, 1) "
        "ON CONFLICT (account_id, month) DO UPDATE SET leads = counter.leads + 1{guard} RETURNING leads"
    ).format(table=_table(), guard=guard)
    with connection.cursor() as cursor:
        cursor.execute(query, {"account": account_id, "month": month_of(now), "limit": limit})
        row = cursor.fetchone()
    return None if row is None else int(row[0])


# --- the nightly recount -------------------------------------------------------------------------------------


def recount(account_id: int, month: date) -> int:
    """Leads created in the month in all of the account's workspaces, counted in their schemas."""
    schemas = list(Tenant.objects.filter(account_id=account_id).values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_schema FROM information_schema.tables "
                       "WHERE table_schema = ANY(%s) AND table_name = 'leads_lead'", [schemas])
        schemas = sorted(row[0] for row in cursor.fetchall())
        if not schemas:
            return 0
        counts = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT count(*) AS n FROM {}.leads_lead WHERE created_at >= %(since)s AND created_at < %(until)s")
            .format(sql.Identifier(schema))
            for schema in schemas
        )
        since, until = month_bounds(month)
        cursor.execute(sql.SQL("SELECT coalesce(sum(n), 0) FROM ({}) AS per_schema").format(counts),
                       {"since": since, "until": until})
        return int(cursor.fetchone()[0])


def reconcile_account(account_id: int, now: datetime | None = None) -> int:
    """Set the account's counter of the current month to the recount; returns the count."""
    return _reconcile(account_id, month_of(now))[0]


def _reconcile(account_id: int, month: date) -> tuple[int, bool]:
    """The recount and whether the counter differed.

    The counter row is locked before counting: an intake still writing its lead holds the lock until it commits
    (so the recount sees its lead), and later intakes wait for this correction.
    """
    with transaction.atomic():
        LeadUsage.objects.bulk_create([LeadUsage(account_id=account_id, month=month, leads=0)], ignore_conflicts=True)
        counter = LeadUsage.objects.select_for_update().get(account_id=account_id, month=month)
        actual = recount(account_id, month)
        if counter.leads == actual:
            return actual, False
        logger.warning("lead_usage_corrected", extra={"accountId": account_id, "month": f"{month:%Y-%m}",
                                                      "counted": counter.leads, "actual": actual})
        counter.leads = actual
        counter.save(update_fields=["leads"])
    return actual, True


def reconcile(now: datetime | None = None) -> int:
    """Recount this month's leads of every account with workspaces (or a counter); returns how many were fixed."""
    month = month_of(now)
    accounts = set(Tenant.objects.filter(account__isnull=False).values_list("account_id", flat=True))
    accounts |= set(LeadUsage.objects.filter(month=month).values_list("account_id", flat=True))
    corrected = 0
    for account_id in sorted(accounts):
        try:
            corrected += _reconcile(account_id, month)[1]
        except DatabaseError:  # one broken workspace must not stop the others' recount
            logger.exception("lead_usage_recount_failed", extra={"accountId": account_id})
    return corrected
