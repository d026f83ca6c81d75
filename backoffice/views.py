"""The «Бизнес-метрики» page of the platform admin: the current figures and their charts over 30/90/365 days."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from core.text import NBSP, whole_rubles

from . import business_metrics
from .models import BusinessDay

if TYPE_CHECKING:
    from django.contrib.admin import AdminSite

PERIODS = (30, 90, 365)


def _percent(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.1f}".replace(".", ",") + f"{NBSP}%"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds >= 3600:  # hours and minutes: «9 ч 44 мин», not «584 мин 27 с»
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours}{NBSP}ч {minutes}{NBSP}мин" if minutes else f"{hours}{NBSP}ч"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}{NBSP}мин {rest}{NBSP}с" if minutes else f"{rest}{NBSP}с"


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def tiles(row: BusinessDay | None) -> list[dict[str, str]]:
    if row is None:
        return []
    arpu = row.arpu_kopecks
    return [
        {"label": "Регистраций сегодня", "value": str(row.registrations)},
        {"label": "Конверсия пробный → платный (30 дней)", "value": _percent(row.trial_conversion),
         "hint": f"{row.trials_converted_30d} из {row.trials_ended_30d}"},
        {"label": "Отток за неделю", "value": _percent(row.weekly_churn),
         "hint": f"{row.paying_lost_7d} из {row.paying_7d_ago}"},
        {"label": "MRR", "value": whole_rubles(row.mrr_kopecks)},
        {"label": "ARPU", "value": whole_rubles(arpu) if arpu is not None else "—",
         "hint": f"платящих аккаунтов: {row.paying_accounts}"},
        {"label": "Активных рабочих пространств", "value": str(row.active_workspaces)},
        {"label": "Лидов сегодня", "value": str(row.leads_processed)},
        {"label": "Первый контакт, медиана (24 ч)", "value": _duration(row.first_contact_median_seconds),
         "hint": f"95-й перцентиль: {_duration(row.first_contact_p95_seconds)}"},
    ]


def chart_data(rows: list[BusinessDay]) -> dict[str, Any]:
    def ratio(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 1)

    def minutes(seconds: float | None) -> float | None:
        return _rounded(None if seconds is None else seconds / 60)

    return {
        "labels": [f"{row.day:%d.%m.%y}" for row in rows],
        "registrations": [row.registrations for row in rows],
        "trialsStarted": [row.trials_started for row in rows],
        "conversion": [ratio(row.trial_conversion) for row in rows],
        "churn": [ratio(row.weekly_churn) for row in rows],
        "mrr": [row.mrr_kopecks // 100 for row in rows],
        "arpu": [None if row.arpu_kopecks is None else row.arpu_kopecks // 100 for row in rows],
        "active": [row.active_workspaces for row in rows],
        "leads": [row.leads_processed for row in rows],
        "firstContactMedian": [minutes(row.first_contact_median_seconds) for row in rows],
        "firstContactP95": [minutes(row.first_contact_p95_seconds) for row in rows],
    }


def business_metrics_page(site: AdminSite, request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", PERIODS[0]))
    except ValueError:
        days = PERIODS[0]
    days = days if days in PERIODS else PERIODS[0]
    today = business_metrics.today(timezone.now())
    rows = list(BusinessDay.objects.filter(day__gt=today - timedelta(days=days)).order_by("day"))
    latest = BusinessDay.objects.order_by("-day").first()
    context = {
        **site.each_context(request),
        "title": "Бизнес-метрики",
        "subtitle": None,
        "days": days,
        "periods": PERIODS,
        "tiles": tiles(latest),
        "latest": latest,
        "charts": chart_data(rows),
        "has_rows": bool(rows),
    }
    request.current_app = site.name
    return TemplateResponse(request, "backoffice/business_metrics.html", context)
