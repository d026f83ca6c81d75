"""Access and refresh JWTs (HS256, key chosen by ``kid``).

Access tokens live 15 minutes and carry the user (``sub``) and the workspace
they are valid for (``tid``, the subdomain; empty for platform-wide tokens).
Refresh tokens live 7 days; each has a server-side row (by ``jti``) so it can
be rotated once and revoked.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from django.conf import settings
from django.utils import timezone

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"


class InvalidToken(Exception):
    """Any reason a token is not accepted; the message is for logs, never for the client."""


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    tenant_slug: str
    token_type: str
    jti: str
    family: str | None
    issued_at: float
    expires_at: datetime


def _encode(claims: dict) -> str:
    kid = settings.JWT_ACTIVE_KID
    return jwt.encode(claims, settings.JWT_KEYS[kid], algorithm=ALGORITHM, headers={"kid": kid})


def issue_access_token(user_id: int, tenant_slug: str = "", family: str | None = None) -> str:
    now = timezone.now()
    return _encode(
        {
            "sub": str(user_id),
            "tid": tenant_slug,
            "fam": family,
            "typ": ACCESS,
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + timedelta(seconds=settings.JWT_ACCESS_TTL_SECONDS),
        }
    )


def issue_refresh_token(user_id: int, tenant_slug: str, jti: uuid.UUID, family: uuid.UUID) -> tuple[str, datetime]:
    now = timezone.now()
    expires_at = now + timedelta(seconds=settings.JWT_REFRESH_TTL_SECONDS)
    token = _encode(
        {"sub": str(user_id), "tid": tenant_slug, "typ": REFRESH, "jti": str(jti), "fam": str(family),
         "iat": now, "exp": expires_at}
    )
    return token, expires_at


def decode(token: str, expected_type: str) -> TokenClaims:
    """Verify signature, algorithm, key id, expiry and type; raise InvalidToken on anything off."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"malformed: {exc}") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidToken(f"algorithm {header.get('alg')!r} not accepted")
    key = settings.JWT_KEYS.get(header.get("kid") or "")
    if key is None:
        raise InvalidToken("unknown kid")
    try:
        claims = jwt.decode(
            token, key, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub", "typ", "jti"]}
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("typ") != expected_type:
        raise InvalidToken(f"wrong type {claims.get('typ')!r}")
    try:
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise InvalidToken("bad subject") from exc
    return TokenClaims(
        user_id=user_id,
        tenant_slug=str(claims.get("tid") or ""),
        token_type=claims["typ"],
        jti=str(claims["jti"]),
        family=claims.get("fam"),
        issued_at=float(claims["iat"]),
        expires_at=datetime.fromtimestamp(claims["exp"], tz=timezone.get_current_timezone()),
    )
