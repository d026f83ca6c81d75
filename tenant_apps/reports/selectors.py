"""Reads for the overview's cards and the weekly report: a period's figures against the previous equal period,
from the same per-day aggregates as the analytics page (the same numbers everywhere)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tenant_apps.analytics import selectors as analytics
from tenant_apps.analytics.selectors import Figures, Period
from tenant_apps.analytics.wording import POINTS, Trend, decimal, duration_text, trend

from .models import AlertSettings, ReportOptOut

PERIODS = (("today", "Сегодня", 1, "по сравнению со вчерашним днём"),
           ("7d", "7 дней", 7, "по сравнению с предыдущими 7 днями"),
           ("30d", "30 дней", 30, "по сравнению с предыдущими 30 днями"))


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: str
    trend: Trend


@dataclass(frozen=True)
class PeriodCard:
    key: str
    label: str
    compared_with: str
    current: Figures
    previous: Figures
    figures: list[Figure]


def compare(current: Figures, previous: Figures) -> list[Figure]:
    return [
        Figure("leads", "Заявки", str(current.leads), trend(current.leads, previous.leads)),
        Figure("contacted", "Связались", str(current.contacted), trend(current.contacted, previous.contacted)),
        Figure("booked", "Записались", str(current.booked), trend(current.booked, previous.booked)),
        Figure("conversion", "Конверсия в запись", f"{decimal(current.conversion)} %",
               trend(current.conversion if current.leads else None,
                     previous.conversion if previous.leads else None, unit=POINTS)),
        Figure("first_contact", "Медиана до первого контакта", duration_text(current.ttfc_median),
               trend(current.ttfc_median, previous.ttfc_median, lower_is_better=True)),
    ]


def day_start(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(zone))


def local_today(now: datetime, zone: str) -> date:
    return now.astimezone(ZoneInfo(zone)).date()


def overview_cards(now: datetime, zone: str) -> list[PeriodCard]:
    """Today, the last 7 and the last 30 days (whole days in the workspace's time zone, today included), each
    against the equal number of days just before it."""
    today = local_today(now, zone)
    found = analytics.short_figures([Period(today - timedelta(days=days - 1), today) for _, _, days, _ in PERIODS])
    return [PeriodCard(key, label, compared_with, current, previous, compare(current, previous))
            for (key, label, _, compared_with), (current, previous) in zip(PERIODS, found, strict=True)]


@dataclass(frozen=True)
class WeekReport:
    first_day: date  # the report's Monday
    last_day: date  # its Sunday
    current: Figures
    previous: Figures
    figures: list[Figure]
    per_day: list[tuple[date, int]]
    channels: list[tuple[str, int]]  # (label, leads), the most first


def week_report(first_day: date) -> WeekReport:
    """The figures of the week from Monday ``first_day`` against the week before, per day and by channel."""
    period = Period(first_day, first_day + timedelta(days=6))
    current, previous = analytics.figures(period)
    channels = [(analytics.channel_label(row.key), row.leads) for row in analytics.channels(period)[:5]]
    return WeekReport(first_day, period.end, current, previous, compare(current, previous),
                      analytics.leads_per_day(period), channels)


def alert_settings() -> AlertSettings:
    """The current schema's alert settings; the defaults (unsaved) until an admin saves them."""
    return AlertSettings.objects.first() or AlertSettings()


def wants_weekly_report(user_id: int) -> bool:
    return not ReportOptOut.objects.filter(user_id=user_id).exists()
