"""Platform API: register, login, refresh, logout (public host, JSON in camelCase)."""

import logging

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from core.errors import RateLimited
from core.validation import CHECK_FIELDS
from shared_apps.tenancy.models import Tenant
from shared_apps.tenancy.selectors import tenants_of

from . import login_guard, services
from .jwt_tokens import InvalidToken
from .sessions import client_ip

logger = logging.getLogger(__name__)
router = Router(tags=["auth"])


class FieldErrorsHttp(HttpError):
    def __init__(self, status: int, message: str, fields: dict[str, str], code: str = "validation_error") -> None:
        super().__init__(status, message)
        self.fields = fields
        self.code = code


class RegisterIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)
    name: str = Field(max_length=150)
    company: str = Field(max_length=200)


class LoginIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)
    tenant_id: str | None = Field(None, alias="tenantId", max_length=40)


class RefreshIn(Schema):
    refresh_token: str = Field(alias="refreshToken", max_length=2000)


class TokensOut(Schema):
    access_token: str = Field(serialization_alias="accessToken")
    refresh_token: str = Field(serialization_alias="refreshToken")
    token_type: str = Field("Bearer", serialization_alias="tokenType")
    expires_in: int = Field(900, serialization_alias="expiresIn")


class RegisterOut(TokensOut):
    user_id: int = Field(serialization_alias="userId")
    tenant_id: str = Field(serialization_alias="tenantId")
    email_confirmed: bool = Field(serialization_alias="emailConfirmed")


class ProfileOut(Schema):
    id: int
    email: str
    name: str
    email_confirmed: bool = Field(serialization_alias="emailConfirmed")
    tenants: list[str]


class LoginOut(TokensOut):
    tenant_id: str = Field(serialization_alias="tenantId")
    user: ProfileOut


def _profile(user) -> dict:
    return {"id": user.pk, "email": user.email, "name": user.full_name, "email_confirmed": user.is_email_confirmed,
            "tenants": list(tenants_of(user).values_list("slug", flat=True))}


def _user_agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")


@router.post("/auth/register", response={201: RegisterOut}, by_alias=True, summary="register")
def register(request: HttpRequest, payload: RegisterIn):
    try:
        registration = services.register_user(
            email=payload.email, password=payload.password, name=payload.name, company=payload.company
        )
    except services.FieldErrors as exc:
        raise FieldErrorsHttp(400, CHECK_FIELDS, exc.fields) from exc
    except services.EmailTaken as exc:
        raise FieldErrorsHttp(409, "Аккаунт с этим e-mail уже существует. Войдите или восстановите пароль.",
                              {"email": "Этот e-mail уже зарегистрирован."}, code="email_taken") from exc
    tenant = registration.tenant
    pair = services.issue_token_pair(registration.user, tenant.slug, ip=client_ip(request),
                                     user_agent=_user_agent(request))
    return Status(201, {"user_id": registration.user.pk, "tenant_id": tenant.slug, "access_token": pair.access,
                 "refresh_token": pair.refresh, "email_confirmed": registration.user.is_email_confirmed})


@router.post("/auth/login", response=LoginOut, by_alias=True, summary="login")
def login(request: HttpRequest, payload: LoginIn):
    email, ip = services.normalize_email(payload.email), client_ip(request)
    verdict = login_guard.check(email, ip)
    if not verdict.allowed:
        raise RateLimited(verdict.retry_after)
    user = authenticate(request, username=email, password=payload.password)
    if user is None:
        login_guard.record_failure(email, ip)
        raise HttpError(401, "Неверный e-mail или пароль.")
    login_guard.record_success(email)
    tenants = tenants_of(user)
    tenant: Tenant | None = tenants.filter(slug=payload.tenant_id).first() if payload.tenant_id else tenants.first()
    if payload.tenant_id and tenant is None:
        raise HttpError(403, "Нет доступа к этому рабочему пространству.")
    slug = tenant.slug if tenant else ""
    pair = services.issue_token_pair(user, slug, ip=ip, user_agent=_user_agent(request))
    logger.info("user_logged_in", extra={"userId": user.pk, "ip": ip, "source": "api"})
    return {"access_token": pair.access, "refresh_token": pair.refresh, "tenant_id": slug, "user": _profile(user)}


@router.post("/auth/refresh", response=TokensOut, by_alias=True, summary="refreshToken")
def refresh(request: HttpRequest, payload: RefreshIn):
    try:
        pair = services.rotate_refresh_token(payload.refresh_token, ip=client_ip(request),
                                             user_agent=_user_agent(request))
    except InvalidToken as exc:
        raise HttpError(401, "Сессия истекла или отозвана. Войдите заново.") from exc
    return {"access_token": pair.access, "refresh_token": pair.refresh}


@router.post("/auth/logout", response={204: None}, summary="logout")
def logout(request: HttpRequest, payload: RefreshIn):
    try:
        services.logout_refresh_token(payload.refresh_token)
    except InvalidToken as exc:
        raise HttpError(401, "Сессия истекла или отозвана.") from exc
    return Status(204, None)
