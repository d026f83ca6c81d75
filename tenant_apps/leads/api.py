import csv
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from billing import entitlements
from core.api_schema import LeadEmail, LeadPageUrl, LeadPhone
from core.database import statement_timeout
from core.errors import NotFound
from core.validation import MAX_PAGE
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.masking import mask_email, mask_phone
from shared_apps.tenancy.permissions import Perm, has_permission

from .models import Channel, Lead
from .selectors import LeadFilters, lead_detail, lead_list

router = Router(tags=["leads"], auth=TENANT_AUTH)

EXPORT_COLUMNS = ["id", "Имя", "Телефон", "E-mail", "Канал", "Статус", "Страница", "utm_source", "utm_medium",
                  "utm_campaign", "Создан"]


def _sees_contacts(request: HttpRequest) -> bool:
    return has_permission(getattr(request, "membership", None), Perm.CONTACTS_UNMASKED)


class LeadOut(Schema):
    id: int
    name: str
    phone: LeadPhone
    email: LeadEmail
    channel: str
    status: str
    page_url: LeadPageUrl = Field(serialization_alias="pageUrl")
    created_at: datetime = Field(serialization_alias="createdAt")

    @staticmethod
    def resolve_phone(obj: Lead, context: dict) -> str:
        return obj.phone if _sees_contacts(context["request"]) else mask_phone(obj.phone)

    @staticmethod
    def resolve_email(obj: Lead, context: dict) -> str:
        return obj.email if _sees_contacts(context["request"]) else mask_email(obj.email)


class LeadEventOut(Schema):
    kind: str
    text: str
    channel: str
    created_at: datetime = Field(serialization_alias="createdAt")


class LeadDetailOut(LeadOut):
    events: list[LeadEventOut]


class LeadPage(Schema):
    items: list[LeadOut]
    total: int
    page: int
    page_size: int = Field(serialization_alias="pageSize")


def _blank_is_all(value: object) -> object:
    """``?status=&channel=`` is what a filter form sends for «Все»: no filter, not a bad value."""
    return None if value == "" else value


class LeadFilterQuery(Schema):
    status: Annotated[Lead.Status | None, BeforeValidator(_blank_is_all)] = None
    channel: Annotated[Channel | None, BeforeValidator(_blank_is_all)] = None


class LeadQuery(LeadFilterQuery):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(25, ge=1, le=100, alias="pageSize")


EXPORT_DOCS = {"responses": {200: {"description": "Лиды в CSV (UTF-8 с BOM, разделитель «;»), файлом.",
                                   "content": {"text/csv": {"schema": {"type": "string"}}}}}}


class ExportQuery(LeadFilterQuery):
    format: str = Field("csv", pattern="^csv$")


@router.get("/leads", response=LeadPage, by_alias=True, summary="getLeads")
@requires(Perm.LEADS_VIEW)
def get_leads(request: WorkspaceRequest, query: Query[LeadQuery]):
    leads = lead_list(LeadFilters(status=query.status, channel=query.channel))
    offset = (query.page - 1) * query.page_size
    return {
        "items": list(leads[offset : offset + query.page_size]),
        "total": leads.count(),
        "page": query.page,
        "page_size": query.page_size,
    }


@router.get("/leads/export", summary="exportLeads", openapi_extra=EXPORT_DOCS)
@requires(Perm.LEADS_EXPORT)
def export_leads(request: WorkspaceRequest, query: Query[ExportQuery]):
    entitlements.check_feature(request.tenant.client_account, entitlements.Feature.EXPORT)
    leads = lead_list(LeadFilters(status=query.status, channel=query.channel)).order_by("-created_at", "-id")
    unmasked = _sees_contacts(request)
    response = StreamingHttpResponse(_csv_rows(leads, unmasked), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response["Content-Disposition"] = f'attachment; filename="leads-{request.tenant.slug}-{stamp}.csv"'
    return response


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A whole workspace's leads stream in chunks; one chunk may take longer than a request's usual limit.
EXPORT_STATEMENT_TIMEOUT_SECONDS = 120


def _cell(value: str) -> str:
    """Visitor-typed text must not run as a spreadsheet formula (CSV injection)."""
    return f"'{value}" if value.startswith(FORMULA_PREFIXES) else value


def _csv_rows(leads, unmasked: bool) -> Iterator[str]:
    """UTF-8 with BOM and ';' so that Russian Excel opens it as a table."""

    class Line:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Line(), delimiter=";")
    yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
    with statement_timeout(EXPORT_STATEMENT_TIMEOUT_SECONDS):
        yield from _lead_lines(writer, leads, unmasked)


def _lead_lines(writer, leads, unmasked: bool) -> Iterator[str]:
    for lead in leads.iterator(chunk_size=2000):
        yield writer.writerow([
            lead.pk, _cell(lead.name),
            lead.phone if unmasked else mask_phone(lead.phone),
            _cell(lead.email if unmasked else mask_email(lead.email)),
            lead.get_channel_display(), lead.get_status_display(), _cell(lead.page_url),
            _cell(lead.utm_source), _cell(lead.utm_medium), _cell(lead.utm_campaign),
            timezone.localtime(lead.created_at).strftime("%d.%m.%Y %H:%M"),
        ])


@router.get("/leads/{lead_id}", response=LeadDetailOut, by_alias=True, summary="getLead")
@requires(Perm.LEADS_VIEW)
def get_lead(request: WorkspaceRequest, lead_id: int):
    lead = lead_detail(lead_id)
    if lead is None:
        raise NotFound("Лид не найден.")
    return lead
