"""Keeping the figures current: every change of a lead moves its fact row and the day's sums by the difference.

A lead's fact (``LeadFact``) is what it counts for; on ``lead_changed`` the old fact is taken away from the
``DailyStat`` rows and the new one added, in the lead's own transaction (the caller holds the lead's row lock, so
two changes of one lead come one after the other). The sums change by ``+ n`` updates, which commute: two leads
of the same day changed at once both land, whatever their order. ``rebuild`` recomputes a workspace from its
leads under an exclusive lock on the facts; a change waiting for that lock then measures itself against the
rebuilt row, so nothing is counted twice or lost.
"""

from collections import Counter
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from shared_apps.tenancy.models import Tenant
from tenant_apps.leads.models import Lead

DEFAULT_ZONE = "Europe/Moscow"
MONTHLY = "m:"  # the prefix of a dimension's month rows (their day is the month's first)
PAGE_CHARS = 300
REACHED_CONTACT = frozenset({Lead.Status.CONTACTED, Lead.Status.BOOKED})
FACT_COLUMNS = ("lead_id", "day", "hour", "channel", "page", "campaign", "status", "contacted", "ttfc_seconds")
READ_FACT = ("SELECT day, hour, channel, page, campaign, status, contacted, ttfc_seconds FROM analytics_leadfact "
             "WHERE lead_id = %s FOR UPDATE")
WRITE_FACT = (
    "INSERT INTO analytics_leadfact (lead_id, day, hour, channel, page, campaign, status, contacted, ttfc_seconds) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (lead_id) DO UPDATE SET day = EXCLUDED.day, "
    "hour = EXCLUDED.hour, channel = EXCLUDED.channel, page = EXCLUDED.page, campaign = EXCLUDED.campaign, "
    "status = EXCLUDED.status, contacted = EXCLUDED.contacted, ttfc_seconds = EXCLUDED.ttfc_seconds"
)
ADD_SUMS = (
    "INSERT INTO analytics_dailystat (day, dimension, key, leads, contacted, booked, lost) VALUES {rows} "
    "ON CONFLICT (dimension, day, key) DO UPDATE SET leads = analytics_dailystat.leads + EXCLUDED.leads, "
    "contacted = analytics_dailystat.contacted + EXCLUDED.contacted, "
    "booked = analytics_dailystat.booked + EXCLUDED.booked, lost = analytics_dailystat.lost + EXCLUDED.lost"
)
DROP_EMPTY = "DELETE FROM analytics_dailystat WHERE leads <= 0 AND (dimension, day, key) IN ({rows})"


@dataclass(frozen=True)
class Fact:
    day: Any  # datetime.date
    hour: int
    channel: str
    page: str
    campaign: str
    status: str
    contacted: bool
    ttfc_seconds: int | None

    def rows(self) -> list[tuple[str, Any, str]]:
        """The DailyStat rows (dimension, day, key) this lead is counted in: its day's and its month's."""
        month = self.day.replace(day=1)
        keys = [("all", ""), ("channel", self.channel), ("page", self.page), ("campaign", self.campaign),
                ("hour", str(hour_of_week(self.day, self.hour)))]
        return [(dimension, self.day, key) for dimension, key in keys] + [
            (MONTHLY + dimension, month, key) for dimension, key in keys]

    def counts(self) -> tuple[int, int, int, int]:
        """leads, contacted, booked, lost."""
        return 1, int(self.contacted), int(self.status == Lead.Status.BOOKED), int(self.status == Lead.Status.LOST)


def hour_of_week(day: date, hour: int) -> int:
    """0 = Monday 00:00–00:59 … 167 = Sunday 23:00–23:59."""
    return day.weekday() * 24 + hour


def page_path(page_url: str) -> str:
    """The source page without host, query or fragment: «https://a.ru/price?utm=1» → «/price»."""
    if not page_url:
        return ""
    parts = urlsplit(page_url)
    return (parts.path or ("/" if parts.netloc else ""))[:PAGE_CHARS]


def fact_of(*, created_at: datetime, first_contact_at: datetime | None, channel: str, status: str, page_url: str,
            utm_campaign: str, zone: ZoneInfo) -> Fact:
    local = created_at.astimezone(zone)
    ttfc = None
    if first_contact_at is not None:
        ttfc = max(0, int((first_contact_at - created_at).total_seconds()))
    return Fact(day=local.date(), hour=local.hour, channel=channel, page=page_path(page_url),
                campaign=utm_campaign[:200], status=status,
                contacted=first_contact_at is not None or status in REACHED_CONTACT, ttfc_seconds=ttfc)


def lead_fact(lead: Lead, zone: ZoneInfo) -> Fact:
    return fact_of(created_at=lead.created_at, first_contact_at=lead.first_contact_at, channel=lead.channel,
                   status=lead.status, page_url=lead.page_url, utm_campaign=lead.utm_campaign, zone=zone)


def workspace_zone() -> ZoneInfo:
    """The time zone of the workspace whose schema the connection is in: its days are the figures' days."""
    tenant = getattr(connection, "tenant", None)
    name = getattr(tenant, "timezone", None)
    if name is None:
        schema = getattr(connection, "schema_name", None)
        name = Tenant.objects.filter(schema_name=schema).values_list("timezone", flat=True).first()
    return ZoneInfo(name or DEFAULT_ZONE)


def record(lead: Lead) -> None:
    """Move the lead's contribution from its stored fact to what it is now (``lead_changed``'s receiver)."""
    new = lead_fact(lead, workspace_zone())
    with transaction.atomic(), connection.cursor() as cursor:
        # A separate statement: the next one reads after a running rebuild has committed (READ COMMITTED).
        cursor.execute("LOCK TABLE analytics_leadfact IN ROW EXCLUSIVE MODE")
        cursor.execute(READ_FACT, [lead.pk])
        row = cursor.fetchone()
        old = Fact(*row) if row else None
        if old == new:
            return
        _apply(cursor, _difference(old, new))
        cursor.execute(WRITE_FACT, [lead.pk, *astuple(new)])


def _difference(old: Fact | None, new: Fact) -> dict[tuple, tuple[int, ...]]:
    change: dict[tuple, Counter] = {}
    for sign, fact in ((-1, old), (1, new)):
        if fact is None:
            continue
        for key in fact.rows():
            sums = change.setdefault(key, Counter())
            for index, count in enumerate(fact.counts()):
                sums[index] += sign * count
    return {key: tuple(sums[i] for i in range(4)) for key, sums in sorted(change.items(), key=_order)
            if any(sums.values())}


def _order(item: tuple) -> tuple:
    dimension, day, key = item[0]
    return dimension, day.isoformat(), key


def _apply(cursor, change: dict[tuple, tuple[int, ...]]) -> None:
    """Add the differences to the day's rows in one statement (rows in a fixed order), then drop rows left at
    zero leads (a fact that moved to another day or value)."""
    if not change:
        return
    values = [value for (dimension, day, key), counts in change.items() for value in (day, dimension, key, *counts)]
    cursor.execute(ADD_SUMS.format(rows=", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(change))), values)
    emptied = [(dimension, day, key) for (dimension, day, key), counts in change.items() if counts[0] < 0]
    if emptied:
        cursor.execute(DROP_EMPTY.format(rows=", ".join(["(%s, %s::date, %s)"] * len(emptied))),
                       [value for key in emptied for value in key])


def _facts(zone: ZoneInfo) -> Iterator[tuple]:
    rows = Lead.objects.order_by().values_list(
        "id", "created_at", "first_contact_at", "channel", "status", "page_url", "utm_campaign")
    for lead_id, created_at, first_contact_at, channel, status, page_url, campaign in rows.iterator(chunk_size=5000):
        fact = fact_of(created_at=created_at, first_contact_at=first_contact_at, channel=channel, status=status,
                       page_url=page_url, utm_campaign=campaign, zone=zone)
        yield lead_id, *astuple(fact)


REBUILD_SUMS = """
INSERT INTO analytics_dailystat (day, dimension, key, leads, contacted, booked, lost)
SELECT f.day, d.dimension, d.key, count(*), count(*) FILTER (WHERE f.contacted),
       count(*) FILTER (WHERE f.status = 'booked'), count(*) FILTER (WHERE f.status = 'lost')
FROM analytics_leadfact f
CROSS JOIN LATERAL (VALUES ('all', ''), ('channel', f.channel), ('page', f.page), ('campaign', f.campaign),
                           ('hour', ((extract(isodow FROM f.day)::int - 1) * 24 + f.hour)::text)) AS d (dimension, key)
GROUP BY f.day, d.dimension, d.key
"""
REBUILD_MONTHS = """
INSERT INTO analytics_dailystat (day, dimension, key, leads, contacted, booked, lost)
SELECT date_trunc('month', day)::date, 'm:' || dimension, key, sum(leads), sum(contacted), sum(booked), sum(lost)
FROM analytics_dailystat GROUP BY 1, 2, 3
"""


def rebuild(zone: ZoneInfo | None = None) -> int:
    """Recompute the connection's workspace from its leads; the number of leads counted."""
    zone = zone or workspace_zone()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE analytics_leadfact IN EXCLUSIVE MODE")
        cursor.execute("DELETE FROM analytics_dailystat")
        cursor.execute("DELETE FROM analytics_leadfact")
        count = _copy(cursor, list(_facts(zone)))  # read before COPY: the connection does one thing at a time
        cursor.execute(REBUILD_SUMS)
        cursor.execute(REBUILD_MONTHS)
        cursor.execute("ANALYZE analytics_leadfact")  # the planner's statistics of the new rows
        cursor.execute("ANALYZE analytics_dailystat")
    return count


def _copy(cursor, rows: list[tuple]) -> int:
    count = 0
    with cursor.cursor.copy(f"COPY analytics_leadfact ({', '.join(FACT_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
