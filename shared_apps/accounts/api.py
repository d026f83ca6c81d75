"""Auth API of a person's tokens: refresh (rotation) and logout. Login and sign-up pick a workspace, so they
live with tenancy (``/auth/login``) and onboarding (``/auth/register``)."""

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from core.api_errors import ErrorOut
from core.errors import DomainError
from core.net import client_ip

from . import services
from .jwt_tokens import InvalidToken

router = Router(tags=["auth"])


class SessionExpired(DomainError):
    status = 401
    code = "unauthorized"
    default_message = "Сессия истекла или отозвана."


class RefreshIn(Schema):
    refresh_token: str = Field(alias="refreshToken", max_length=2000)


class TokensOut(Schema):
    access_token: str = Field(serialization_alias="accessToken")
    refresh_token: str = Field(serialization_alias="refreshToken")
    token_type: str = Field("Bearer", serialization_alias="tokenType")
    expires_in: int = Field(900, serialization_alias="expiresIn")


def user_agent(request: HttpRequest) -> str:
    return request.headers.get("User-Agent", "")


@router.post("/auth/refresh", response={200: TokensOut, 401: ErrorOut}, by_alias=True, summary="refreshToken")
def refresh(request: HttpRequest, payload: RefreshIn):
    try:
        pair = services.rotate_refresh_token(payload.refresh_token, ip=client_ip(request),
                                             user_agent=user_agent(request))
    except InvalidToken as exc:
        raise SessionExpired("Сессия истекла или отозвана. Войдите заново.") from exc
    return {"access_token": pair.access, "refresh_token": pair.refresh}


@router.post("/auth/logout", response={204: None, 401: ErrorOut}, summary="logout")
def logout(request: HttpRequest, payload: RefreshIn):
    try:
        services.logout_refresh_token(payload.refresh_token)
    except InvalidToken as exc:
        raise SessionExpired from exc
    return Status(204, None)
