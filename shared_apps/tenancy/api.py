"""Workspaces API: list/create on the public host, read/update the current one on its own host."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from billing.limits import LimitReached
from core.validation import CHECK_FIELDS
from shared_apps.accounts.api import FieldErrorsHttp
from shared_apps.accounts.api_auth import PLATFORM_AUTH, TENANT_AUTH, requires

from .models import Membership, Tenant
from .permissions import Perm
from .selectors import tenants_of
from .services import ProvisioningError
from .workspaces import create_workspace, subdomain_availability, update_workspace

public_router = Router(tags=["tenants"])
tenant_router = Router(tags=["tenant"], auth=TENANT_AUTH)


class TenantOut(Schema):
    tenant_id: str = Field(serialization_alias="tenantId")
    name: str
    description: str
    subdomain: str
    url: str
    site_domains: list[str] = Field(serialization_alias="siteDomains")
    timezone: str
    settings: dict
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


class AvailabilityOut(Schema):
    subdomain: str
    available: bool
    message: str


def _out(tenant: Tenant, role: str | None) -> dict:
    return {"tenant_id": tenant.slug, "name": tenant.name, "description": tenant.description,
            "subdomain": tenant.slug, "url": tenant.url, "site_domains": tenant.site_domains,
            "timezone": tenant.timezone, "settings": tenant.settings, "role": role, "created_at": tenant.created_at}


def _field_error(exc: ProvisioningError) -> FieldErrorsHttp:
    field = {"slug": "subdomain"}.get(exc.field, exc.field)
    return FieldErrorsHttp(400, CHECK_FIELDS, {field: exc.message})


@public_router.get("/tenants", response=list[TenantOut], by_alias=True, auth=PLATFORM_AUTH, summary="listTenants")
def list_tenants(request: HttpRequest):
    roles = dict(Membership.objects.filter(user=request.auth).values_list("tenant_id", "role"))
    return [_out(tenant, roles.get(tenant.pk)) for tenant in tenants_of(request.auth)]


@public_router.post("/tenants", response={201: TenantOut}, by_alias=True, auth=PLATFORM_AUTH, summary="createTenant")
def create_tenant(request: HttpRequest, payload: TenantCreateIn):
    user = request.auth
    if not user.is_email_confirmed:
        raise HttpError(403, "Подтвердите e-mail, чтобы создавать рабочие пространства.")
    try:
        tenant = create_workspace(user, name=payload.name, slug=payload.subdomain, description=payload.description,
                                  timezone=payload.timezone)
    except ProvisioningError as exc:
        raise _field_error(exc) from exc
    except LimitReached as exc:
        raise FieldErrorsHttp(exc.status_code, exc.message, {}, code=exc.code) from exc
    return Status(201, _out(tenant, Membership.Role.ADMIN))


@public_router.get("/tenants/availability", response=AvailabilityOut, auth=PLATFORM_AUTH,
                   summary="checkSubdomain")
def check_subdomain(request: HttpRequest, subdomain: str = ""):
    availability = subdomain_availability(subdomain)
    return {"subdomain": subdomain.strip().lower(), "available": availability.available,
            "message": availability.message}


@tenant_router.get("/tenant", response=TenantOut, by_alias=True, summary="getTenant")
@requires(Perm.TENANT_VIEW)
def get_tenant(request: HttpRequest):
    return _out(request.tenant, request.membership.role)


@tenant_router.patch("/tenant", response=TenantOut, by_alias=True, summary="updateTenant")
@requires(Perm.TENANT_EDIT)
def patch_tenant(request: HttpRequest, payload: TenantUpdateIn):
    try:
        tenant = update_workspace(
            request.tenant, name=payload.name, description=payload.description, slug=payload.subdomain,
            site_domains=payload.site_domains, timezone=payload.timezone, settings_data=payload.settings,
        )
    except ProvisioningError as exc:
        raise _field_error(exc) from exc
    return _out(tenant, request.membership.role)
