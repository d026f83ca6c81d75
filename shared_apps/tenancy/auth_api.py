"""Login API: a person's credentials → tokens valid for one of their workspaces (``tenantId``)."""

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Field, Router, Schema

from core.api_errors import ErrorOut
from core.api_schema import Email
from core.errors import DomainError, NotAllowed, RateLimited
from core.net import client_ip
from shared_apps.accounts import login_guard, signins
from shared_apps.accounts import services as accounts
from shared_apps.accounts.api import TokensOut, user_agent
from shared_apps.accounts.sessions import announce_login

from .models import Tenant
from .selectors import tenants_of

router = Router(tags=["auth"])


class WrongCredentials(DomainError):
    status = 401
    code = "unauthorized"
    default_message = "Неверный e-mail или пароль."


class LoginIn(Schema):
    email: Email = Field(max_length=254)
    password: str = Field(max_length=128)
    tenant_id: str | None = Field(None, alias="tenantId", max_length=40)


class ProfileOut(Schema):
    id: int
    email: Email
    name: str
    email_confirmed: bool = Field(serialization_alias="emailConfirmed")
    tenants: list[str]


class LoginOut(TokensOut):
    tenant_id: str = Field(serialization_alias="tenantId")
    user: ProfileOut


def _profile(user) -> dict:
    return {"id": user.pk, "email": user.email, "name": user.full_name, "email_confirmed": user.is_email_confirmed,
            "tenants": list(tenants_of(user).values_list("slug", flat=True))}


@router.post("/auth/login", response={200: LoginOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut}, by_alias=True,
             summary="login")
def login(request: HttpRequest, payload: LoginIn):
    email, ip = accounts.normalize_email(payload.email), client_ip(request)
    verdict = login_guard.begin(email, ip)
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after, login_guard.refusal_message(verdict.retry_after))
    user = authenticate(request, username=email, password=payload.password)
    if user is None:
        signins.sign_in_failed(email, signins.VIA_API)
        raise WrongCredentials
    login_guard.succeeded(email, ip)
    tenants = tenants_of(user)
    tenant: Tenant | None = tenants.filter(slug=payload.tenant_id).first() if payload.tenant_id else tenants.first()
    if payload.tenant_id and tenant is None:
        raise NotAllowed("Нет доступа к этому рабочему пространству.")
    slug = (tenant.slug or "") if tenant else ""
    pair = accounts.issue_token_pair(user, slug, ip=ip, user_agent=user_agent(request))
    signins.signed_in(user, signins.VIA_API, workspace=tenant)
    announce_login(user, ip, "api")
    return {"access_token": pair.access, "refresh_token": pair.refresh, "tenant_id": slug, "user": _profile(user)}


