"""Workspace API of the current workspace on its own host: read and update it (listing and creating
workspaces on the public host is onboarding's)."""

from datetime import datetime

from django.db import transaction
from ninja import Field, Router, Schema

from core.api_schema import Url
from core.net import client_ip

from .api_auth import TENANT_AUTH, requires
from .http import WorkspaceRequest
from .models import RETENTION_MONTHS, Tenant
from .permissions import Perm
from .retention import set_retention
from .workspaces import update_workspace

tenant_router = Router(tags=["tenant"], auth=TENANT_AUTH)


class TenantOut(Schema):
    tenant_id: str = Field(serialization_alias="tenantId")
    name: str
    description: str
    subdomain: str
    url: Url
    site_domains: list[str] = Field(serialization_alias="siteDomains")
    timezone: str
    settings: dict
    personal_data_retention_months: int | None = Field(
        serialization_alias="personalDataRetentionMonths",
        description="Через сколько месяцев после поступления обезличивать лидов (152-ФЗ); null — хранить бессрочно.")
    role: str | None = None
    created_at: datetime = Field(serialization_alias="createdAt")


class TenantCreateIn(Schema):
    name: str = Field(max_length=200)
    subdomain: str | None = Field(None, max_length=40)
    description: str = Field("", max_length=1000)
    timezone: str = Field("Europe/Moscow", max_length=64)


class TenantUpdateIn(Schema):
    name: str | None = Field(None, max_length=200)
    subdomain: str | None = Field(None, max_length=40)
    description: str | None = Field(None, max_length=1000)
    site_domains: list[str] | None = Field(None, alias="siteDomains", max_length=20)
    timezone: str | None = Field(None, max_length=64)
    settings: dict | None = None
    personal_data_retention_months: int | None = Field(
        None, alias="personalDataRetentionMonths", ge=RETENTION_MONTHS[0], le=RETENTION_MONTHS[1],
        description="Срок хранения персональных данных лидов в месяцах (1–120); null — бессрочно. Не передан — "
                    "не меняется.")


def tenant_out(tenant: Tenant, role: str | None) -> dict:
    return {"tenant_id": tenant.slug, "name": tenant.name, "description": tenant.description,
            "subdomain": tenant.slug, "url": tenant.url, "site_domains": tenant.site_domains,
            "timezone": tenant.timezone, "settings": tenant.settings,
            "personal_data_retention_months": tenant.personal_data_retention_months, "role": role,
            "created_at": tenant.created_at}


@tenant_router.get("/tenant", response=TenantOut, by_alias=True, summary="getTenant")
@requires(Perm.TENANT_VIEW)
def get_tenant(request: WorkspaceRequest):
    return tenant_out(request.tenant, request.membership.role)


@tenant_router.patch("/tenant", response=TenantOut, by_alias=True, summary="updateTenant")
@requires(Perm.TENANT_EDIT)
def patch_tenant(request: WorkspaceRequest, payload: TenantUpdateIn):
    with transaction.atomic():
        tenant = update_workspace(
            request.tenant, name=payload.name, description=payload.description, slug=payload.subdomain,
            site_domains=payload.site_domains, timezone=payload.timezone, settings_data=payload.settings,
        )
        if "personal_data_retention_months" in payload.model_fields_set:
            set_retention(tenant, payload.personal_data_retention_months, actor=request.user, ip=client_ip(request))
    return tenant_out(tenant, request.membership.role)
