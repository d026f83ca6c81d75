"""The Analytics section: a period's figures against the period before, charts, breakdowns; every number leads
to the list of exactly those leads. A slow or failing analytics query leaves the page up with a notice."""

import logging
from urllib.parse import urlencode

from django.db import DatabaseError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from billing import entitlements
from core.errors import InvalidInput
from shared_apps.tenancy.decorators import permission_required
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.analytics import selectors
from tenant_apps.analytics.selectors import Figures, Period, Row
from tenant_apps.analytics.wording import POINTS, duration_text, trend

logger = logging.getLogger(__name__)

PRESETS = (7, 30, 90)
WEEKDAYS = ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"]
NOT_GIVEN = "(не указано)"
BAD_PRESET = f"Период задаётся кнопками {', '.join(map(str, PRESETS))} дней или датами «с» и «по»."


def leads_url(period: Period, **filters: str) -> str:
    """The leads list with the period and ``filters`` (the list page's names), blank ones left out."""
    query = {"from": period.start.isoformat(), "to": period.end.isoformat(), **filters}
    return reverse("dashboard:leads") + "?" + urlencode({name: value for name, value in query.items() if value})


def _cards(period: Period, current: Figures, previous: Figures) -> list[dict]:
    return [
        {"id": "leads", "label": "Заявки", "value": current.leads, "previous": previous.leads,
         "delta": trend(current.leads, previous.leads), "url": leads_url(period)},
        {"id": "contacted", "label": "Связались", "value": current.contacted, "previous": previous.contacted,
         "delta": trend(current.contacted, previous.contacted), "url": leads_url(period, contacted="true")},
        {"id": "booked", "label": "Записаны", "value": current.booked, "previous": previous.booked,
         "delta": trend(current.booked, previous.booked), "url": leads_url(period, status="booked")},
        {"id": "lost", "label": "Потеряны", "value": current.lost, "previous": previous.lost,
         "delta": trend(current.lost, previous.lost, lower_is_better=True), "url": leads_url(period, status="lost")},
        {"id": "conversion", "label": "Конверсия в запись", "value": f"{current.conversion:g}\u00a0%".replace(".", ","),
         "previous": f"{previous.conversion:g}\u00a0%".replace(".", ","), "url": leads_url(period, status="booked"),
         "delta": trend(current.conversion if current.leads else None,
                        previous.conversion if previous.leads else None, unit=POINTS)},
        {"id": "ttfc-median", "label": "Первый контакт, медиана", "value": duration_text(current.ttfc_median),
         "previous": duration_text(previous.ttfc_median), "url": leads_url(period, contacted="true"),
         "delta": trend(current.ttfc_median, previous.ttfc_median, lower_is_better=True)},
        {"id": "ttfc-p90", "label": "Первый контакт, 90 % лидов", "value": duration_text(current.ttfc_p90),
         "previous": duration_text(previous.ttfc_p90), "url": leads_url(period, contacted="true"),
         "delta": trend(current.ttfc_p90, previous.ttfc_p90, lower_is_better=True)},
    ]


def _rows(period: Period, rows: list[Row], filter_name: str) -> list[dict]:
    return [{"key": row.key or NOT_GIVEN, "row": row, "delta": trend(row.leads, row.previous_leads),
             "url": leads_url(period, **{filter_name: row.key}) if row.key else ""} for row in rows]


def _charts(period: Period, found: selectors.Dashboard, channels: list[Row], stages: list[selectors.Stage]) -> dict:
    """What analytics.js draws; every clickable element carries the leads list's address."""
    stage_filters = {"new": {}, "contacted": {"contacted": "true"}, "booked": {"status": "booked"}}
    return {
        "days": {
            "labels": [f"{day:%d.%m}" for day, _ in found.days],
            "current": [leads for _, leads in found.days],
            "previous": [leads for _, leads in found.previous_days],
            "previousLabels": [f"{day:%d.%m}" for day, _ in found.previous_days],
            "urls": [leads_url(Period(day, day)) for day, _ in found.days],
        },
        "heatmap": {
            "weekdays": WEEKDAYS, "hours": [f"{hour:02d}" for hour in range(24)],
            "cells": [[hour, weekday, leads] for weekday, row in enumerate(found.heatmap)
                      for hour, leads in enumerate(row) if leads],
            "max": max((leads for row in found.heatmap for leads in row), default=0),
            "url": leads_url(period),
        },
        "channels": {
            "labels": [selectors.channel_label(row.key) for row in channels],
            "leads": [row.leads for row in channels], "booked": [row.booked for row in channels],
            "urls": [leads_url(period, channel=row.key) for row in channels],
            "bookedUrls": [leads_url(period, channel=row.key, status="booked") for row in channels],
        },
        "funnel": {
            "stages": [{"name": stage.label, "value": stage.count, "rate": stage.rate,
                        "url": leads_url(period, **stage_filters[stage.stage])} for stage in stages],
        },
    }


def _period(request: WorkspaceRequest) -> tuple[Period | None, dict, str]:
    """The period of the address (``days`` = 7/30/90, or ``from``/``to``), the form's values and an error."""
    zone = request.tenant.timezone
    raw_from, raw_to = request.GET.get("from", "").strip(), request.GET.get("to", "").strip()
    days = request.GET.get("days", "").strip()
    preset = int(days) if days.isdigit() and int(days) in PRESETS else None
    if days and preset is None:
        return None, {"from": raw_from, "to": raw_to, "preset": None}, BAD_PRESET
    try:
        if preset and not (raw_from or raw_to):
            period = selectors.parse_period(None, None, zone, days=preset)
        else:
            period = selectors.parse_period(raw_from or None, raw_to or None, zone)
            preset = None if (raw_from or raw_to) else selectors.DEFAULT_DAYS
    except InvalidInput as exc:
        return None, {"from": raw_from, "to": raw_to, "preset": None}, exc.message
    return period, {"from": period.start.isoformat(), "to": period.end.isoformat(), "preset": preset}, ""


@require_GET
@permission_required(Perm.ANALYTICS_VIEW)
def analytics(request: WorkspaceRequest) -> HttpResponse:
    period, values, error = _period(request)
    context: dict = {"section": "analytics", "values": values, "error": error, "presets": PRESETS,
                     "unavailable": "", "found": None}
    if period is not None:
        try:
            with selectors.bounded():
                found = selectors.dashboard(period)
                channels = selectors.channels(period)
            stages = selectors.funnel(period, (found.current, found.previous))
        except (selectors.AnalyticsUnavailable, DatabaseError):
            logger.exception("analytics_unavailable", extra={"schema": request.tenant.schema_name})
            context["unavailable"] = selectors.UNAVAILABLE
        else:
            charts = _charts(period, found, channels, stages)
            context.update({
                "found": found, "period": period, "previous_period": period.previous(),
                "cards": _cards(period, found.current, found.previous),
                "pages": _rows(period, found.pages, "source"),
                "campaigns": _rows(period, found.campaigns, "utmCampaign"),
                "channel_rows": [{"label": selectors.channel_label(row.key), "row": row,
                                  "delta": trend(row.leads, row.previous_leads),
                                  "url": leads_url(period, channel=row.key)} for row in channels],
                "stages": [{"stage": stage, "url": chart["url"]} for stage, chart in
                           zip(stages, charts["funnel"]["stages"], strict=True)],
                "charts": charts,
                "can_export": entitlements.allows(request.tenant.client_account, entitlements.Feature.EXPORT),
                "export_query": urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()}),
                "has_leads": bool(found.current.leads or found.previous.leads),
            })
    return render(request, "dashboard/analytics.html", context, status=400 if error else 200)
