from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from shared_apps.accounts.api_auth import TENANT_AUTH

from .models import Channel, Lead
from .selectors import LeadFilters, lead_detail, lead_list

router = Router(tags=["leads"], auth=TENANT_AUTH)


class LeadOut(Schema):
    id: int
    name: str
    phone: str
    email: str
    channel: str
    status: str
    page_url: str = Field(serialization_alias="pageUrl")
    created_at: datetime = Field(serialization_alias="createdAt")


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


class LeadQuery(Schema):
    status: Lead.Status | None = None
    channel: Channel | None = None
    page: int = Field(1, ge=1)
    page_size: int = Field(25, ge=1, le=100, alias="pageSize")


@router.get("/leads", response=LeadPage, by_alias=True, summary="getLeads")
def get_leads(request: HttpRequest, query: Query[LeadQuery]):
    leads = lead_list(LeadFilters(status=query.status, channel=query.channel))
    offset = (query.page - 1) * query.page_size
    return {
        "items": list(leads[offset : offset + query.page_size]),
        "total": leads.count(),
        "page": query.page,
        "page_size": query.page_size,
    }


@router.get("/leads/{lead_id}", response=LeadDetailOut, by_alias=True, summary="getLead")
def get_lead(request: HttpRequest, lead_id: int):
    lead = lead_detail(lead_id)
    if lead is None:
        raise HttpError(404, "Лид не найден.")
    return lead
