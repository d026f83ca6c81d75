"""Onboarding API on the public host: sign up (``/auth/register``); list, check and create one's workspaces
(``/tenants``)."""

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from core.api_errors import ErrorOut
from core.api_schema import Email
from core.errors import NotAllowed
from core.net import client_ip
from shared_apps.accounts import services as accounts
from shared_apps.accounts.api import TokensOut, user_agent
from shared_apps.accounts.api_auth import PLATFORM_AUTH
from shared_apps.accounts.http import AuthenticatedRequest
from shared_apps.accounts.sessions import announce_login
from shared_apps.tenancy.api import TenantCreateIn, TenantOut, tenant_out
from shared_apps.tenancy.models import Membership
from shared_apps.tenancy.selectors import tenants_of
from shared_apps.tenancy.workspaces import subdomain_availability

from .services import create_workspace, register_user

router = Router(tags=["onboarding"])


class AvailabilityOut(Schema):
    subdomain: str
    available: bool
    message: str


class RegisterIn(Schema):
    email: Email = Field(max_length=254)
    password: str = Field(max_length=128)
    name: str = Field(max_length=150)
    company: str = Field(max_length=200)


class RegisterOut(TokensOut):
    user_id: int = Field(serialization_alias="userId")
    tenant_id: str = Field(serialization_alias="tenantId")
    email_confirmed: bool = Field(serialization_alias="emailConfirmed")


@router.post("/auth/register", response={201: RegisterOut, 409: ErrorOut, 429: ErrorOut}, by_alias=True,
             summary="register")
def register(request: HttpRequest, payload: RegisterIn):
    ip = client_ip(request)
    registration = register_user(email=payload.email, password=payload.password, name=payload.name,
                                 company=payload.company, ip=ip)
    tenant = registration.tenant
    pair = accounts.issue_token_pair(registration.user, tenant.slug or "", ip=ip, user_agent=user_agent(request))
    announce_login(registration.user, ip, "signup")
    return Status(201, {"user_id": registration.user.pk, "tenant_id": tenant.slug, "access_token": pair.access,
                 "refresh_token": pair.refresh, "email_confirmed": registration.user.is_email_confirmed})


@router.post("/tenants", response={201: TenantOut, 402: ErrorOut}, by_alias=True, auth=PLATFORM_AUTH,
             summary="createTenant")
def create_tenant(request: AuthenticatedRequest, payload: TenantCreateIn):
    user = request.auth
    if not user.is_email_confirmed:
        raise NotAllowed("Подтвердите e-mail, чтобы создавать рабочие пространства.")
    tenant = create_workspace(user, name=payload.name, slug=payload.subdomain, description=payload.description,
                              timezone=payload.timezone)
    return Status(201, tenant_out(tenant, Membership.Role.ADMIN))


@router.get("/tenants", response=list[TenantOut], by_alias=True, auth=PLATFORM_AUTH, summary="listTenants")
def list_tenants(request: AuthenticatedRequest):
    roles = dict(Membership.objects.filter(user=request.auth).values_list("tenant_id", "role"))
    return [tenant_out(tenant, roles.get(tenant.pk)) for tenant in tenants_of(request.auth)]


@router.get("/tenants/availability", response=AvailabilityOut, auth=PLATFORM_AUTH,
                   summary="checkSubdomain")
def check_subdomain(request: HttpRequest, subdomain: str = ""):
    availability = subdomain_availability(subdomain)
    return {"subdomain": subdomain.strip().lower(), "available": availability.available,
            "message": availability.message}
