"""What the analytics pages and API read: a period's figures from the day sums, with the period just before it.

Every read is a few rows per day (``DailyStat``) except the time to first contact, whose median and 90th
percentile come from the per-lead seconds (``LeadFact``, an index on day and seconds): exact, not binned.
Callers run the reads inside ``bounded()``: an analytics query that outlives its own limit is cancelled by the
database and reported as ``AnalyticsUnavailable`` rather than holding a web worker.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from core.database import is_timeout
from core.db_router import read_connection, reading_from_replica
from core.errors import InvalidInput, ServiceBusy
from tenant_apps.leads.models import Channel

from .facts import MONTHLY

DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_ROWS = 20
BAD_DATE = "Укажите дату в формате ГГГГ-ММ-ДД."
BAD_RANGE = "Дата «с» позже даты «по»."
TOO_LONG = f"Период не длиннее {MAX_DAYS} дней."
UNAVAILABLE = "Аналитика сейчас не отвечает: запрос занял слишком много времени. Повторите через минуту."


class AnalyticsUnavailable(ServiceBusy):
    code = "analytics_unavailable"
    default_message = UNAVAILABLE


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # both included, days of the workspace's time zone

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]


def today_in(zone: str) -> date:
    return timezone.now().astimezone(ZoneInfo(zone)).date()


def _date(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(BAD_DATE, fields={name: BAD_DATE}) from None


def parse_period(date_from: str | None, date_to: str | None, zone: str, *, days: int = DEFAULT_DAYS) -> Period:
    """The period asked for: ``from``/``to`` (ISO dates, both included) or, without them, the last ``days`` days
    up to today in the workspace's zone. Bad dates, a range backwards or longer than a year: InvalidInput."""
    start, end = _date(date_from, "from"), _date(date_to, "to")
    if end is None:
        end = max(today_in(zone), start) if start else today_in(zone)
    if start is None:
        start = end - timedelta(days=days - 1)
    if start > end:
        raise InvalidInput(BAD_RANGE, fields={"from": BAD_RANGE})
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(TOO_LONG, fields={"to": TOO_LONG})
    return Period(start, end)


@contextmanager
def bounded() -> Iterator[None]:
    """The block's queries under analytics' own statement limit (``ANALYTICS_STATEMENT_TIMEOUT_MS``), in one
    read transaction, on the read replica when there is one; a timeout becomes AnalyticsUnavailable."""
    try:
        with reading_from_replica(), transaction.atomic(using=read_connection().alias):
            with read_connection().cursor() as cursor:
                # The percentiles sort up to a year of leads in memory rather than on disk.
                cursor.execute("SELECT set_config('statement_timeout', %s, true), set_config('work_mem', '32MB', true)",
                               [str(settings.ANALYTICS_STATEMENT_TIMEOUT_MS)])
            yield
    except DatabaseError as exc:
        if is_timeout(exc):
            raise AnalyticsUnavailable from exc
        raise


@dataclass(frozen=True)
class Figures:
    leads: int = 0
    contacted: int = 0
    booked: int = 0
    lost: int = 0
    ttfc_median: int | None = None  # seconds
    ttfc_p90: int | None = None

    @property
    def conversion(self) -> float:
        """Lead → booked, in percent."""
        return percent(self.booked, self.leads)


def percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass(frozen=True)
class Row:
    """One value of a breakdown (a channel, a page, a campaign) in the period, and its leads the period before."""

    key: str
    leads: int
    contacted: int
    booked: int
    lost: int
    previous_leads: int
    previous_booked: int

    @property
    def conversion(self) -> float:
        return percent(self.booked, self.leads)

    @property
    def previous_conversion(self) -> float:
        return percent(self.previous_booked, self.previous_leads)


@dataclass(frozen=True)
class Dashboard:
    period: Period
    previous_period: Period
    current: Figures
    previous: Figures
    days: list[tuple[date, int]]  # leads per day of the period
    previous_days: list[tuple[date, int]]
    heatmap: list[list[int]]  # [ISO weekday − 1][hour] → leads of the period
    pages: list[Row] = field(default_factory=list)
    campaigns: list[Row] = field(default_factory=list)


def _month_after(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _ranges(period: Period) -> tuple[list[tuple[date, date]], list[tuple[date, date]]]:
    """The period as day ranges and month ranges: its whole months are read from the month rows (the first day of
    each), only its ragged ends from the day rows."""
    first = period.start if period.start.day == 1 else _month_after(period.start)
    stop = (period.end + timedelta(days=1)).replace(day=1)  # the month after the last whole one
    if first >= stop:
        return [(period.start, period.end)], []
    days = [(start, end) for start, end in ((period.start, first - timedelta(days=1)), (stop, period.end))
            if start <= end]
    return days, [(first, stop - timedelta(days=1))]


def _covering(dimension: str, *periods: Period) -> tuple[str, list]:
    """A WHERE condition selecting the rows of ``dimension`` that make up ``periods``, and its parameters."""
    parts: list[str] = []
    params: list = []
    for period in periods:
        days, months = _ranges(period)
        for name, ranges in ((dimension, days), (MONTHLY + dimension, months)):
            for start, end in ranges:
                parts.append("(dimension = %s AND day BETWEEN %s AND %s)")
                params += [name, start, end]
    return "(" + " OR ".join(parts) + ")", params


def figures(period: Period, *, with_ttfc: bool = True) -> tuple[Figures, Figures]:
    """The period's figures and those of the period before it (times to first contact only when asked)."""
    sums: dict[bool, tuple[int, ...]] = {}
    where, params = _covering("all", period, period.previous())
    with read_connection().cursor() as cursor:
        cursor.execute(f"SELECT day >= %s, sum(leads), sum(contacted), sum(booked), sum(lost) "  # noqa: S608
                       f"FROM analytics_dailystat WHERE {where} GROUP BY 1", [period.start, *params])
        for current, *counts in cursor.fetchall():
            sums[current] = tuple(int(count) for count in counts)
    times = first_contact_times(period, period.previous()) if with_ttfc else [(None, None)] * 2
    return _figures(sums.get(True, (0, 0, 0, 0)), times[0]), _figures(sums.get(False, (0, 0, 0, 0)), times[1])


def short_figures(periods: list[Period]) -> list[tuple[Figures, Figures]]:
    """``figures`` of a few short periods (the overview's today, 7 and 30 days) in two queries: their day rows
    summed here, every period's and previous period's times to first contact in one pass."""
    spans = [span for period in periods for span in (period, period.previous())]
    first, last = min(span.start for span in spans), max(span.end for span in spans)
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT day, leads, contacted, booked, lost FROM analytics_dailystat WHERE dimension = 'all' "
                       "AND day BETWEEN %s AND %s", [first, last])
        days = cursor.fetchall()
    counts = [tuple(sum(row[column] for row in days if span.start <= row[0] <= span.end) for column in range(1, 5))
              for span in spans]
    times = first_contact_times(*spans)
    found = [_figures(counts[index], times[index]) for index in range(len(spans))]
    return list(zip(found[::2], found[1::2], strict=True))


def _figures(counts: tuple[int, ...], times: tuple[int | None, int | None]) -> Figures:
    leads, contacted, booked, lost = counts
    return Figures(leads, contacted, booked, lost, *times)


def first_contact_times(*periods: Period) -> list[tuple[int | None, int | None]]:
    """Median and 90th percentile of the seconds to the first contact of each period's leads, in one pass: exact,
    interpolated between the two nearest leads (PostgreSQL's ``percentile_cont``), rounded to whole seconds."""
    columns = ", ".join(["percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY ttfc_seconds) "
                         "FILTER (WHERE day BETWEEN %s AND %s)"] * len(periods))
    with read_connection().cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM analytics_leadfact WHERE ttfc_seconds IS NOT NULL "  # noqa: S608
            "AND day BETWEEN %s AND %s",
            [day for period in periods for day in (period.start, period.end)]
            + [min(period.start for period in periods), max(period.end for period in periods)])
        row = cursor.fetchone() or (None,) * len(periods)
    return [(round(found[0]), round(found[1])) if found else (None, None) for found in row]


def leads_per_day(period: Period) -> list[tuple[date, int]]:
    return leads_per_day_of(period)[0]


def leads_per_day_of(*periods: Period) -> list[list[tuple[date, int]]]:
    """Each period's leads per day, read in one query."""
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT day, leads FROM analytics_dailystat WHERE dimension = 'all' AND day BETWEEN %s AND %s",
                       [min(period.start for period in periods), max(period.end for period in periods)])
        found = dict(cursor.fetchall())
    return [[(day, found.get(day, 0)) for day in period.dates()] for period in periods]


def heatmap(period: Period) -> list[list[int]]:
    """Leads by weekday (Monday first) and hour of arrival, both in the workspace's time zone."""
    cells = [[0] * 24 for _ in range(7)]
    where, params = _covering("hour", period)
    with read_connection().cursor() as cursor:
        cursor.execute(f"SELECT key::int, sum(leads) FROM analytics_dailystat WHERE {where} GROUP BY 1",  # noqa: S608
                       params)
        for hour_of_week, leads in cursor.fetchall():
            cells[hour_of_week // 24][hour_of_week % 24] = int(leads)
    return cells


# The rows of both periods, each marked whether it is of the current one; LIMIT NULL is no limit.
BREAKDOWN = (
    "SELECT key, sum(leads) FILTER (WHERE recent), coalesce(sum(contacted) FILTER (WHERE recent), 0), "
    "coalesce(sum(booked) FILTER (WHERE recent), 0), coalesce(sum(lost) FILTER (WHERE recent), 0), "
    "coalesce(sum(leads) FILTER (WHERE NOT recent), 0), coalesce(sum(booked) FILTER (WHERE NOT recent), 0) "
    "FROM (SELECT key, leads, contacted, booked, lost, day >= %s AS recent FROM analytics_dailystat "
    "WHERE {where}) AS found GROUP BY key HAVING sum(leads) FILTER (WHERE recent) > 0 ORDER BY 2 DESC, key LIMIT %s"
)


def breakdown(dimension: str, period: Period, *, limit: int | None = TOP_ROWS) -> list[Row]:
    """The values of a breakdown with leads in the period (most leads first), each with the period before."""
    where, params = _covering(dimension, period, period.previous())
    with read_connection().cursor() as cursor:
        cursor.execute(BREAKDOWN.format(where=where), [period.start, *params, limit])
        return [Row(key, *(int(value) for value in values)) for key, *values in cursor.fetchall()]


def dashboard(period: Period, *, rows: int | None = TOP_ROWS) -> Dashboard:
    current, previous = figures(period)
    days, previous_days = leads_per_day_of(period, period.previous())
    return Dashboard(
        period=period, previous_period=period.previous(), current=current, previous=previous,
        days=days, previous_days=previous_days, heatmap=heatmap(period),
        pages=breakdown("page", period, limit=rows), campaigns=breakdown("campaign", period, limit=rows),
    )


def channels(period: Period) -> list[Row]:
    return breakdown("channel", period, limit=None)


def channel_label(value: str) -> str:
    return dict(Channel.choices).get(value, value)


@dataclass(frozen=True)
class Stage:
    stage: str  # new | contacted | booked: the list's filter of the stage
    label: str
    count: int
    previous_count: int
    rate: float  # percent of the stage before (of all leads for the first)
    of_leads: float  # percent of all leads


def funnel(period: Period, found: tuple[Figures, Figures] | None = None) -> list[Stage]:
    """Leads → reached a first contact → booked, with each stage's rate of the one before it (from ``found``,
    the period's figures, when the caller has them already)."""
    current, previous = found or figures(period, with_ttfc=False)
    steps = [("new", "Заявки", current.leads, previous.leads), ("contacted", "Связались", current.contacted,
             previous.contacted), ("booked", "Записаны", current.booked, previous.booked)]
    stages = []
    before = current.leads
    for stage, label, count, previous_count in steps:
        stages.append(Stage(stage, label, count, previous_count, percent(count, before) if stage != "new"
                            else (100.0 if count else 0.0), percent(count, current.leads)))
        before = count
    return stages
