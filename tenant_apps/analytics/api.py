"""``/api/v1/analytics/*``: a period's figures (dashboard, channels, funnel) and their CSV."""

import csv
import io
from collections.abc import Callable
from datetime import date

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from billing import entitlements
from shared_apps.audit import services as audit
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.permissions import Perm
from tenant_apps.leads.exports import safe_cell

from . import selectors
from .selectors import Figures, Period, Row, Stage

router = Router(tags=["analytics"], auth=TENANT_AUTH)


class PeriodQuery(Schema):
    date_from: str | None = Field(None, alias="from", max_length=20, description="ГГГГ-ММ-ДД, включительно")
    date_to: str | None = Field(None, alias="to", max_length=20, description="ГГГГ-ММ-ДД, включительно")

    def period(self, request: WorkspaceRequest) -> Period:
        return selectors.parse_period(self.date_from, self.date_to, request.tenant.timezone)


class PeriodOut(Schema):
    start: date = Field(serialization_alias="from")
    end: date = Field(serialization_alias="to")


class FiguresOut(Schema):
    leads: int
    contacted: int
    booked: int
    lost: int
    conversion: float = Field(description="Лид → запись, %")
    ttfc_median: int | None = Field(serialization_alias="ttfcMedianSeconds")
    ttfc_p90: int | None = Field(serialization_alias="ttfcP90Seconds")


class DayOut(Schema):
    date: date
    leads: int


class RowOut(Schema):
    key: str
    leads: int
    contacted: int
    booked: int
    lost: int
    conversion: float
    previous_leads: int = Field(serialization_alias="previousLeads")
    previous_conversion: float = Field(serialization_alias="previousConversion")


class ChannelOut(RowOut):
    label: str


class DashboardOut(Schema):
    period: PeriodOut
    previous_period: PeriodOut = Field(serialization_alias="previousPeriod")
    current: FiguresOut
    previous: FiguresOut
    days: list[DayOut]
    previous_days: list[DayOut] = Field(serialization_alias="previousDays")
    heatmap: list[list[int]] = Field(description="[день недели с понедельника][час 0–23] → лидов")
    pages: list[RowOut]
    campaigns: list[RowOut]


class ChannelsOut(Schema):
    period: PeriodOut
    previous_period: PeriodOut = Field(serialization_alias="previousPeriod")
    channels: list[ChannelOut]


class StageOut(Schema):
    stage: str
    label: str
    count: int
    previous_count: int = Field(serialization_alias="previousCount")
    rate: float = Field(description="% от предыдущего этапа")
    of_leads: float = Field(serialization_alias="ofLeads", description="% от всех заявок")


class FunnelOut(Schema):
    period: PeriodOut
    previous_period: PeriodOut = Field(serialization_alias="previousPeriod")
    stages: list[StageOut]


def _days(days: list[tuple[date, int]]) -> list[dict]:
    return [{"date": day, "leads": leads} for day, leads in days]


@router.get("/analytics/dashboard", response=DashboardOut, by_alias=True, summary="getAnalyticsDashboard")
@requires(Perm.ANALYTICS_VIEW)
def get_dashboard(request: WorkspaceRequest, query: Query[PeriodQuery]):
    period = query.period(request)
    with selectors.bounded():
        found = selectors.dashboard(period)
    return {**found.__dict__, "days": _days(found.days), "previous_days": _days(found.previous_days)}


@router.get("/analytics/channels", response=ChannelsOut, by_alias=True, summary="getAnalyticsChannels")
@requires(Perm.ANALYTICS_VIEW)
def get_channels(request: WorkspaceRequest, query: Query[PeriodQuery]):
    period = query.period(request)
    with selectors.bounded():
        rows = selectors.channels(period)
    return {"period": period, "previous_period": period.previous(),
            "channels": [{**_row(row), "label": selectors.channel_label(row.key)} for row in rows]}


@router.get("/analytics/funnel", response=FunnelOut, by_alias=True, summary="getAnalyticsFunnel")
@requires(Perm.ANALYTICS_VIEW)
def get_funnel(request: WorkspaceRequest, query: Query[PeriodQuery]):
    period = query.period(request)
    with selectors.bounded():
        stages = selectors.funnel(period)
    return {"period": period, "previous_period": period.previous(), "stages": stages}


def _row(row: Row) -> dict:
    return {**row.__dict__, "conversion": row.conversion, "previous_conversion": row.previous_conversion}


EXPORT_DOCS = {"responses": {200: {"description": "Аналитика за период в CSV (UTF-8 с BOM, разделитель «;»).",
                                   "content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get("/analytics/export", summary="exportAnalytics", openapi_extra=EXPORT_DOCS)
@requires(Perm.ANALYTICS_VIEW)
def export_analytics(request: WorkspaceRequest, query: Query[PeriodQuery]):
    entitlements.check_feature(request.tenant.client_account, entitlements.Feature.EXPORT)
    period = query.period(request)
    with selectors.bounded():
        found = selectors.dashboard(period, rows=None)
        channels = selectors.channels(period)
    stages = selectors.funnel(period, (found.current, found.previous))
    audit.record("export.analytics", actor=request.user, workspace=request.tenant, target="Аналитика",
                 details={"format": "CSV", "period": f"{period.start:%d.%m.%Y}–{period.end:%d.%m.%Y}"})
    response = HttpResponse(csv_text(found, channels, found.pages, found.campaigns, stages),
                            content_type="text/csv; charset=utf-8")
    name = f"analytics-{request.tenant.slug}-{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _number(value: float | int | None) -> str:
    return "" if value is None else str(value).replace(".", ",")  # Russian Excel's decimal comma


def csv_text(found: selectors.Dashboard, channels: list[Row], pages: list[Row], campaigns: list[Row],
             stages: list[Stage]) -> str:
    """One sheet, blocks one under another; UTF-8 with BOM and ';' so that Russian Excel opens it as a table."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    period, previous = found.period, found.previous_period
    writer.writerow(["Показатель", f"{period.start:%d.%m.%Y}–{period.end:%d.%m.%Y}",
                     f"{previous.start:%d.%m.%Y}–{previous.end:%d.%m.%Y}"])
    for label, value in _figure_rows(found.current, found.previous):
        writer.writerow([label, *value])
    writer.writerow([])
    writer.writerow(["Этап воронки", "Лидов", "% от предыдущего этапа", "% от заявок", "Лидов в прошлом периоде"])
    for stage in stages:
        writer.writerow([stage.label, stage.count, _number(stage.rate), _number(stage.of_leads),
                         stage.previous_count])
    writer.writerow([])
    writer.writerow(["День", "Лидов"])
    for day, leads in found.days:
        writer.writerow([f"{day:%d.%m.%Y}", leads])
    blocks: list[tuple[str, list[Row], Callable[[str], str] | None]] = [
        ("Канал", channels, selectors.channel_label), ("Страница", pages, None), ("UTM-кампания", campaigns, None)]
    for title, rows, name_of in blocks:
        writer.writerow([])
        writer.writerow([title, "Лидов", "Связались", "Записаны", "Потеряны", "Конверсия в запись, %",
                         "Лидов в прошлом периоде"])
        for row in rows:
            name = name_of(row.key) if name_of else (safe_cell(row.key) or "(не указано)")
            writer.writerow([name, row.leads, row.contacted, row.booked, row.lost, _number(row.conversion),
                             row.previous_leads])
    return out.getvalue()


def _figure_rows(current: Figures, previous: Figures) -> list[tuple[str, tuple]]:
    return [
        ("Лидов", (current.leads, previous.leads)),
        ("Связались", (current.contacted, previous.contacted)),
        ("Записаны", (current.booked, previous.booked)),
        ("Потеряны", (current.lost, previous.lost)),
        ("Конверсия в запись, %", (_number(current.conversion), _number(previous.conversion))),
        ("Время до первого контакта, медиана, с", (_number(current.ttfc_median), _number(previous.ttfc_median))),
        ("Время до первого контакта, 90-й перцентиль, с", (_number(current.ttfc_p90), _number(previous.ttfc_p90))),
    ]
