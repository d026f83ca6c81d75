import csv
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import BeforeValidator

from billing import entitlements
from core.api_schema import LeadEmail, LeadPageUrl, LeadPhone
from core.database import statement_timeout
from core.errors import InvalidInput, NotFound
from shared_apps.tenancy.api_auth import TENANT_AUTH, requires
from shared_apps.tenancy.http import WorkspaceRequest
from shared_apps.tenancy.masking import mask_email, mask_phone
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.permissions import Perm, has_permission

from .models import Channel, Lead
from .selectors import DEFAULT_SORT, UNASSIGNED, LeadFilters, lead_detail, lead_list, lead_page

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
    next_cursor: str | None = Field(serialization_alias="nextCursor")
    total: int


def _blank_is_all(value: object) -> object:
    """``?status=&channel=`` is what a filter form sends for «Все»: no filter, not a bad value."""
    return None if value == "" else value


Blank = BeforeValidator(_blank_is_all)
NOT_A_MEMBER = "Нет такого сотрудника в рабочем пространстве."


class LeadFilterQuery(Schema):
    """The list's filters, shared by the list, the export and the cabinet's page."""

    status: Annotated[Lead.Status | None, Blank] = None
    channel: Annotated[Channel | None, Blank] = None
    date_from: Annotated[date | None, Blank] = Field(None, alias="from")
    date_to: Annotated[date | None, Blank] = Field(None, alias="to")
    assigned: Annotated[str | None, Blank] = Field(None, pattern=rf"^(\d{{1,18}}|{UNASSIGNED})$")
    source_page: Annotated[str | None, Blank] = Field(None, max_length=2000, alias="sourcePage")
    utm_source: Annotated[str | None, Blank] = Field(None, max_length=200, alias="utmSource")
    utm_medium: Annotated[str | None, Blank] = Field(None, max_length=200, alias="utmMedium")
    utm_campaign: Annotated[str | None, Blank] = Field(None, max_length=200, alias="utmCampaign")
    q: Annotated[str | None, Blank] = Field(None, max_length=200)
    sort: Annotated[Literal["-createdAt", "createdAt", "name", "-name", "status"] | None, Blank] = None

    def filters(self, tenant: Tenant) -> LeadFilters:
        """Raises InvalidInput for what one field alone cannot tell: a range backwards, a stranger as operator."""
        assigned: int | str | None = self.assigned
        if self.assigned and self.assigned != UNASSIGNED:
            assigned = int(self.assigned)
            if not tenant.memberships.filter(user_id=assigned).exists():
                raise InvalidInput(NOT_A_MEMBER, fields={"assigned": NOT_A_MEMBER})
        return LeadFilters(
            status=self.status, channel=self.channel, date_from=self.date_from, date_to=self.date_to,
            time_zone=tenant.timezone, assigned=assigned, page=self.source_page, utm_source=self.utm_source,
            utm_medium=self.utm_medium, utm_campaign=self.utm_campaign, search=(self.q or "").strip() or None,
            sort=self.sort or DEFAULT_SORT,
        )


class LeadQuery(LeadFilterQuery):
    cursor: Annotated[str | None, Blank] = Field(None, max_length=500)
    limit: int = Field(25, ge=1, le=100)


EXPORT_DOCS = {"responses": {200: {"description": "Лиды в CSV (UTF-8 с BOM, разделитель «;»), файлом.",
                                   "content": {"text/csv": {"schema": {"type": "string"}}}}}}


class ExportQuery(LeadFilterQuery):
    format: str = Field("csv", pattern="^csv$")


@router.get("/leads", response=LeadPage, by_alias=True, summary="getLeads")
@requires(Perm.LEADS_VIEW)
def get_leads(request: WorkspaceRequest, query: Query[LeadQuery]):
    filters = query.filters(request.tenant)
    page = lead_page(filters, cursor=query.cursor, limit=query.limit)
    return {"items": page.items, "next_cursor": page.next_cursor, "total": lead_list(filters).count()}


@router.get("/leads/export", summary="exportLeads", openapi_extra=EXPORT_DOCS)
@requires(Perm.LEADS_EXPORT)
def export_leads(request: WorkspaceRequest, query: Query[ExportQuery]):
    entitlements.check_feature(request.tenant.client_account, entitlements.Feature.EXPORT)
    leads = lead_list(query.filters(request.tenant))
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
